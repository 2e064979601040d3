package control

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDetailsMaskSecrets: with Details on, an exchange's headers and bodies
// are kept with every secret masked — credentials of any scheme, API keys,
// cookies, tokens in forms, JSON and JWTs, codes, states — and personal data
// too; what is not secret stays readable.
func TestDetailsMaskSecrets(t *testing.T) {
	k := NewKit("piste", nil, "")
	k.Details = true
	idToken := jwt(`{"alg":"ES256","kid":"k1"}`, `{"sub":"abc123","given_name":"Angela","nonce":"n-0S6","aud":"proconnect"}`)
	h := k.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "cookie-secret-value", Path: "/", HttpOnly: true})
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"tok-secret-value","id_token":"`+idToken+`","token_type":"Bearer","nested":{"refresh_token":"refresh-secret"},"email":"angela@exemple.test","expires_in":60}`)
	}))
	req := httptest.NewRequest(http.MethodPost, "http://localhost/api/oauth/token?code=code-secret&state=state-secret&scope=openid",
		strings.NewReader("grant_type=authorization_code&code=code-secret-body&client_secret=the-client-secret&client_id=portail-demo"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic cG9ydGFpbDpzZWNyZXQ=")
	req.Header.Set("Cookie", "portail_state=cookie-state-secret; other=x-secret")
	req.Header.Set("X-INSEE-Api-Key-Integration", "api-key-secret")
	h.ServeHTTP(httptest.NewRecorder(), req)
	got := k.Journal.Last(1, 0, "")
	if len(got) != 1 || got[0].Request == nil || got[0].Response == nil {
		t.Fatalf("journal %+v", got)
	}
	e := got[0]
	all := e.Query + e.Location
	for _, m := range []*Message{e.Request, e.Response} {
		for _, h := range m.Headers {
			all += "\n" + h.Name + ": " + h.Value
		}
		all += "\n" + m.Body
	}
	for _, secret := range []string{"code-secret", "state-secret", "cG9ydGFpbDpzZWNyZXQ", "cookie-state-secret", "x-secret",
		"api-key-secret", "the-client-secret", "code-secret-body", "tok-secret-value", "refresh-secret", "cookie-secret-value",
		"angela@exemple.test", idToken[:20]} {
		if strings.Contains(all, secret) {
			t.Errorf("the journal shows %q:\n%s", secret, all)
		}
	}
	for _, shown := range []string{"Authorization: Basic [redacted]", "Cookie: portail_state=[redacted]; other=[redacted]",
		"grant_type=authorization_code", "client_id=portail-demo", `"token_type": "Bearer"`, `"expires_in": 60`,
		"Set-Cookie: sid=[redacted]; Path=/; HttpOnly", "X-Insee-Api-Key-Integration: [redacted]", "scope=openid"} {
		if !strings.Contains(all, shown) {
			t.Errorf("the journal does not show %q:\n%s", shown, all)
		}
	}
	if e.Link == "" || e.Link != stateLink("state=state-secret") {
		t.Errorf("link %q, want the state's fingerprint", e.Link)
	}
}

func jwt(header, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(claims)) + "." + enc([]byte("signature-bytes-of-some-length"))
}

// TestMaskBodyJWT: an event (a JWS body) shows its header and claims, the
// personal data and the signature masked.
func TestMaskBodyJWT(t *testing.T) {
	body := jwt(`{"alg":"ES256","typ":"secevent+jwt","kid":"k1"}`,
		`{"event_type":"certification.completed","data":{"certification_id":"c1","dirigeant":{"given_name":"Angela","family_name":"Dupont","email":"a@exemple.test"}}}`)
	got := MaskBody("application/secevent+jwt", []byte(body), len(body))
	for _, w := range []string{`"event_type": "certification.completed"`, `"certification_id": "c1"`, `"kid": "k1"`, "signature : [redacted]"} {
		if !strings.Contains(got, w) {
			t.Errorf("masked JWS does not show %q:\n%s", w, got)
		}
	}
	for _, secret := range []string{"Angela", "Dupont", "a@exemple.test", "c2lnbmF0dXJl"} {
		if strings.Contains(got, secret) {
			t.Errorf("masked JWS shows %q:\n%s", secret, got)
		}
	}
	if got := MaskBody("text/html; charset=utf-8", []byte("<html>"), 1234); got != "[page HTML, 1234 octets]" {
		t.Errorf("HTML body: %q", got)
	}
}

// TestFlowTagsPropagate: a component serving a request tagged with a flow
// (or told the flow by its handler) tags its own calls with it and with its
// name, and the callee's journal records both.
func TestFlowTagsPropagate(t *testing.T) {
	callee := NewKit("franceconnect", nil, "")
	srv := httptest.NewServer(callee.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })))
	defer srv.Close()
	caller := NewKit("proconnect", nil, "")
	client := &http.Client{Transport: PropagateFrom("proconnect", nil)}
	h := caller.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		NoteFlow(r.Context(), "cert-42")
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, srv.URL+"/api/v2/token", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		w.WriteHeader(http.StatusSeeOther)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "http://localhost/oidc/callback?state=s1", nil))
	in := callee.Journal.Last(0, 0, "")
	if len(in) != 1 || in[0].Flow != "cert-42" || in[0].From != "proconnect" {
		t.Fatalf("callee's journal %+v, want flow cert-42 from proconnect", in)
	}
	out := caller.Journal.Last(0, 0, "")
	if len(out) != 1 || out[0].Flow != "cert-42" || out[0].From != "" || out[0].Link != stateLink("state=s1") {
		t.Fatalf("caller's journal %+v", out)
	}
	if out[0].Request != nil {
		t.Error("a kit without Details keeps headers and bodies")
	}
}

// TestDetailsAllocations bounds what recording details costs an exchange
// without a body (a browser's GET): the request's and the answer's header
// lines and their two messages.
func TestDetailsAllocations(t *testing.T) {
	k := NewKit("test", nil, "")
	k.Details = true
	h := k.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	req := httptest.NewRequest(http.MethodGet, "http://localhost/api/x", nil)
	req.Header.Set("Accept", "text/html")
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, req)
	if allocs := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, req) }); allocs > 10 {
		t.Errorf("%v allocations per exchange with details, want at most 10", allocs)
	}
}

// TestMaskBodyRegisterPersons: the registers' answers keep the company
// (SIREN, name, activity) and lose the persons (names, first names, birth
// date and place, sex), in INSEE's, the RNE's and API Entreprise's keys.
func TestMaskBodyRegisterPersons(t *testing.T) {
	body := `{"siren":"901001008","denominationUniteLegale":"ACME","nomUniteLegale":"Martin","prenomUsuelUniteLegale":"Jeanne",
		"sexeUniteLegale":"F","nomenclatureActivitePrincipaleUniteLegale":"NAFRev2",
		"dirigeants":[{"nom":"Dupont","prenoms":["Angela","Marie"],"nom_usage":"Durand","dateDeNaissance":"1962-08","lieu_naissance":"Paris","qualite":"Président"}]}`
	got := MaskBody("application/json", []byte(body), len(body))
	for _, secret := range []string{"Martin", "Jeanne", `"F"`, "Dupont", "Angela", "Durand", "1962-08", "Paris"} {
		if strings.Contains(got, secret) {
			t.Errorf("masked register answer shows %s:\n%s", secret, got)
		}
	}
	for _, kept := range []string{`"siren": "901001008"`, `"denominationUniteLegale": "ACME"`, `"qualite": "Président"`, `"nomenclatureActivitePrincipaleUniteLegale": "NAFRev2"`} {
		if !strings.Contains(got, kept) {
			t.Errorf("masked register answer lost %s:\n%s", kept, got)
		}
	}
}

// TestDetailsMaskFormSessions: a form's CSRF token (the core's dirigeant
// pages use their session's ID) is masked in the body as the cookie is in
// the headers.
func TestDetailsMaskFormSessions(t *testing.T) {
	k := NewKit("proconnect", nil, "")
	k.Details = true
	h := k.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.ReadAll(r.Body) }))
	req := httptest.NewRequest(http.MethodPost, "http://localhost/contact/courriel",
		strings.NewReader("csrf=session-id-secret&email=contact%40exemple.test&session_state=opaque-secret"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "pc_dirigeant=session-id-secret")
	h.ServeHTTP(httptest.NewRecorder(), req)
	got := k.Journal.Last(1, 0, "")
	if len(got) != 1 || got[0].Request == nil {
		t.Fatalf("journal %+v", got)
	}
	body := got[0].Request.Body
	for _, secret := range []string{"session-id-secret", "opaque-secret", "contact"} {
		if strings.Contains(body, secret) {
			t.Errorf("the journal keeps %q: %s", secret, body)
		}
	}
}

// TestJournalRedactsWhenRead: the query and the Location are kept as the
// exchange left them and redacted when the journal is read; what a reader
// sees is the same: no secret, the state's fingerprint as the link (taken
// from the Location when the request carried no state).
func TestJournalRedactsWhenRead(t *testing.T) {
	k := NewKit("franceconnect", nil, "")
	h := k.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://localhost:8080/callback?code=code-secret&state=state-secret&iss=http%3A%2F%2Flocalhost", http.StatusSeeOther)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "http://localhost/interaction/u1/login?login=angela&lang=fr", nil))
	got := k.Journal.Last(0, 0, "")
	if len(got) != 1 {
		t.Fatalf("journal %+v", got)
	}
	e := got[0]
	if e.Query != "lang=fr&login=%5Bredacted%5D" {
		t.Errorf("query %q", e.Query)
	}
	if want := "http://localhost:8080/callback?code=%5Bredacted%5D&iss=http%3A%2F%2Flocalhost&state=%5Bredacted%5D"; e.Location != want {
		t.Errorf("location %q, want %q", e.Location, want)
	}
	if e.Link != stateLink("state=state-secret") {
		t.Errorf("link %q, want the fingerprint of the Location's state", e.Link)
	}
	if e.unredacted != (unredacted{}) {
		t.Error("the entry read still carries the raw query and Location")
	}
}
