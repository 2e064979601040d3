package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDecodeTakesOneJSONValue: a body is one JSON object; what follows it
// (another value, a word) is refused, white space is not.
func TestDecodeTakesOneJSONValue(t *testing.T) {
	for body, want := range map[string]int{
		`{"siren":"1"}{}`:       http.StatusBadRequest,
		`{"siren":"1"} x`:       http.StatusBadRequest,
		`{"siren":"1"}}`:        http.StatusBadRequest,
		`{"siren":"1"} []`:      http.StatusBadRequest,
		`{"siren":"1"}` + "\n":  http.StatusOK,
		`{"siren":"1"} ` + "\t": http.StatusOK,
		`{"siren":"1"}`:         http.StatusOK,
	} {
		req := httptest.NewRequest(http.MethodPost, "http://localhost/api/v1/certifications", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		var v struct {
			SIREN string `json:"siren"`
		}
		if !decode(rec, req, &v) {
			if want == http.StatusOK {
				t.Errorf("%q refused: %d %s", body, rec.Code, rec.Body)
			} else if rec.Code != want || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("%q: %d %s, want a %d problem", body, rec.Code, rec.Header().Get("Content-Type"), want)
			}
			continue
		}
		if want != http.StatusOK {
			t.Errorf("%q accepted, want %d", body, want)
		}
		if v.SIREN != "1" {
			t.Errorf("%q: siren %q", body, v.SIREN)
		}
	}
}
