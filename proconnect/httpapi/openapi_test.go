package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/oaschema"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// TestAnswersAndEventsFollowTheOpenAPIDocuments runs the API's calls and the
// events they cause against a sandbox, and checks every answer against the
// core's openapi.yaml and every event against psp-openapi.yaml, as the core
// serves them: what it publishes is what it does.
func TestAnswersAndEventsFollowTheOpenAPIDocuments(t *testing.T) {
	_, url := sandboxtest.Start(t, sandbox.Config{})
	core := url("proconnect")
	api := load(t, core+"/api/v1/openapi.yaml")
	psp := load(t, core+"/api/v1/psp-openapi.yaml")

	// a portal whose events a test server keeps
	var mu sync.Mutex
	var events []string
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		events = append(events, string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer sink.Close()
	portal := map[string]any{"name": "Portail du test", "client_id": "portail-openapi", "client_secret": "secret-openapi",
		"scopes": []string{"proconnect"}, "redirect_uris": []string{"http://localhost:9/retour"}, "events_url": sink.URL}
	for _, base := range []string{url("piste"), core} {
		if code, body := do(t, http.MethodPost, base+"/__sandbox/portals", "", portal); code != http.StatusCreated {
			t.Fatalf("registering the portal at %s: %d %s", base, code, body)
		}
	}
	token := pisteToken(t, url("piste"), "portail-openapi", "secret-openapi")

	// check calls the API and checks the answer against the description
	check := func(method, template, path, tok string, body any, want int) []byte {
		t.Helper()
		code, raw, mediaType := call(t, method, core+"/api/v1"+path, tok, body)
		if code != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, code, want, raw)
		}
		if err := api.Answer(method, template, code, mediaType, raw); err != nil {
			t.Errorf("the answer does not follow openapi.yaml: %v\n%s", err, raw)
		}
		return raw
	}
	start := func(siren string) string {
		raw := check("POST", "/certifications", "/certifications", token, map[string]any{"siren": siren,
			"redirect_uri": "http://localhost:9/retour", "state": "etat", "purpose": "certification", "account_ref": "compte-1"}, 201)
		var c struct{ ID, AuthorizationURL string }
		_ = json.Unmarshal(raw, &struct {
			ID  *string `json:"id"`
			URL *string `json:"authorization_url"`
		}{&c.ID, &c.AuthorizationURL})
		return c.ID + " " + c.AuthorizationURL
	}
	login := func(authURL, persona string) {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if r.URL.Host == "localhost:9" {
				return http.ErrUseLastResponse // back at the portal
			}
			return nil
		}}
		for _, u := range []string{url("franceconnect") + "/__sandbox/session?login=" + persona, authURL} {
			resp, err := browser.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}

	// a certification, certified
	idURL := strings.Fields(start("901001008"))
	login(idURL[1], "angela")
	check("GET", "/certifications/{id}", "/certifications/"+idURL[0], token, nil, 200)
	check("POST", "/verifications", "/verifications", token, map[string]string{"certification_id": idURL[0]}, 200)
	// one revoked: its dirigeant leaves the register
	rev := strings.Fields(start("901009001"))
	login(rev[1], "henri-revoque")
	if code, body := do(t, http.MethodPost, url("sirene")+"/__sandbox/companies/901009001/dirigeants/1/leave", "", map[string]any{}); code >= 300 {
		t.Fatalf("leave: %d %s", code, body)
	}
	check("POST", "/verifications", "/verifications", token, map[string]string{"certification_id": rev[0]}, 200)
	// the contact email, and an access request left to expire
	check("GET", "/companies/{siren}/contact-email", "/companies/901001008/contact-email", token, nil, 200)
	raw := check("POST", "/access-requests", "/access-requests", token, map[string]any{"siren": "901001008",
		"collaborator": map[string]string{"email": "camille@exemple.test", "given_name": "Camille", "family_name": "Martin"}}, 202)
	var ar struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &ar)
	check("GET", "/access-requests/{id}", "/access-requests/"+ar.ID, token, nil, 200)
	for _, c := range []struct{ path, body string }{{"/clock", `{"advance":"169h"}`}, {"/expire", `{}`}} {
		if code, body := do(t, http.MethodPost, core+"/__sandbox"+c.path, c.body, nil); code >= 300 {
			t.Fatalf("%s: %d %s", c.path, code, body)
		}
	}
	// refusals, in the problem format
	check("POST", "/certifications", "/certifications", token, map[string]any{"siren": "901001009", "redirect_uri": "http://localhost:9/retour",
		"state": "x", "purpose": "registration"}, 400)
	check("POST", "/certifications", "/certifications", token, map[string]any{"siren": "999999998", "redirect_uri": "http://localhost:9/retour",
		"state": "x", "purpose": "registration"}, 422)
	check("POST", "/certifications", "/certifications", "", map[string]any{"siren": "901001008"}, 401)
	check("POST", "/certifications", "/certifications", token, map[string]any{"siren": "901001008", "redirect_uri": "https://ailleurs.example/retour",
		"state": "x", "purpose": "registration"}, 403)
	check("GET", "/certifications/{id}", "/certifications/inconnue", token, nil, 404)
	check("POST", "/verifications", "/verifications", token, map[string]string{"certification_id": start("901001008")[:22]}, 409)
	check("GET", "/companies/{siren}/contact-email", "/companies/901010009/contact-email", token, nil, 404)
	check("POST", "/access-requests", "/access-requests", token, map[string]any{"siren": "901010009",
		"collaborator": map[string]string{"email": "camille@exemple.test", "given_name": "Camille", "family_name": "Martin"}}, 409)
	check("GET", "/access-requests/{id}", "/access-requests/inconnue", token, nil, 404)

	// every event pushed: claims, then data by type
	want := map[string]string{"certification.completed": "CertificationCompleted", "dirigeant.revoked": "DirigeantRevoked",
		"access_request.expired": "AccessRequestDecided"}
	seen := map[string]bool{}
	deadline := time.Now().Add(5 * time.Second)
	for len(seen) < len(want) && time.Now().Before(deadline) {
		_, _ = do(t, http.MethodPost, core+"/__sandbox/deliver", "", nil)
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		got := append([]string(nil), events...)
		mu.Unlock()
		for _, jws := range got {
			parts := strings.Split(jws, ".")
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			if err := psp.Component("Claims", payload); err != nil {
				t.Errorf("an event's claims do not follow psp-openapi.yaml: %v\n%s", err, payload)
			}
			var c struct {
				Type string          `json:"event_type"`
				Data json.RawMessage `json:"data"`
			}
			_ = json.Unmarshal(payload, &c)
			if err := psp.Component(want[c.Type], c.Data); want[c.Type] != "" && err != nil {
				t.Errorf("the data of %s do not follow psp-openapi.yaml: %v\n%s", c.Type, err, c.Data)
			}
			seen[c.Type] = true
		}
	}
	for typ := range want {
		if !seen[typ] {
			t.Errorf("no %s event was pushed (seen %v)", typ, seen)
		}
	}
}

func load(t *testing.T, u string) *oaschema.Document {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	d, err := oaschema.Load(raw)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func call(t *testing.T, method, u, token string, body any) (int, []byte, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return resp.StatusCode, raw, mt
}

func do(t *testing.T, method, u, raw string, body any) (int, string) {
	t.Helper()
	if body != nil {
		b, _ := json.Marshal(body)
		raw = string(b)
	}
	req, _ := http.NewRequest(method, u, strings.NewReader(raw))
	if raw != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func pisteToken(t *testing.T, piste, id, secret string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, piste+"/api/oauth/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {"proconnect"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("PISTE token: %d %v", resp.StatusCode, err)
	}
	return out.AccessToken
}
