package sirene_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/sirene"
)

// demoGrant is a password grant with the demo credentials.
func demoGrant() url.Values {
	return url.Values{"grant_type": {"password"}, "client_id": {sirene.DemoINSEEClientID},
		"client_secret": {sirene.DemoINSEEClientSecret}, "username": {sirene.DemoINSEEUser}, "password": {sirene.DemoINSEEPassword}}
}

// postToken sends a form to the INSEE token endpoint.
func (r *register) postToken(tb testing.TB, form string, basic []string) (*http.Response, map[string]any) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.base+sirene.INSEETokenPath, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.SetBasicAuth(basic[0], basic[1])
	}
	resp, err := r.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatalf("token endpoint: %d %s: %v", resp.StatusCode, b, err)
	}
	return resp, out
}

func (r *register) inseeToken(tb testing.TB) string {
	tb.Helper()
	resp, out := r.postToken(tb, demoGrant().Encode(), nil)
	tok, _ := out["access_token"].(string)
	if resp.StatusCode != http.StatusOK || tok == "" {
		tb.Fatalf("INSEE token: %d %v", resp.StatusCode, out)
	}
	return tok
}

func TestINSEETokenGrant(t *testing.T) {
	r := newRegister(t)
	resp, out := r.postToken(t, demoGrant().Encode(), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d %v", resp.StatusCode, out)
	}
	if out["token_type"] != "Bearer" || out["expires_in"] != float64(300) || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("answer %v, Cache-Control %q", out, resp.Header.Get("Cache-Control"))
	}
	for _, k := range []string{"access_token", "refresh_expires_in", "not-before-policy", "session_state", "scope"} {
		if _, ok := out[k]; !ok {
			t.Errorf("no %s in %v", k, out)
		}
	}
	if again := r.inseeToken(t); again == out["access_token"] {
		t.Error("two grants gave the same token")
	}

	// The client may authenticate with HTTP Basic instead of the form.
	form := demoGrant()
	form.Del("client_id")
	form.Del("client_secret")
	if resp, out := r.postToken(t, form.Encode(), []string{sirene.DemoINSEEClientID, sirene.DemoINSEEClientSecret}); resp.StatusCode != http.StatusOK {
		t.Errorf("Basic client authentication: %d %v", resp.StatusCode, out)
	}
}

func TestINSEETokenErrors(t *testing.T) {
	r := newRegister(t)
	with := func(k, v string) string {
		f := demoGrant()
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f.Encode()
	}
	cases := []struct {
		name, form    string
		basic         []string
		status        int
		error, detail string
	}{
		{"no grant_type", with("grant_type", ""), nil, 400, "invalid_request", "Missing form parameter: grant_type"},
		{"client_credentials", with("grant_type", "client_credentials"), nil, 400, "unsupported_grant_type", "Unsupported grant_type"},
		{"duplicated parameter", demoGrant().Encode() + "&username=x", nil, 400, "invalid_request", "duplicated parameter"},
		{"no client_id", with("client_id", ""), nil, 400, "invalid_client", "Missing client_id parameter"},
		{"unknown client", with("client_id", "someone"), nil, 401, "invalid_client", "Invalid client or Invalid client credentials"},
		{"no secret", with("client_secret", ""), nil, 401, "unauthorized_client", "Client secret not provided in request"},
		{"wrong secret", with("client_secret", "nope"), nil, 401, "unauthorized_client", "Invalid client or Invalid client credentials"},
		{"Basic and form secret", demoGrant().Encode(), []string{sirene.DemoINSEEClientID, sirene.DemoINSEEClientSecret}, 400, "invalid_request",
			"client authentication must only be provided using one mechanism"},
		{"no username", with("username", ""), nil, 401, "invalid_request", "Missing parameter: username"},
		{"unknown user", with("username", "someone"), nil, 401, "invalid_grant", "Invalid user credentials"},
		{"wrong password", with("password", "nope"), nil, 401, "invalid_grant", "Invalid user credentials"},
		{"no password", with("password", ""), nil, 401, "invalid_grant", "Invalid user credentials"},
		{"JSON body", `{"grant_type":"password"}`, nil, 400, "invalid_request", "Missing form parameter: grant_type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, r.base+sirene.INSEETokenPath, strings.NewReader(c.form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if strings.HasPrefix(c.form, "{") {
				req.Header.Set("Content-Type", "application/json")
			}
			if c.basic != nil {
				req.SetBasicAuth(c.basic[0], c.basic[1])
			}
			resp, err := r.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != c.status || out["error"] != c.error || out["error_description"] != c.detail || len(out) != 2 {
				t.Errorf("got %d %v, want %d %s %q", resp.StatusCode, out, c.status, c.error, c.detail)
			}
			if _, ok := out["access_token"]; ok {
				t.Error("a token with an error")
			}
		})
	}
}

