package portal

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// fakeCore answers the calls the portal's pages make: PISTE's token, a
// certification whose ID is its outcome, and refusals in the core's problem
// format for the SIREN 123456789 and the email "bad".
func fakeCore(t *testing.T) *httptest.Server {
	t.Helper()
	problem := func(w http.ResponseWriter, field, detail string) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"type": "https://proconnect.example.test/problems/invalid-field",
			"title": "Invalid request", "detail": detail, "field": field})
	}
	internal := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(map[string]string{"title": "Internal error", "detail": "The core failed; its log says why."})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/oauth/token", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "t", "expires_in": 3600})
	})
	mux.HandleFunc("POST /api/v1/certifications", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		_ = json.NewDecoder(r.Body).Decode(&in)
		if in["siren"] == "500000000" {
			internal(w)
			return
		}
		if in["siren"] == "999999998" {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			_ = json.NewEncoder(w).Encode(map[string]string{"type": "https://proconnect.example.test/problems/company-not-found",
				"title": "Entreprise introuvable", "detail": "Le répertoire SIRENE ne connaît aucune entreprise sous le numéro SIREN 999999998.",
				"siren": "999999998"})
			return
		}
		if in["siren"] == "123456789" {
			problem(w, "siren", "siren: is not a valid SIREN (9 digits and a valid Luhn key)")
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": "certified", "authorization_url": "http://core.test/login"})
	})
	mux.HandleFunc("GET /api/v1/certifications/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "fail" {
			internal(w)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"siren": "901001008", "outcome": r.PathValue("id")})
	})
	mux.HandleFunc("POST /api/v1/access-requests", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Collaborator struct{ Email string } `json:"collaborator"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		if in.Collaborator.Email == "bad" {
			problem(w, "collaborator.email", "collaborator.email: is not a valid email address")
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": "acc-1"})
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func newTestPortal(t *testing.T) *Portal {
	t.Helper()
	core := fakeCore(t)
	p, err := New(Config{PublicURL: "http://localhost:7104", ProConnectURL: core.URL, ProConnectIssuer: core.URL,
		PisteURL: core.URL, ClientID: "portail-demo", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t *testing.T, p *Portal, method, target string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	req.Host = "localhost"
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	return rec
}

// codeLines are the small lines for developers, the only place a raw code
// may appear.
var codeLines = regexp.MustCompile(`<small class="code">.*?</small>|<p class="detail">.*?</p>`)

// TestResultPageSaysOutcomeInFrench: each outcome is said in French, with
// its own alert kind (success only for certified); the raw codes appear
// only in the developers' line; the outcomes ProConnect cannot decide lead
// to the portal's alternative path, which exists.
func TestResultPageSaysOutcomeInFrench(t *testing.T) {
	tests := []struct {
		outcome, text, kind, state, stateText string
		alternative                           bool
	}{
		{"certified", "Dirigeant certifié", "success", "certified", "Certifié", false},
		{"close_match", "sans correspondance exacte", "warning", "not_certified", "Non certifié", false},
		{"not_dirigeant", "Non listé parmi les dirigeants", "error", "not_certified", "Non certifié", false},
		{"company_not_found", "Entreprise introuvable", "error", "not_certified", "Non certifié", false},
		{"organisation_not_covered", "Organisation sans registre des dirigeants", "info", "not_certified", "Non certifié", true},
		{"unsupported_identity", "Identité européenne ou étrangère", "info", "alternative_offered", "Parcours alternatif proposé", true},
		{"cancelled", "Connexion abandonnée", "warning", "not_certified", "Non certifié", false},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			p := newTestPortal(t)
			rec := get(t, p, http.MethodGet, "/retour?state=s1&certification_id="+tt.outcome, nil, &http.Cookie{Name: stateCookie, Value: "s1"})
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("%d: %s", rec.Code, body)
			}
			if !strings.Contains(body, `id="message" class="fr-alert fr-alert--`+tt.kind+` `) {
				t.Errorf("want alert kind %s: %s", tt.kind, body)
			}
			if !strings.Contains(body, tt.text) || !strings.Contains(body, tt.stateText) {
				t.Errorf("want %q and %q: %s", tt.text, tt.stateText, body)
			}
			if !strings.Contains(body, `<code id="outcome">`+tt.outcome+`</code>`) || !strings.Contains(body, `<code id="account-state">`+tt.state+`</code>`) {
				t.Errorf("the codes are missing from the developers' line: %s", body)
			}
			if people := codeLines.ReplaceAllString(body, ""); strings.Contains(people, ">"+tt.outcome) || strings.Contains(people, ">"+tt.state) {
				t.Errorf("a raw code shown to people: %s", people)
			}
			link := `href="/parcours-alternatif?certification_id=` + tt.outcome
			if strings.Contains(body, link) != tt.alternative {
				t.Errorf("alternative link %v, want %v: %s", !tt.alternative, tt.alternative, body)
			}
			if tt.alternative {
				alt := get(t, p, http.MethodGet, "/parcours-alternatif?certification_id="+tt.outcome+"&siren=901001008", nil)
				if alt.Code != http.StatusOK || !strings.Contains(alt.Body.String(), `id="alternative-form"`) {
					t.Errorf("alternative page: %d %s", alt.Code, alt.Body.String())
				}
			}
		})
	}
}

