package problem_test

import (
	"encoding/json"
	"net/http/httptest"
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
