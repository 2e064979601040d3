package portal

import (
	"net/http"
	"strings"
	"testing"
)

// TestUnknownCompanyStopsBeforeFranceConnect: when the core says SIRENE
// does not know the SIREN, the start page sends nobody anywhere: it says
// so in French, with the alternative path, the core's words only in the
// developers' line, and binds no state to the browser.
func TestUnknownCompanyStopsBeforeFranceConnect(t *testing.T) {
	p := newTestPortal(t)
	rec := get(t, p, http.MethodGet, "/demarrer?siren=999999998", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || rec.Header().Get("Location") != "" {
		t.Fatalf("%d to %q, want a page of the portal", rec.Code, rec.Header().Get("Location"))
	}
	for _, want := range []string{`<h1 id="title">Entreprise introuvable</h1>`, `fr-alert--error`, "999999998",
		`href="/parcours-alternatif?siren=999999998"`, "Détail pour les développeurs : Le répertoire SIRENE"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(codeLines.ReplaceAllString(body, ""), "company") {
		t.Errorf("a code outside the developers' line:\n%s", body)
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Errorf("cookies %v: no certification, no state to bind", rec.Result().Cookies())
	}
}