// TestHomeLinksToAlternativePage: the home page's « Déposez un extrait de
// registre » reaches the alternative-path page, not an anchor; the only
// anchors left (the skip links) point at an element of the page.
func TestHomeLinksToAlternativePage(t *testing.T) {
	p := newTestPortal(t)
	body := get(t, p, http.MethodGet, "/", nil).Body.String()
	if !strings.Contains(body, `<a class="fr-link" href="/parcours-alternatif">Déposez un extrait de registre</a>`) {
		t.Fatalf("home: %s", body)
	}
	for _, m := range regexp.MustCompile(`href="#([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if m[1] == "" || !strings.Contains(body, `id="`+m[1]+`"`) {
			t.Errorf("home links to #%s, which is not on the page", m[1])
		}
	}
}

// TestRefusalsWordedInFrench: the core's 400 problems are said in French;
// its English detail only in the developers' line.
func TestRefusalsWordedInFrench(t *testing.T) {
	p := newTestPortal(t)
	tests := []struct {
		name, method, target string
		form                 url.Values
		want                 string
	}{
		{"start", http.MethodGet, "/demarrer?siren=123456789", nil, "sa clé de contrôle est fausse"},
		{"collaborator", http.MethodPost, "/collaborateur", url.Values{"siren": {"901001008"}, "email": {"bad"},
			"given_name": {"Camille"}, "family_name": {"Martin"}}, "pas une adresse valide"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, p, tt.method, tt.target, tt.form)
			body := rec.Body.String()
			people := codeLines.ReplaceAllString(body, "")
			switch {
			case rec.Code != http.StatusBadRequest:
				t.Fatalf("%d: %s", rec.Code, body)
			case !strings.Contains(people, tt.want):
				t.Errorf("want %q: %s", tt.want, body)
			case strings.Contains(people, "is not a valid"):
				t.Errorf("English shown to people: %s", people)
			case !strings.Contains(body, "Détail pour les développeurs : "):
				t.Errorf("no developers' line: %s", body)
			}
		})
	}
}

// TestCollaboratorPageHidesContactEmail: the dirigeant's contact email,
// known to the portal from an event, is never shown to the collaborator
// (anyone can type a SIREN); the page says the dirigeant is asked by email.
func TestCollaboratorPageHidesContactEmail(t *testing.T) {
	p := newTestPortal(t)
	p.contacts.Store("901001008", "dirigeant-secret@exemple.test")
	rec := get(t, p, http.MethodPost, "/collaborateur", url.Values{"siren": {"901001008"}, "email": {"camille@exemple.test"},
		"given_name": {"Camille"}, "family_name": {"Martin"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("%d: %s", rec.Code, rec.Body.String())
	}
	body := get(t, p, http.MethodGet, rec.Header().Get("Location"), nil).Body.String()
	people := codeLines.ReplaceAllString(body, "")
	switch {
	case strings.Contains(body, "dirigeant-secret"):
		t.Errorf("contact email shown: %s", body)
	case !strings.Contains(body, "sollicité par courriel"):
		t.Errorf("the page does not say the dirigeant is asked by email: %s", body)
	case !strings.Contains(people, "En attente de la réponse du dirigeant") || strings.Contains(people, ">pending"):
		t.Errorf("state not said in French: %s", body)
	case !strings.Contains(body, `<code id="access-state">pending</code>`):
		t.Errorf("no code for developers: %s", body)
	}
}

// TestCoreFailuresWordedInFrench: when the core fails, people read French;
// its English detail is only in the developers' line.
func TestCoreFailuresWordedInFrench(t *testing.T) {
	p := newTestPortal(t)
	for _, target := range []string{"/demarrer?siren=500000000", "/retour?state=s1&certification_id=fail"} {
		rec := get(t, p, http.MethodGet, target, nil, &http.Cookie{Name: stateCookie, Value: "s1"})
		body := rec.Body.String()
		people := codeLines.ReplaceAllString(body, "")
		switch {
		case rec.Code != http.StatusBadGateway:
			t.Errorf("%s: %d %s", target, rec.Code, body)
		case !strings.Contains(people, "Réessayez"):
			t.Errorf("%s: no French advice: %s", target, body)
		case strings.Contains(people, "The core failed"):
			t.Errorf("%s: English shown to people: %s", target, people)
		case !strings.Contains(body, "Détail pour les développeurs : HTTP 500 : The core failed"):
			t.Errorf("%s: no developers' line: %s", target, body)
		}
	}
}
