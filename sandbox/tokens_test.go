package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// TestRetiredPortalTokenRefusedEverywhere: in one process, a portal token
// the core retired (a new token given, a reset that forgets the portal) is
// refused by every component, not only the core; the current one works.
func TestRetiredPortalTokenRefusedEverywhere(t *testing.T) {
	const owner = "jeton-du-proprietaire"
	_, url := sandboxtest.Start(t, sandbox.Config{ControlToken: owner})
	call := func(method, u, token, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, u, strings.NewReader(body))
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
	tokenOf := func(code int, raw string) string {
		t.Helper()
		var out struct {
			ControlToken string `json:"control_token"`
		}
		if (code != http.StatusCreated && code != http.StatusOK) || json.Unmarshal([]byte(raw), &out) != nil || out.ControlToken == "" {
			t.Fatalf("no control token: %d %s", code, raw)
		}
		return out.ControlToken
	}
	reg := `{"name":"A","client_id":"portail-a","client_secret":"secret-a","scopes":["proconnect"],"redirect_uris":["http://localhost:9/retour"]}`
	first := tokenOf(call("POST", url("proconnect")+"/__sandbox/portals", owner, reg))
	components := []string{"proconnect", "piste", "mailbox", "sirene", "franceconnect"}
	expect := func(token, when string, want int) {
		t.Helper()
		for _, c := range components {
			if code, raw := call("GET", url(c)+"/__sandbox/journal", token, ""); code != want {
				t.Errorf("%s: its journal at %s with the token %s: %d, want %d: %s", when, c, token[:12], code, want, raw)
			}
		}
	}
	expect(first, "registered", http.StatusOK)
	second := tokenOf(call("POST", url("proconnect")+"/__sandbox/portals/portail-a/token", owner, ""))
	expect(first, "after a new token", http.StatusUnauthorized)
	expect(second, "the new token", http.StatusOK)
	if code, raw := call("POST", url("proconnect")+"/__sandbox/reset", owner, ""); code != http.StatusNoContent {
		t.Fatalf("reset: %d %s", code, raw)
	}
	expect(second, "after a reset that forgot the portal", http.StatusUnauthorized)
}
