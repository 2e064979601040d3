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
	call := func() { askToken(t, m) }
	call()
	allocs := testing.AllocsPerRun(100, call)
	t.Logf("%v allocations per token", allocs)
	if allocs > 180 {
		t.Errorf("%v allocations per token, want at most 180", allocs)
	}
}

// tokenForm is the body of the demo portal's client_credentials request.
var tokenForm = url.Values{"grant_type": {"client_credentials"}, "scope": {"proconnect"}}.Encode()

// askToken asks m for a token as the demo portal, in process, and fails
// tb unless it answers 200.
func askToken(tb testing.TB, m http.Handler) {
	req := httptest.NewRequest(http.MethodPost, "http://localhost:7103/api/oauth/token", strings.NewReader(tokenForm))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("portail-demo", "portail-demo-secret")
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
