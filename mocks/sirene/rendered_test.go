package sirene_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/sirene"
)

// TestKeptUnitFollowsChanges: a fixture company's lookup, once kept, is
// the same answer; a run-time change (cease), its undoing and a reset are
// seen by the next lookup, on both APIs and with masquerValeursNulles.
func TestKeptUnitFollowsChanges(t *testing.T) {
	r := newRegister(t)
	const siren = "901001008" // a fixture company
	paths := []string{
		"/api-sirene/3.11/siren/" + siren,
		"/api-sirene/prive/3.11/siren/" + siren,
		"/api-sirene/3.11/siren/" + siren + "?masquerValeursNulles=true",
	}
	state := func(t *testing.T, path string) (string, []byte) {
		t.Helper()
		status, body := r.get(t, path, "")
		if status != 200 {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		s, _ := jsonPath(t, body, "uniteLegale", "periodesUniteLegale", 0, "etatAdministratifUniteLegale").(string)
		return s, body
	}
	first := map[string]string{}
	for _, p := range paths {
		s1, b1 := state(t, p)
		_, b2 := state(t, p) // the kept answer
		if s1 != "A" || string(b1) != string(b2) {
			t.Fatalf("%s: %s then %s (%q)", p, b1, b2, s1)
		}
		first[p] = string(b1)
	}
	if status, body := r.do(t, "POST", "/__sandbox/companies/"+siren+"/cease", "", `{"date":"2026-01-01"}`); status != 200 {
		t.Fatalf("cease: %d %s", status, body)
	}
	for _, p := range paths {
		for range 2 {
			if s, body := state(t, p); s != "C" {
				t.Fatalf("%s after the change: %s", p, body)
			}
		}
	}
	if status, _ := r.do(t, "DELETE", "/__sandbox/companies/"+siren, "", ""); status != 204 {
		t.Fatalf("undo: %d", status)
	}
	for _, p := range paths {
		if _, body := state(t, p); string(body) != first[p] {
			t.Fatalf("%s after the undo: %s", p, body)
		}
	}
	if status, body := r.do(t, "POST", "/__sandbox/companies/"+siren+"/cease", "", `{"date":"2026-01-01"}`); status != 200 {
		t.Fatalf("cease again: %d %s", status, body)
	}
	state(t, paths[0]) // kept from the change
	if status, _ := r.do(t, "POST", "/__sandbox/reset", "", ""); status/100 != 2 {
		t.Fatalf("reset: %d", status)
	}
	if _, body := state(t, paths[0]); string(body) != first[paths[0]] {
		t.Fatalf("after the reset: %s", body)
	}
}

// TestKeptUnitAllocations bounds what a fixture company's lookup
// allocates through the whole handler (journal, routing, key check), the
// test's recorder included: building and rendering the unit on every
// lookup made 53; the kept answer makes 24.
func TestKeptUnitAllocations(t *testing.T) {
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := sirene.New(sirene.Config{PublicURL: "http://localhost:7102", Fixtures: set})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://localhost/api-sirene/3.11/siren/901001008", nil)
	req.Header.Set(sirene.APIKeyHeader, sirene.DemoAPIKey)
	call := func() {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatal(rec.Code)
		}
	}
	call()
	allocs := testing.AllocsPerRun(100, call)
	t.Logf("%v allocations per lookup", allocs)
	if allocs > 30 {
		t.Errorf("%v allocations per lookup, want at most 30", allocs)
	}
}
