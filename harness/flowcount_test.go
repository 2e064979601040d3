package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
)

// reIDSegment is a path segment that names a SIREN or an ID.
var reIDSegment = regexp.MustCompile(`/([0-9]{9}|[A-Za-z0-9_-]{16,})(/|$)`)

// TestCertificationExchanges: a certification, once the keys and tokens
// every flow shares are fetched, is 17 HTTP exchanges — the browser's 8
// and 9 between components, each named below — and no more: a second
// JWKS fetch, a repeated register read or an extra outbox call shows here
// (issue 14). The two INSEE reads are the contract's (at the request and
// after the login), the RNE login before each RNE read is ProConnect's.
func TestCertificationExchanges(t *testing.T) {
	_, url := testStack(t, sandbox.Config{})
	portal, core := url("portal"), url("proconnect")
	components := []string{"proconnect", "franceconnect", "sirene", "piste", "portal", "mailbox", "apientreprise"}
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	type entry struct {
		Seq    uint64 `json:"seq"`
		Method string `json:"method"`
		Path   string `json:"path"`
		From   string `json:"from"`
	}
	// seen lists every component's exchanges after since (per component)
	seen := func(since map[string]uint64) (map[string]uint64, []string) {
		t.Helper()
		last := map[string]uint64{}
		var out []string
		for _, c := range components {
			resp, err := http.Get(url(c) + "/__sandbox/journal?limit=1000")
			if err != nil {
				t.Fatal(err)
			}
			var j struct{ Entries []entry }
			err = json.NewDecoder(resp.Body).Decode(&j)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("%s journal: %v", c, err)
			}
			for _, e := range j.Entries {
				last[c] = max(last[c], e.Seq)
				if e.Seq > since[c] {
					path := reIDSegment.ReplaceAllString(e.Path, "/…$2") // a SIREN or an ID
					from := e.From
					if from == "" {
						from = "browser"
					}
					out = append(out, fmt.Sprintf("%s → %s %s %s", from, c, e.Method, path))
				}
			}
		}
		slices.Sort(out)
		return last, out
	}
	settled := func() {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			resp, err := http.Get(core + "/__sandbox/deliveries")
			if err != nil {
				t.Fatal(err)
			}
			var out struct {
				Deliveries []struct {
					DeliveredAt *time.Time `json:"delivered_at"`
				} `json:"deliveries"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if len(out.Deliveries) > 0 && !slices.ContainsFunc(out.Deliveries, func(d struct {
				DeliveredAt *time.Time `json:"delivered_at"`
			}) bool {
				return d.DeliveredAt == nil
			}) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the events were not delivered")
			}
		}
	}
	certify := func() {
		t.Helper()
		if _, err := certifyThrough(newDriver(transport, "exchanges", portal, url("franceconnect"), core), portal, "901001008", "angela"); err != nil {
			t.Fatal(err)
		}
		settled()
	}
	certify() // keys, PISTE and INSEE tokens, connections
	since, _ := seen(nil)
	certify()
	_, got := seen(since)
	want := []string{
		"browser → franceconnect GET /api/v2/authorize",
		"browser → franceconnect GET /api/v2/interaction/…",
		"browser → franceconnect POST /api/v2/interaction/…/login",
		"browser → portal GET /",
		"browser → portal GET /demarrer",
		"browser → portal GET /retour",
		"browser → proconnect GET /certifications/…/login",
		"browser → proconnect GET /oidc/callback",
		"portal → proconnect GET /api/v1/certifications/…",
		"portal → proconnect POST /api/v1/certifications",
		"proconnect → franceconnect GET /api/v2/userinfo",
		"proconnect → franceconnect POST /api/v2/token",
		"proconnect → portal POST /api/psp/events",
		"proconnect → sirene GET /api-sirene/prive/3.11/siren/…",
		"proconnect → sirene GET /api-sirene/prive/3.11/siren/…",
		"proconnect → sirene GET /api/companies/…",
		"proconnect → sirene POST /api/sso/login",
	}
	if !slices.Equal(got, want) {
		t.Errorf("a certification made %d exchanges:\n  %s\nwant %d:\n  %s", len(got), strings.Join(got, "\n  "), len(want), strings.Join(want, "\n  "))
	}
}
