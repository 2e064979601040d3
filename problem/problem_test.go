package problem_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	problem.Write(rec, 400, "invalid-field", "Invalid request", "siren: <is> required", map[string]any{"field": "siren"})
	if rec.Code != 400 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"type": problem.Base + "invalid-field", "title": "Invalid request", "status": 400.0,
		"detail": "siren: <is> required", "field": "siren"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

// TestJSONErrorNamesNoGoType: a client learns where its JSON went wrong in
// JSON's words, never a Go type.
func TestJSONErrorNamesNoGoType(t *testing.T) {
	var target struct {
		SIREN string `json:"siren"`
		N     int    `json:"n"`
	}
	for body, want := range map[string]string{
		`[]`:            "the body: an array where an object was expected",
		`{"siren":12}`:  "field siren: a number where a string was expected",
		`{"n":"x"}`:     "field n: a string where a number was expected",
		`{"siren":`:     "the body ends before its JSON value does",
		`{"siren" "x"}`: "not JSON at byte 10",
		``:              "the body is empty",
	} {
		err := json.NewDecoder(strings.NewReader(body)).Decode(&target)
		got := problem.JSONError(err)
		if !strings.Contains(got, want) || strings.Contains(got, "struct") || strings.Contains(got, "Go ") {
			t.Errorf("%q: %q, want %q", body, got, want)
		}
	}
}
