package apientreprise_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/apientreprise"
)

const params = "?context=ProConnect&recipient=13002526500013&object=findMandatairesSociauxBySiren"

func newMock(t testing.TB) (*apientreprise.Mock, *fixtures.Set) {
	t.Helper()
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := apientreprise.New(apientreprise.Config{Fixtures: set})
	if err != nil {
		t.Fatal(err)
	}
	return m, set
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func get(t testing.TB, h http.Handler, path, token string) answer {
	t.Helper()
	req := withHost(httptest.NewRequest(http.MethodGet, path, nil))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", path, err, rec.Body)
	}
	return answer{rec.Code, rec.Header(), body}
}

// firstError returns the first member of an {"errors":[…]} body.
func firstError(t testing.TB, a answer) map[string]any {
	t.Helper()
	errs, _ := a.body["errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("no errors in %v", a.body)
	}
	return errs[0].(map[string]any)
}

func TestErrors(t *testing.T) {
	m, _ := newMock(t)
	mandataires := "/v3/infogreffe/rcs/unites_legales/901003004/mandataires_sociaux"
	tests := []struct {
		name, path, token string
		status            int
		code, detail      string
	}{
		{"no token", mandataires + params, "", 401, "00101", "Votre token n'est pas valide ou n'est pas renseigné"},
		{"wrong token", mandataires + params, "nope", 401, "00101", "Votre token n'est pas valide ou n'est pas renseigné"},
		{"no context", mandataires + "?recipient=13002526500013&object=x", apientreprise.DemoToken, 422, "00201", "Le paramètre context est obligatoire"},
		{"no object", mandataires + "?recipient=13002526500013&context=x", apientreprise.DemoToken, 422, "00201", "Le paramètre object est obligatoire"},
		{"no recipient", mandataires + "?object=x&context=x", apientreprise.DemoToken, 422, "00201", "Le paramètre recipient est obligatoire"},
		{"recipient not a SIRET", mandataires + "?object=x&context=x&recipient=DINUM", apientreprise.DemoToken, 422, "00210", "Le paramètre recipient n'est pas un siret valid"},
		{"malformed SIREN", "/v3/infogreffe/rcs/unites_legales/90100300/mandataires_sociaux" + params, apientreprise.DemoToken, 422, "00301", "Le numéro de siren n'est pas correctement formatté"},
		{"unknown SIREN at Infogreffe", "/v3/infogreffe/rcs/unites_legales/999999998/mandataires_sociaux" + params, apientreprise.DemoToken, 404, "02003", "Le siren indiqué n'existe pas, n'est pas connu ou ne comporte aucune information pour cet appel."},
		{"Luhn-invalid SIREN", "/v3/infogreffe/rcs/unites_legales/901003005/mandataires_sociaux" + params, apientreprise.DemoToken, 404, "02003", ""},
		{"association not at the greffe", "/v3/infogreffe/rcs/unites_legales/901005009/mandataires_sociaux" + params, apientreprise.DemoToken, 404, "02003", ""},
		{"unknown SIREN at INSEE", "/v3/insee/sirene/unites_legales/999999998" + params, apientreprise.DemoToken, 404, "01003", ""},
		{"unknown route", "/v3/nope" + params, apientreprise.DemoToken, 404, "00404", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := get(t, m, tt.path, tt.token)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %v", a.status, tt.status, a.body)
			}
			e := firstError(t, a)
			if e["code"] != tt.code || (tt.detail != "" && e["detail"] != tt.detail) {
				t.Errorf("error %v, want code %s detail %q", e, tt.code, tt.detail)
			}
		})
	}
}

func TestAllMissingParametersAreListed(t *testing.T) {
	m, _ := newMock(t)
	a := get(t, m, "/v3/insee/sirene/unites_legales/901003004", apientreprise.DemoToken)
	if errs, _ := a.body["errors"].([]any); a.status != 422 || len(errs) != 3 {
		t.Fatalf("%d %v", a.status, a.body)
	}
}

