package sirene

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
)

// TestSyntheticUnitsNotKept: reading synthetic SIRENs, even one changed at
// run time, keeps no answer (what is kept stays bounded by the fixtures),
// where a fixture company's lookup is kept.
func TestSyntheticUnitsNotKept(t *testing.T) {
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{PublicURL: "http://localhost:7102", Fixtures: set})
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, body string) int {
		req := httptest.NewRequest(method, "http://localhost"+path, strings.NewReader(body))
		req.Header.Set(APIKeyHeader, DemoAPIKey)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		return rec.Code
	}
	const changed = "732829320"
	if code := do(http.MethodPost, "/__sandbox/companies/"+changed+"/cease", `{"date":"2026-01-01"}`); code != 200 {
		t.Fatalf("cease: %d", code)
	}
	for i := range 50 {
		prefix := fmt.Sprintf("%08d", 20_000_000+i)
		siren := prefix + string(insee.LuhnKey(prefix))
		if !set.IsSynthetic(siren) {
			continue
		}
		if code := do(http.MethodGet, "/api-sirene/3.11/siren/"+siren, ""); code != 200 {
			t.Fatalf("%s: %d", siren, code)
		}
	}
	if code := do(http.MethodGet, "/api-sirene/3.11/siren/"+changed, ""); code != 200 {
		t.Fatalf("changed: %d", code)
	}
	kept := func() (n int) { m.rendered.Range(func(_, _ any) bool { n++; return true }); return n }
	if n := kept(); n != 0 {
		t.Fatalf("%d synthetic answers kept", n)
	}
	if code := do(http.MethodGet, "/api-sirene/3.11/siren/901001008", ""); code != 200 {
		t.Fatalf("fixture: %d", code)
	}
	if n := kept(); n != 1 {
		t.Fatalf("%d answers kept after a fixture lookup, want 1", n)
	}
}
