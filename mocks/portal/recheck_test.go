package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
)

// TestRecheckRevocationIsFinal: when the portal's own re-check finds the
// person no longer dirigeant, the account is revoked, and the completion
// event of that certification, arriving afterwards (its delivery can trail
// the return page, which already certified the account), does not certify
// it again: a revocation is final whatever the order (PSP-EVT-9).
func TestRecheckRevocationIsFinal(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/oauth/token", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "t", "expires_in": 3600})
	})
	mux.HandleFunc("POST /api/v1/verifications", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"still_dirigeant": false, "outcome": "not_dirigeant"})
	})
	core := httptest.NewServer(mux)
	t.Cleanup(core.Close)
	p, err := New(Config{PublicURL: "http://localhost:7104", ProConnectURL: core.URL, PisteURL: core.URL, ClientID: "portail-demo", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	a := p.accountFor("cert-1", "901001008", "")
	a.state, a.outcome = StateCertified, "certified" // the return page read the certification first

	if _, out, status, _, err := p.reverify(context.Background(), "cert-1"); err != nil || status != http.StatusOK || out.StillDirigeant {
		t.Fatalf("re-check: %v, %d, %+v", err, status, out)
	}
	if a.state != StateRevoked {
		t.Fatalf("after a negative re-check the account is %q", a.state)
	}
	completed := &eventClaims{Claims: pspevent.Claims{EventType: pspevent.CertificationCompleted},
		Data: eventData{Certification: pspevent.Certification{CertificationID: "cert-1", SIREN: "901001008", Outcome: "certified"}}}
	p.apply(completed)
	if a.state != StateRevoked {
		t.Fatalf("the late completion event certified the account again: %q", a.state)
	}
}
