package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBodyRefusalsSaidInFrench: what is wrong with a body is said in
// French and in JSON's terms, never Go's types nor encoding/json's words.
func TestBodyRefusalsSaidInFrench(t *testing.T) {
	for body, want := range map[string]string{
		`{"siren": 1}`:        "le champ siren : un nombre au lieu d'une chaîne",
		`[1]`:                 "le corps : un tableau au lieu d'un objet",
		`{"sirene": "1"}`:     `champ inconnu "sirene"`,
		`{"siren": "1",}`:     "ce n'est pas du JSON à l'octet",
		`{"siren": "1"`:       "le corps s'arrête avant la fin de sa valeur JSON",
		``:                    "le corps est vide",
		`{"siren": {"a": 1}}`: "le champ siren : un objet au lieu d'une chaîne",
	} {
		req := httptest.NewRequest(http.MethodPost, "http://localhost/api/v1/certifications", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		var v struct {
			SIREN string `json:"siren"`
		}
		if decode(rec, req, &v) {
			t.Errorf("%q accepted", body)
			continue
		}
		var pb struct{ Title, Detail string }
		_ = json.Unmarshal(rec.Body.Bytes(), &pb)
		if rec.Code != http.StatusBadRequest || pb.Title != "Corps invalide" || !strings.Contains(pb.Detail, want) {
			t.Errorf("%q: %d « %s » « %s », want « %s »", body, rec.Code, pb.Title, pb.Detail, want)
		}
		for _, english := range []string{"expected", "where", "unexpected", "string", "json:"} {
			if strings.Contains(pb.Detail, english) {
				t.Errorf("%q: English left in « %s »", body, pb.Detail)
			}
		}
	}
}
