package sirene_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/sirene"
)

type register struct {
	base   string
	client *http.Client
	insee  string // an access token of the private INSEE API, got on first use
}

func newRegister(tb testing.TB) *register {
	tb.Helper()
	base := testserver.Start(tb, func(base string) (http.Handler, error) {
		return sirene.New(sirene.Config{PublicURL: base, Fixtures: testserver.Fixtures(tb)})
	})
	return &register{base: base, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// get calls the register: public INSEE paths with the demo API key,
// private ones with an access token of the demo credentials, RNE paths with
// the given token.
func (r *register) get(tb testing.TB, path, token string) (int, []byte) {
	tb.Helper()
	return r.do(tb, http.MethodGet, path, token, "")
}

func (r *register) do(tb testing.TB, method, path, token, body string) (int, []byte) {
	tb.Helper()
	req, _ := http.NewRequest(method, r.base+path, strings.NewReader(body))
	switch {
	case strings.HasPrefix(path, "/api-sirene/prive/"):
		if r.insee == "" {
			r.insee = r.inseeToken(tb)
		}
		req.Header.Set("Authorization", "Bearer "+r.insee)
	case strings.HasPrefix(path, "/api-sirene"):
		req.Header.Set(sirene.APIKeyHeader, sirene.DemoAPIKey)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (r *register) rneLogin(tb testing.TB) string {
	tb.Helper()
	status, body := r.do(tb, http.MethodPost, "/api/sso/login", "", `{"username":"sandbox","password":"sandbox-rne-password"}`)
	var out struct{ Token string }
	if status != 200 || json.Unmarshal(body, &out) != nil || out.Token == "" {
		tb.Fatalf("RNE login: %d %s", status, body)
	}
	return out.Token
}

func jsonPath(tb testing.TB, body []byte, path ...any) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		tb.Fatalf("not JSON: %s", body)
	}
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func TestSearchSemantics(t *testing.T) {
	r := newRegister(t)
	total := func(q string) any {
		t.Helper()
		status, body := r.get(t, "/api-sirene/3.11/siren?champs=siren&q="+q, "")
		if status == 404 {
			return 0.0
		}
		if status != 200 {
			t.Fatalf("q=%s: %d %s", q, status, body)
		}
		return jsonPath(t, body, "header", "total")
	}
	for q, want := range map[string]float64{
		"denominationUniteLegale:DUBOIS":                                           2, // a word of the name
		"denominationUniteLegale:%22DUBOIS+CONSEIL%22":                             1,
		"denominationUniteLegale:dub*":                                             2, // case and wildcard
		"periode(etatAdministratifUniteLegale:C)":                                  1,
		"etatAdministratifUniteLegale:C":                                           1, // current period
		"periode(denominationUniteLegale:%22MARTIN+CONSEIL%22)":                    1, // an older period
		"denominationUniteLegale:%22MARTIN+CONSEIL%22":                             0, // not the current name
		"categorieJuridiqueUniteLegale:1000+AND+NOT+nomUniteLegale:GIRARD":         1,
		"categorieJuridiqueUniteLegale:1000+OR+categorieJuridiqueUniteLegale:9220": 3,
		"-categorieJuridiqueUniteLegale:57*":                                       8,
		"siren:732829320":                                                          1, // a synthetic unit, named exactly
		"dateCreationUniteLegale:%5B2015-01-01+TO+2016-12-31%5D":                   2, // the duplicate is left out
		"(categorieJuridiqueUniteLegale:5710+categorieJuridiqueUniteLegale:5499)":  0, // implicit AND
		"denominationUniteLegale:LEVEQUE":                                          1,
		"nomUniteLegale:BONNET":                                                    0, // [ND] on the public API
	} {
		if got := total(q); got != want {
			t.Errorf("q=%s: total %v, want %v", q, got, want)
		}
	}
}

func TestBadRequests(t *testing.T) {
	r := newRegister(t)
	for path, want := range map[string]int{
		"/api-sirene/3.11/siren/12345":                                    400,
		"/api-sirene/3.11/siren/90100100A":                                400,
		"/api-sirene/3.11/siren/901001009":                                404, // Luhn-invalid: no such unit
		"/api-sirene/3.11/siret/9010010080001":                            400,
		"/api-sirene/3.11/siret/90100100800018":                           404,
		"/api-sirene/3.11/siren/901001008?date=hier":                      400,
		"/api-sirene/3.11/siren/901001008?champs=inconnu":                 400,
		"/api-sirene/3.11/siren/901001008?masquerValeursNulles=oui":       400,
		"/api-sirene/3.11/siren?q=(((":                                    400,
		"/api-sirene/3.11/siren?q=inconnu:1":                              400,
		"/api-sirene/3.11/siren?q=siren:%22abc":                           400,
		"/api-sirene/3.11/siren?q=siren:1&nombre=-1":                      400,
		"/api-sirene/3.11/siren?q=siren:1&nombre=99999":                   400,
		"/api-sirene/3.11/siren?q=siren:1&facette.champ=siren":            400,
		"/api-sirene/3.11/siren?q=" + strings.Repeat("(", 40) + "siren:1": 400,
		"/api-sirene/3.11/siren?q=" + strings.Repeat("siren:1+", 150):     400,
		"/api-sirene/3.11/siren?q=siren:" + strings.Repeat("1", 5000):     414,
		"/api-sirene/3.11/inconnu":                                        404,
		"/api-sirene/3.11/siren/901012005":                                301,
	} {
		status, body := r.get(t, path, "")
		if status != want {
			t.Errorf("%s: %d, want %d: %.200s", path[:min(len(path), 80)], status, want, body)
			continue
		}
		if status >= 400 && jsonPath(t, body, "header", "statut") != float64(want) {
			t.Errorf("%s: header.statut is not %d: %s", path[:min(len(path), 80)], want, body)
		}
	}
	// Without the API key: 401, and never a unit.
	req, _ := http.NewRequest(http.MethodGet, r.base+"/api-sirene/3.11/siren/901001008", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("without API key: %d", resp.StatusCode)
	}
	// RNE without a token, with a forged one, with a wrong password.
	for _, tok := range []string{"", "forged.token", "a.b"} {
		if status, _ := r.get(t, "/api/companies/901001008", tok); status != 401 {
			t.Errorf("RNE with token %q: %d", tok, status)
		}
	}
	if status, _ := r.do(t, "POST", "/api/sso/login", "", `{"username":"sandbox","password":"nope"}`); status != 401 {
		t.Errorf("RNE login with a wrong password: %d", status)
	}
	if status, _ := r.do(t, "POST", "/api/sso/login", "", `{not json`); status != 401 {
		t.Errorf("RNE login with a malformed body: %d", status)
	}
}

func TestRegisterChangesUnderAPortal(t *testing.T) {
	r := newRegister(t)
	tok := r.rneLogin(t)
	const siren = "732829320" // synthetic: the change materialises it
	if status, body := r.do(t, "POST", "/__sandbox/companies/"+siren+"/dirigeants/1/leave", "", "{}"); status != 200 {
		t.Fatalf("leave: %d %s", status, body)
	}
	_, body := r.get(t, "/api/companies/"+siren, tok)
	if jsonPath(t, body, "formality", "content", "personneMorale", "composition", "pouvoirs", 0, "actif") != false {
		t.Fatalf("the dirigeant did not leave: %s", body)
	}
	if status, body := r.do(t, "POST", "/__sandbox/companies/"+siren+"/cease", "", `{"date":"2026-01-01"}`); status != 200 {
		t.Fatalf("cease: %d %s", status, body)
	}
	_, body = r.get(t, "/api-sirene/3.11/siren/"+siren, "")
	if jsonPath(t, body, "uniteLegale", "periodesUniteLegale", 0, "etatAdministratifUniteLegale") != "C" ||
		jsonPath(t, body, "uniteLegale", "periodesUniteLegale", 1, "dateFin") != "2025-12-31" ||
		jsonPath(t, body, "uniteLegale", "periodesUniteLegale", 0, "changementEtatAdministratifUniteLegale") != true {
		t.Fatalf("not ceased: %s", body)
	}
	if status, _ := r.do(t, "POST", "/__sandbox/companies/"+siren+"/cease", "", `{}`); status != 400 {
		t.Errorf("ceasing twice: %d", status)
	}
	if status, _ := r.do(t, "DELETE", "/__sandbox/companies/"+siren, "", ""); status != 204 {
		t.Errorf("undo: %d", status)
	}
	_, body = r.get(t, "/api-sirene/3.11/siren/"+siren, "")
	if jsonPath(t, body, "uniteLegale", "periodesUniteLegale", 0, "etatAdministratifUniteLegale") != "A" {
		t.Fatalf("undo did not restore the synthetic company: %s", body)
	}
	// Contact email: referenced, read, changed, refused when invalid.
	if status, body := r.do(t, "PUT", "/api/companies/901010009/contact-email", tok, `{"contact_email":"nadia@benali.example.test"}`); status != 200 {
		t.Fatalf("put: %d %s", status, body)
	}
	_, body = r.get(t, "/api/companies/901010009/contact-email", tok)
	if jsonPath(t, body, "contact_email") != "nadia@benali.example.test" {
		t.Fatalf("contact %s", body)
	}
	if status, _ := r.do(t, "PUT", "/api/companies/901010009/contact-email", tok, `{"contact_email":"pas une adresse"}`); status != 400 {
		t.Errorf("invalid email: %d", status)
	}
	if status, _ := r.get(t, "/api/companies/901005009/contact-email", tok); status != 404 {
		t.Errorf("no contact email: %d", status)
	}
}
