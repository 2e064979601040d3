package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// TestUnknownCompanyRefusedBeforeFranceConnect: a SIREN that INSEE does not
// know is refused at the certification request (422 company-not-found, in
// French, with the SIREN) and FranceConnect sees nothing; when INSEE could
// not say at the request, the login link ends the certification with
// company_not_found and sends the browser back to the portal, still without
// FranceConnect. A company INSEE knows goes to FranceConnect as before.
func TestUnknownCompanyRefusedBeforeFranceConnect(t *testing.T) {
	_, u := sandboxtest.Start(t, sandbox.Config{})
	core, fc := u("proconnect"), u("franceconnect")
	portal := map[string]any{"name": "Portail du test", "client_id": "portail-inconnu", "client_secret": "secret-inconnu",
		"scopes": []string{"proconnect"}, "redirect_uris": []string{"http://localhost:9/retour"}}
	for _, base := range []string{u("piste"), core} {
		if code, body := do(t, http.MethodPost, base+"/__sandbox/portals", "", portal); code != http.StatusCreated {
			t.Fatalf("registering the portal at %s: %d %s", base, code, body)
		}
	}
	token := pisteToken(t, u("piste"), "portail-inconnu", "secret-inconnu")
	request := func(siren string) (int, map[string]any) {
		code, raw, _ := call(t, http.MethodPost, core+"/api/v1/certifications", token, map[string]any{"siren": siren,
			"redirect_uri": "http://localhost:9/retour", "state": "etat", "purpose": "registration"})
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return code, out
	}
	fcExchanges := func() int {
		_, body := do(t, http.MethodGet, fc+"/__sandbox/journal", "", nil)
		var j struct{ Entries []any }
		_ = json.Unmarshal([]byte(body), &j)
		return len(j.Entries)
	}

	code, pb := request("999999998")
	if code != http.StatusUnprocessableEntity || pb["type"] != "https://proconnect-sandbox.example/problems/company-not-found" ||
		pb["title"] != "Entreprise introuvable" || pb["siren"] != "999999998" || !strings.Contains(pb["detail"].(string), "FranceConnect") {
		t.Fatalf("unknown SIREN: %d %v", code, pb)
	}
	if n := fcExchanges(); n != 0 {
		t.Errorf("FranceConnect saw %d exchanges for an unknown SIREN, want none", n)
	}

	// INSEE fails once: the request cannot know, the login link can
	fault := `{"path":"/api-sirene/prive/3.11/siren/999999998","status":503,"count":1,"body":"{}"}`
	if code, body := do(t, http.MethodPost, u("sirene")+"/__sandbox/faults", fault, nil); code >= 300 {
		t.Fatalf("fault: %d %s", code, body)
	}
	code, created := request("999999998")
	if code != http.StatusCreated {
		t.Fatalf("INSEE unavailable at the request: %d %v, want the certification created", code, created)
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(created["authorization_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || back.Host != "localhost:9" || back.Query().Get("certification_id") != created["id"] {
		t.Fatalf("login link: %d to %q, want back to the portal", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, raw, _ := call(t, http.MethodGet, core+"/api/v1/certifications/"+created["id"].(string), token, nil)
	var cert struct{ Status, Outcome string }
	if json.Unmarshal(raw, &cert) != nil || cert.Outcome != "company_not_found" {
		t.Errorf("certification %s, want completed company_not_found", raw)
	}
	if n := fcExchanges(); n != 0 {
		t.Errorf("FranceConnect saw %d exchanges, want none", n)
	}

	// a known company still goes to FranceConnect
	if code, created = request("901001008"); code != http.StatusCreated {
		t.Fatalf("known SIREN: %d %v", code, created)
	}
	resp, err = browser.Get(created["authorization_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, fc) {
		t.Errorf("known SIREN: login link to %q, want FranceConnect %s", loc, fc)
	}
}

// TestContactPageRefusesUnknownCompany: the dirigeant's contact page says
// an unknown company before FranceConnect, and lets a known one log in.
func TestContactPageRefusesUnknownCompany(t *testing.T) {
	_, u := sandboxtest.Start(t, sandbox.Config{})
	core, fc := u("proconnect"), u("franceconnect")
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(siren string) (*http.Response, string) {
		resp, err := browser.PostForm(core+"/contact/connexion", url.Values{"siren": {siren}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp, b.String()
	}
	resp, page := post("999999998")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(page, "Entreprise introuvable") || resp.Header.Get("Location") != "" {
		t.Errorf("unknown SIREN: %d to %q\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	if resp, _ = post("901001008"); !strings.HasPrefix(resp.Header.Get("Location"), fc) {
		t.Errorf("known SIREN: %d to %q, want FranceConnect", resp.StatusCode, resp.Header.Get("Location"))
	}
}
