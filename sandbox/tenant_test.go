package sandbox_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// TestPortalTokenAcrossComponents: the control token the core gives a
// portal of a shared sandbox is honoured by every component, each time
// within that portal's scope only: its registration at PISTE, the
// register's synthetic companies (a scenario's own), a headless
// FranceConnect session; everything every team shares answers 403.
func TestPortalTokenAcrossComponents(t *testing.T) {
	const owner = "jeton-du-proprietaire"
	_, url := sandboxtest.Start(t, sandbox.Config{ControlToken: owner})
	call := func(method, u, token, body string) (int, string) { return bearerCall(t, method, u, token, body) }
	reg := `{"name":"A","client_id":"portail-a","client_secret":"secret-a","scopes":["proconnect"],"redirect_uris":["http://localhost:9/retour"]}`
	code, raw := call("POST", url("proconnect")+"/__sandbox/portals", owner, reg)
	if code != http.StatusCreated {
		t.Fatalf("registering portail-a: %d %s", code, raw)
	}
	a := controlTokenOf(t, code, raw)
	synthetic := "90200000" // a prefix outside the fixtures
	synthetic += string(insee.LuhnKey(synthetic))
	for _, tc := range []struct {
		name, component, method, path, body string
		want                                int
	}{
		{"its registration at PISTE", "piste", "POST", "/portals", reg, 201},
		{"another portal's registration at PISTE", "piste", "POST", "/portals", strings.ReplaceAll(reg, "portail-a", "portail-b"), 403},
		{"every portal at PISTE", "piste", "GET", "/portals", "", 403},
		{"its journal at PISTE", "piste", "GET", "/journal", "", 200},
		{"a scenario's company", "sirene", "POST", "/companies/" + synthetic + "/dirigeants/1/leave", "", 200},
		{"a company of the fixtures", "sirene", "POST", "/companies/901001008/dirigeants/1/leave", "", 403},
		{"the register's clock", "sirene", "POST", "/clock", `{"advance":"1h"}`, 403},
		{"a headless session", "franceconnect", "GET", "/session?login=angela", "", 200},
		{"a persona", "franceconnect", "POST", "/personas", `{"login":"x"}`, 403},
		{"FranceConnect's keys", "franceconnect", "POST", "/keys/rotate", `{"alg":"ES256"}`, 403},
		{"the whole mail server", "mailbox", "POST", "/reset", "", 403},
		{"API Entreprise's clock", "apientreprise", "POST", "/clock", `{"advance":"1h"}`, 403},
		{"the reference portal's defects", "portal", "PUT", "/defects", `{}`, 403},
	} {
		code, raw := call(tc.method, url(tc.component)+"/__sandbox"+tc.path, a, tc.body)
		if code != tc.want {
			t.Errorf("%s (%s %s %s): %d %s, want %d", tc.name, tc.component, tc.method, tc.path, code, raw, tc.want)
		}
	}
	// the token is the core's word: another sandbox's owner cannot make one
	if code, _ := call("GET", url("piste")+"/__sandbox/journal", a+"x", ""); code != http.StatusUnauthorized {
		t.Errorf("a tampered token at PISTE: %d, want 401", code)
	}
}
