package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// bearerCall makes a control call with a bearer token (a JSON body when
// body is not empty) and returns the status and the body.
func bearerCall(t *testing.T, method, u, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// controlTokenOf reads the control_token of a registration's (or a new
// token's) answer, failing the test when there is none.
func controlTokenOf(t *testing.T, code int, raw string) string {
	t.Helper()
	var out struct {
		ControlToken string `json:"control_token"`
	}
	if (code != http.StatusCreated && code != http.StatusOK) || json.Unmarshal([]byte(raw), &out) != nil || out.ControlToken == "" {
		t.Fatalf("no control token: %d %s", code, raw)
	}
	return out.ControlToken
}