func TestMandatairesSociaux(t *testing.T) {
	m, _ := newMock(t)
	a := get(t, m, "/v3/infogreffe/rcs/unites_legales/901003004/mandataires_sociaux"+params, apientreprise.DemoToken)
	if a.status != 200 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	if a.header.Get("RateLimit-Limit") == "" {
		t.Error("no RateLimit-Limit")
	}
	data := a.body["data"].([]any)
	if len(data) != 3 {
		t.Fatalf("%d mandataires", len(data))
	}
	first := data[0].(map[string]any)["data"].(map[string]any)
	want := map[string]any{"type": "personne_physique", "fonction": "PRESIDENT", "nom": "MARTIN", "prenom": "SOPHIE",
		"date_naissance": "1988-10-03", "date_naissance_timestamp": float64(591840000000), "lieu_naissance": "MARSEILLE",
		"pays_naissance": "FRANCE", "code_pays_naissance": "FR"}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %v, want %v", k, first[k], v)
		}
	}
	meta := a.body["meta"].(map[string]any)
	if meta["count"] != float64(3) || meta["personnes_physiques_count"] != float64(3) || meta["personnes_morales_count"] != float64(0) {
		t.Errorf("meta %v", meta)
	}
	// Jean-Philippe, from a persona: all his given names in one string.
	if got := data[2].(map[string]any)["data"].(map[string]any)["prenom"]; got != "Jean Philippe Pierre Louis" {
		t.Errorf("prenom %v", got)
	}
}

func TestLegalPersonAndFormerDirigeant(t *testing.T) {
	m, _ := newMock(t)
	a := get(t, m, "/v3/infogreffe/rcs/unites_legales/901011007/mandataires_sociaux"+params, apientreprise.DemoToken)
	first := a.body["data"].([]any)[0].(map[string]any)["data"].(map[string]any)
	if first["type"] != "personne_morale" || first["numero_identification"] != "901001008" {
		t.Errorf("%v", first)
	}
	// 901014001's second dirigeant has left: Infogreffe lists current mandataires.
	a = get(t, m, "/v3/infogreffe/rcs/unites_legales/901014001/mandataires_sociaux"+params, apientreprise.DemoToken)
	if n := len(a.body["data"].([]any)); n != 1 {
		t.Errorf("%d mandataires, want 1", n)
	}
}

// TestSyntheticAgreesWithRegister checks that a synthetic company's
// mandataires are its register dirigeants.
func TestSyntheticAgreesWithRegister(t *testing.T) {
	m, set := newMock(t)
	const siren = "123456782"
	c, ok := set.CompanyOrSynthetic(siren)
	if !ok || len(c.Dirigeants) == 0 {
		t.Fatalf("no synthetic company %s", siren)
	}
	a := get(t, m, "/v3/infogreffe/rcs/unites_legales/"+siren+"/mandataires_sociaux"+params, apientreprise.DemoToken)
	data := a.body["data"].([]any)
	if len(data) != len(c.Dirigeants) {
		t.Fatalf("%d mandataires, register has %d", len(data), len(c.Dirigeants))
	}
	for i, d := range c.Dirigeants {
		got := data[i].(map[string]any)["data"].(map[string]any)
		if got["nom"] != d.Nom || got["prenom"] != strings.Join(d.Prenoms, " ") || got["date_naissance"] != d.DateNaissance {
			t.Errorf("mandataire %d %v, register %+v", i, got, d)
		}
	}
}

func TestUniteLegale(t *testing.T) {
	m, _ := newMock(t)
	a := get(t, m, "/v3/insee/sirene/unites_legales/901003004"+params, apientreprise.DemoToken)
	if a.status != 200 {
		t.Fatalf("%d %v", a.status, a.body)
	}
	d := a.body["data"].(map[string]any)
	if d["siren"] != "901003004" || d["siret_siege_social"] != "90100300400016" || d["type"] != "personne_morale" || d["etat_administratif"] != "A" {
		t.Errorf("%v", d)
	}
	if pm := d["personne_morale_attributs"].(map[string]any); pm["raison_sociale"] != "MARTIN ET ASSOCIES" {
		t.Errorf("raison_sociale %v", pm["raison_sociale"])
	}
	if fj := d["forme_juridique"].(map[string]any); fj["code"] != "5710" {
		t.Errorf("forme_juridique %v", fj)
	}
}

func TestControlAPI(t *testing.T) {
	m, _ := newMock(t)
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, withHost(httptest.NewRequest(http.MethodGet, "/__sandbox/healthz", nil)))
	if rec.Code != 200 {
		t.Fatalf("healthz %d", rec.Code)
	}
	// An injected fault answers instead of the API.
	body := `{"path":"/v3/infogreffe/","status":502,"count":1,"body":"{\"errors\":[]}"}`
	req := withHost(httptest.NewRequest(http.MethodPost, "/__sandbox/faults", strings.NewReader(body)))
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	m.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		t.Fatalf("fault refused: %d %s", rec.Code, rec.Body)
	}
	a := get(t, m, "/v3/infogreffe/rcs/unites_legales/901003004/mandataires_sociaux"+params, apientreprise.DemoToken)
	if a.status != 502 {
		t.Errorf("status %d after the fault", a.status)
	}
}

// withHost aims a request at localhost, a name the sandbox answers to.
func withHost(r *http.Request) *http.Request {
	r.Host = "localhost"
	return r
}
