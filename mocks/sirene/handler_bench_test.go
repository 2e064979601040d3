package sirene_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/sirene"
)

// BenchmarkHandler measures the register's own work for one lookup (routing,
// journal, key check, generation, rendering), without the network.
func BenchmarkHandler(b *testing.B) {
	set, _ := fixtures.Default()
	m, err := sirene.New(sirene.Config{PublicURL: "http://localhost:7102", Fixtures: set})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://localhost/api-sirene/3.11/siren/732829320", nil)
	req.Header.Set(sirene.APIKeyHeader, sirene.DemoAPIKey)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code)
		}
	}
}
