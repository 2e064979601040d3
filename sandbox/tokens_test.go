package sandbox_test

import (
	"net/http"
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
	call := func(method, u, token, body string) (int, string) { return bearerCall(t, method, u, token, body) }
	tokenOf := func(code int, raw string) string { return controlTokenOf(t, code, raw) }
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
