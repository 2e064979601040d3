package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// TestProblemsSayTitleAndDetailInFrench: the API's problems are read by
// people (a portal team, a log): their title and detail are French, their
// type and field unchanged, and no sentinel's English is left at the end
// of a detail.
func TestProblemsSayTitleAndDetailInFrench(t *testing.T) {
	_, u := sandboxtest.Start(t, sandbox.Config{})
	core := u("proconnect")
	portal := map[string]any{"name": "Portail du test", "client_id": "portail-mots", "client_secret": "secret-mots",
		"scopes": []string{"proconnect"}, "redirect_uris": []string{"http://localhost:9/retour"}}
	for _, base := range []string{u("piste"), core} {
		if code, body := do(t, http.MethodPost, base+"/__sandbox/portals", "", portal); code != http.StatusCreated {
			t.Fatalf("registering the portal at %s: %d %s", base, code, body)
		}
	}
	token := pisteToken(t, u("piste"), "portail-mots", "secret-mots")
	start := map[string]any{"siren": "901001008", "redirect_uri": "http://localhost:9/retour", "state": "x", "purpose": "registration"}
	_, raw, _ := call(t, http.MethodPost, core+"/api/v1/certifications", token, start)
	var pending struct{ ID string }
	_ = json.Unmarshal(raw, &pending)

	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
		typ, title, detail        string
	}{
		{"no token", "POST", "/certifications", "", start, 401, "invalid-token", "Jeton d'accès invalide", "jeton d'accès PISTE est absent"},
		{"bad SIREN", "POST", "/certifications", token, map[string]any{"siren": "901001009", "redirect_uri": "http://localhost:9/retour",
			"state": "x", "purpose": "registration"}, 400, "invalid-field", "Requête invalide", "siren : n'est pas un SIREN valide"},
		{"bad purpose", "POST", "/certifications", token, map[string]any{"siren": "901001008", "redirect_uri": "http://localhost:9/retour",
			"state": "x", "purpose": "autre"}, 400, "invalid-field", "Requête invalide", `purpose : vaut "registration" ou "certification"`},
		{"unknown field", "POST", "/certifications", token, map[string]any{"sirene": "901001008"}, 400, "invalid-body", "Corps invalide", "objet JSON"},
		{"other redirect_uri", "POST", "/certifications", token, map[string]any{"siren": "901001008", "redirect_uri": "https://ailleurs.example/retour",
			"state": "x", "purpose": "registration"}, 403, "redirect-uri-not-registered", "redirect_uri non enregistrée", "n'est pas enregistrée pour le portail"},
		{"unknown certification", "GET", "/certifications/inconnue", token, nil, 404, "not-found", "Introuvable", "aucune certification inconnue pour ce portail"},
		{"nothing to re-check", "POST", "/verifications", token, map[string]string{"certification_id": pending.ID}, 409, "not-certified",
			"Rien à revérifier", "il n'y a pas d'identité à revérifier"},
		{"no contact email", "POST", "/access-requests", token, map[string]any{"siren": "901010009",
			"collaborator": map[string]string{"email": "camille@exemple.test", "given_name": "Camille", "family_name": "Martin"}}, 409,
			"no-contact-email", "Pas de courriel de contact", "n'a pas de courriel de contact vérifié"},
		{"no route", "GET", "/nulle-part", token, nil, 404, "not-found", "Introuvable", "Aucun point d'accès"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, raw, _ := call(t, tc.method, core+"/api/v1"+tc.path, tc.token, tc.body)
			var pb struct{ Type, Title, Detail string }
			_ = json.Unmarshal(raw, &pb)
			if code != tc.status || !strings.HasSuffix(pb.Type, "/"+tc.typ) || pb.Title != tc.title || !strings.Contains(pb.Detail, tc.detail) {
				t.Fatalf("%d %s, want %d %s « %s » with « %s »", code, raw, tc.status, tc.typ, tc.title, tc.detail)
			}
			for _, english := range []string{"not found", "conflict", "nothing to re-check", "no contact email referenced", " is ", " the "} {
				if strings.Contains(pb.Detail, english) {
					t.Errorf("English left in the detail: %q", pb.Detail)
				}
			}
		})
	}
}
