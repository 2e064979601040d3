package apientreprise_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/apientreprise"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/sirene"
)

// registerPair serves the register mock on a real port (with a control
// token) and an API Entreprise mock that reads it, as two containers do.
func registerPair(t *testing.T) (*httptest.Server, *apientreprise.Mock) {
	t.Helper()
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	const token = "jeton-de-controle"
	reg, err := sirene.New(sirene.Config{Fixtures: set, Kit: control.NewKit("sirene", nil, token)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	m, err := apientreprise.New(apientreprise.Config{Fixtures: set, RegisterURL: srv.URL, ControlToken: token})
	if err != nil {
		t.Fatal(err)
	}
	return srv, m
}

// registerChange posts a change to the register mock's control API.
func registerChange(t *testing.T, srv *httptest.Server, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/__sandbox"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer jeton-de-controle")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register change %s: %d", path, resp.StatusCode)
	}
}

// TestSeesRegisterChanges: a dirigeant who leaves at the register, or a
// company that ceases there, is seen by API Entreprise at once, which is
// what ProConnect reads when the RNE fails (a stale copy here kept a
// departed dirigeant certified).
func TestSeesRegisterChanges(t *testing.T) {
	srv, m := registerPair(t)
	const siren = "123456782" // synthetic: two dirigeants or one
	mandataires := func() int {
		a := get(t, m, "/v3/infogreffe/rcs/unites_legales/"+siren+"/mandataires_sociaux"+params, apientreprise.DemoToken)
		if a.status != http.StatusOK {
			t.Fatalf("mandataires: %d %v", a.status, a.body)
		}
		return len(a.body["data"].([]any))
	}
	before := mandataires()
	registerChange(t, srv, "/companies/"+siren+"/dirigeants/1/leave", `{}`)
	if after := mandataires(); after != before-1 {
		t.Errorf("after a dirigeant left at the register: %d mandataires, want %d", after, before-1)
	}
	registerChange(t, srv, "/companies/"+siren+"/cease", `{"date":"2026-01-01"}`)
	a := get(t, m, "/v3/insee/sirene/unites_legales/"+siren+params, apientreprise.DemoToken)
	if d, _ := a.body["data"].(map[string]any); d["etat_administratif"] != "C" {
		t.Errorf("after the company ceased at the register: %v", a.body)
	}
	// a SIREN the register does not know is API Entreprise's 404
	if a := get(t, m, "/v3/insee/sirene/unites_legales/999999998"+params, apientreprise.DemoToken); a.status != http.StatusNotFound {
		t.Errorf("unknown SIREN: %d %v", a.status, a.body)
	}
}

// TestRegisterDownIsProviderError: when the register cannot be read, API
// Entreprise says its provider failed, never answers from the fixtures.
func TestRegisterDownIsProviderError(t *testing.T) {
	srv, m := registerPair(t)
	srv.Close()
	a := get(t, m, "/v3/infogreffe/rcs/unites_legales/901001008/mandataires_sociaux"+params, apientreprise.DemoToken)
	if a.status != http.StatusBadGateway || firstError(t, a)["title"] != "Erreur de fournisseur" {
		t.Errorf("%d %v", a.status, a.body)
	}
}
