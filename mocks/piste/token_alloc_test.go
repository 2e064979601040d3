package piste_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/piste"
)

// TestTokenAllocations bounds what the token endpoint allocates for one
// client_credentials token, the whole handler (journal, client
// authentication, signature) without the network, the test's request and
// recorder included. With fosite's generic JWT path (a claims map, a
// go-jose signer per token, reflection, a map for the answer) it made 290;
// with the mock's own strategy and answer, about 150, of which ECDSA
// signing (crypto/ecdsa) is about 50.
func TestTokenAllocations(t *testing.T) {
	m, err := piste.New(piste.Config{PublicURL: "http://localhost:7103", Fixtures: testserver.Fixtures(t)})
	if err != nil {
		t.Fatal(err)
	}
	body := url.Values{"grant_type": {"client_credentials"}, "scope": {"proconnect"}}.Encode()
	call := func() {
		req := httptest.NewRequest(http.MethodPost, "http://localhost:7103/api/oauth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("portail-demo", "portail-demo-secret")
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	call()
	allocs := testing.AllocsPerRun(100, call)
	t.Logf("%v allocations per token", allocs)
	if allocs > 180 {
		t.Errorf("%v allocations per token, want at most 180", allocs)
	}
}
