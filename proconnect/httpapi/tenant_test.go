package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// registerWithToken registers a portal at the core with the owner's token
// and returns the portal's control token.
func registerWithToken(t *testing.T, core, owner, id string) string {
	t.Helper()
	portal := map[string]any{"name": "Portail " + id, "client_id": id, "client_secret": "secret-" + id,
		"scopes": []string{"proconnect"}, "redirect_uris": []string{"http://localhost:9/retour"}}
	code, raw, _ := call(t, http.MethodPost, core+"/__sandbox/portals", owner, portal)
	var out struct {
		ControlToken string `json:"control_token"`
	}
	if code != http.StatusCreated || json.Unmarshal(raw, &out) != nil || out.ControlToken == "" {
		t.Fatalf("registering %s: %d %s, want 201 with its control token", id, code, raw)
	}
	return out.ControlToken
}

// TestPortalTokenAtTheCore: in a shared sandbox, the core gives each
// registered portal a control token that reaches only its own scope: its
// registration, its deliveries, its clock, its signing key; what every team
// shares answers 403, another portal's scope too. A new registration
// retires the previous token.
func TestPortalTokenAtTheCore(t *testing.T) {
	const owner = "jeton-du-proprietaire"
	_, url := sandboxtest.Start(t, sandbox.Config{ControlToken: owner})
	core := url("proconnect")
	a, b := registerWithToken(t, core, owner, "portail-a"), registerWithToken(t, core, owner, "portail-b")
	other := map[string]any{"client_id": "portail-b", "redirect_uris": []string{"http://localhost:9/retour"}}
	for _, tc := range []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"its clock", "POST", "/clock", map[string]string{"advance": "192h"}, 200},
		{"its hold", "POST", "/deliveries/hold", map[string]string{"portal": "portail-a"}, 204},
		{"another portal's hold", "POST", "/deliveries/hold", map[string]string{"portal": "portail-b"}, 403},
		{"another portal's release", "DELETE", "/deliveries/hold?portal=portail-b", nil, 403},
		{"another portal's registration", "POST", "/portals", other, 403},
		{"another portal's attempts", "GET", "/attempts?portal=portail-b", nil, 403},
		{"a token for a portal", "POST", "/portals/portail-b/token", map[string]any{}, 403},
		{"the whole mail outbox", "GET", "/mails", nil, 403},
		{"reset", "POST", "/reset", nil, 403},
		{"its key", "POST", "/keys/rotate", map[string]any{}, 200},
		{"its re-check", "POST", "/recheck", map[string]any{}, 200},
		{"its expiry sweep", "POST", "/expire", map[string]any{}, 200},
	} {
		code, raw, mt := call(t, tc.method, core+"/__sandbox"+tc.path, a, tc.body)
		if code != tc.want || (code >= 400 && mt != "application/problem+json") {
			t.Errorf("%s with portail-a's token: %d %s %s, want %d", tc.name, code, mt, raw, tc.want)
		}
	}
	// portail-a's week passed for it alone
	for tok, want := range map[string]string{a: "192h0m0s", b: "0s", owner: "0s"} {
		_, raw, _ := call(t, http.MethodGet, core+"/__sandbox/clock", tok, nil)
		var c struct{ Offset string }
		if json.Unmarshal(raw, &c) != nil || c.Offset != want {
			t.Errorf("clock %s: %s, want offset %s", tok[:4], raw, want)
		}
	}
	// portail-a's next key signs its events only: the core's stays, the
	// JWKS publishes both
	var kids struct{ Kid string }
	_, raw, _ := call(t, http.MethodDelete, core+"/__sandbox/keys/rotate", b, nil)
	_ = json.Unmarshal(raw, &kids)
	_, jwks, _ := call(t, http.MethodGet, core+"/api/v1/jwks", "", nil)
	if kids.Kid == "" || strings.Count(string(jwks), `"kid"`) != 2 {
		t.Errorf("after portail-a's rotation the core signs with %q and publishes %s, want its first key and both", kids.Kid, jwks)
	}
	// the portal registering itself again keeps its token
	self := map[string]any{"client_id": "portail-b", "redirect_uris": []string{"http://localhost:9/autre"}}
	if code, raw, _ := call(t, http.MethodPost, core+"/__sandbox/portals", b, self); code != http.StatusCreated || strings.Contains(string(raw), "control_token") {
		t.Errorf("portail-b registering itself again: %d %s, want 201 without a new token", code, raw)
	}
	if code, _, _ := call(t, http.MethodGet, core+"/__sandbox/clock", b, nil); code != http.StatusOK {
		t.Errorf("portail-b's token after registering itself again: %d, want 200", code)
	}
	// the owner's new registration retires the previous token
	a2 := registerWithToken(t, core, owner, "portail-a")
	if code, raw, _ := call(t, http.MethodGet, core+"/__sandbox/clock", a, nil); code != http.StatusUnauthorized {
		t.Errorf("a retired token: %d %s, want 401", code, raw)
	}
	if code, _, _ := call(t, http.MethodGet, core+"/__sandbox/clock", a2, nil); code != http.StatusOK {
		t.Errorf("the new token: %d, want 200", code)
	}
	// a fixture portal gets its token from the owner
	code, raw, _ := call(t, http.MethodPost, core+"/__sandbox/portals/portail-demo/token", owner, map[string]any{})
	var demo struct {
		ControlToken string `json:"control_token"`
	}
	if code != http.StatusCreated || json.Unmarshal(raw, &demo) != nil || demo.ControlToken == "" {
		t.Fatalf("a token for the reference portal: %d %s", code, raw)
	}
	if code, _, _ := call(t, http.MethodPost, core+"/__sandbox/deliveries/hold", demo.ControlToken, map[string]string{"portal": "portail-demo"}); code != http.StatusNoContent {
		t.Errorf("the reference portal holding its deliveries: %d, want 204", code)
	}
	if code, _, _ := call(t, http.MethodPost, core+"/__sandbox/portals/portail-x/token", owner, map[string]any{}); code != http.StatusNotFound {
		t.Errorf("a token for an unknown portal: %d, want 404", code)
	}
}