// privateGet reads the private API with an Authorization header (none when
// auth is ""), or the public API's key when auth is "key".
func (r *register) privateGet(tb testing.TB, auth string) (*http.Response, map[string]any) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.base+"/api-sirene/prive/3.11/siren/901004002", nil)
	switch auth {
	case "":
	case "key":
		req.Header.Set(sirene.APIKeyHeader, sirene.DemoAPIKey)
	default:
		req.Header.Set("Authorization", auth)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func TestPrivateAPIRequiresABearerToken(t *testing.T) {
	r := newRegister(t)
	tok := r.inseeToken(t)
	if resp, out := r.privateGet(t, "Bearer "+tok); resp.StatusCode != http.StatusOK {
		t.Fatalf("with the token: %d %v", resp.StatusCode, out)
	}
	if resp, _ := r.privateGet(t, "bearer "+tok); resp.StatusCode != http.StatusOK {
		t.Errorf("the scheme is case-insensitive (RFC 6750 §2.1): %d", resp.StatusCode)
	}
	cases := []struct{ name, auth, challenge string }{
		{"no header", "", `Bearer realm="api-sirene"`},
		{"the API key only", "key", `Bearer realm="api-sirene"`},
		{"Basic", "Basic c2FuZGJveDpzYW5kYm94", `Bearer realm="api-sirene"`},
		{"unknown token", "Bearer " + strings.Repeat("x", 44), `error="invalid_token"`},
		{"the API key as a token", "Bearer " + sirene.DemoAPIKey, `error="invalid_token"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, out := r.privateGet(t, c.auth)
			h, _ := out["header"].(map[string]any)
			if resp.StatusCode != http.StatusUnauthorized || h["statut"] != float64(401) || h["message"] != "Jeton d'accès manquant ou invalide" {
				t.Errorf("got %d %v", resp.StatusCode, out)
			}
			if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, c.challenge) {
				t.Errorf("WWW-Authenticate %q, want %q in it", got, c.challenge)
			}
		})
	}

	// The public API keeps the key and takes no token.
	req, _ := http.NewRequest(http.MethodGet, r.base+"/api-sirene/3.11/siren/901001008", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("public API with a token and no key: %d", resp.StatusCode)
	}
	if status, _ := r.get(t, "/api-sirene/3.11/siren/901001008", ""); status != http.StatusOK {
		t.Errorf("public API with the key: %d", status)
	}
}

func TestINSEETokenExpiresOnTheMockClock(t *testing.T) {
	r := newRegister(t)
	tok := r.inseeToken(t)
	advance := func(d string) {
		t.Helper()
		resp, err := r.client.Post(r.base+"/__sandbox/clock", "application/json", strings.NewReader(`{"advance":"`+d+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("clock: %d", resp.StatusCode)
		}
	}
	advance("4m59s")
	if resp, _ := r.privateGet(t, "Bearer "+tok); resp.StatusCode != http.StatusOK {
		t.Fatalf("before expiry: %d", resp.StatusCode)
	}
	advance("1s")
	resp, _ := r.privateGet(t, "Bearer "+tok)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("after expiry: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if resp, _ := r.privateGet(t, "Bearer "+r.inseeToken(t)); resp.StatusCode != http.StatusOK {
		t.Errorf("a new token: %d", resp.StatusCode)
	}
}
