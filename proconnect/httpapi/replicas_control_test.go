package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/inmem"
)

// sharingReplicas builds two cores on one store that share their control
// state (as on PostgreSQL), and one alone on a store of its own.
func sharingReplicas(t *testing.T) (a, b *Core) {
	t.Helper()
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := inmem.New()
	mk := func() *Core {
		c, err := New(Config{PublicURL: "http://core.test", FCPublicURL: "http://fc.test", FCClientID: "core", Fixtures: set, Store: store, ShareControl: true})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return mk(), mk()
}

func call(t *testing.T, c *Core, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return serve(c, r)
}

// TestControlCallsReachEveryReplica: a control call answered by one
// replica changes what the next request to the other sees: the clock, a
// portal's hold, the signing key, a fault (whose count is one for both),
// the reset; and both write one journal, under one numbering.
func TestControlCallsReachEveryReplica(t *testing.T) {
	a, b := sharingReplicas(t)
	offset := func(c *Core) string {
		var clock struct{ Offset string }
		w := call(t, c, http.MethodGet, "/__sandbox/clock", "")
		_ = json.Unmarshal(w.Body.Bytes(), &clock)
		return clock.Offset
	}
	if w := call(t, a, http.MethodPost, "/__sandbox/clock", `{"advance":"168h"}`); w.Code != http.StatusOK {
		t.Fatalf("advance on A: %d %s", w.Code, w.Body)
	}
	if got := offset(b); got != "168h0m0s" {
		t.Fatalf("B's clock after A moved it: %q", got)
	}
	if w := call(t, b, http.MethodPost, "/__sandbox/clock", `{"advance":"876000h"}`); w.Code != http.StatusBadRequest {
		t.Fatalf("an advance past the bound on B: %d", w.Code)
	}
	if got := offset(a); got != "168h0m0s" {
		t.Fatalf("A's clock after B refused an advance: %q", got)
	}

	if w := call(t, a, http.MethodPost, "/__sandbox/deliveries/hold", `{"portal":"portail-demo"}`); w.Code != http.StatusNoContent {
		t.Fatalf("hold on A: %d %s", w.Code, w.Body)
	}
	b.refreshControl(t.Context()) // what B's outbox worker does before each claim
	if _, held := b.pusher.held.Load("portail-demo"); !held {
		t.Fatal("B's outbox does not hold the portal A held")
	}

	if w := call(t, b, http.MethodPost, "/__sandbox/keys/rotate", `{}`); w.Code != http.StatusOK {
		t.Fatalf("rotate on B: %d %s", w.Code, w.Body)
	}
	var jwks struct{ Keys []struct{ Kid string } }
	if w := call(t, a, http.MethodGet, "/api/v1/jwks", ""); json.Unmarshal(w.Body.Bytes(), &jwks) != nil || len(jwks.Keys) != 2 {
		t.Fatalf("A's JWKS after B rotated: %s", w.Body)
	}
	if a.pusher.keys.activeFor("portail-demo").kid != jwks.Keys[0].Kid {
		t.Fatalf("A signs with %s, its JWKS puts %s first", a.pusher.keys.activeFor("portail-demo").kid, jwks.Keys[0].Kid)
	}

	if w := call(t, a, http.MethodPost, "/__sandbox/faults", `{"path":"/api/v1/openapi.yaml","status":503,"count":3}`); w.Code != http.StatusCreated {
		t.Fatalf("fault on A: %d %s", w.Code, w.Body)
	}
	codes := []int{call(t, b, http.MethodGet, "/api/v1/openapi.yaml", "").Code, call(t, a, http.MethodGet, "/api/v1/openapi.yaml", "").Code}
	var faults struct{ Faults []struct{ Remaining int } }
	if w := call(t, b, http.MethodGet, "/__sandbox/faults", ""); json.Unmarshal(w.Body.Bytes(), &faults) != nil ||
		len(faults.Faults) != 1 || faults.Faults[0].Remaining != 1 {
		t.Fatalf("B's faults after two calls caught: %s", w.Body)
	}
	codes = append(codes, call(t, b, http.MethodGet, "/api/v1/openapi.yaml", "").Code, call(t, a, http.MethodGet, "/api/v1/openapi.yaml", "").Code)
	if codes[0] != 503 || codes[1] != 503 || codes[2] != 503 || codes[3] != 200 {
		t.Fatalf("a fault of count 3 across two replicas: %v, want [503 503 503 200]", codes)
	}

	var journal struct {
		Entries []struct {
			Seq    uint64
			Path   string
			Status int
		}
	}
	if w := call(t, a, http.MethodGet, "/__sandbox/journal", ""); json.Unmarshal(w.Body.Bytes(), &journal) != nil {
		t.Fatalf("journal: %s", w.Body)
	}
	var served []int
	for i, e := range journal.Entries {
		if i > 0 && e.Seq <= journal.Entries[i-1].Seq {
			t.Fatalf("journal numbering: %+v", journal.Entries)
		}
		if e.Path == "/api/v1/openapi.yaml" {
			served = append(served, e.Status)
		}
	}
	if len(served) != 4 || served[0] != 503 || served[3] != 200 {
		t.Fatalf("the journal read on A shows %v of the four calls to both replicas", served)
	}
	last := journal.Entries[len(journal.Entries)-1].Seq
	call(t, b, http.MethodGet, "/api/v1/jwks", "")
	if w := call(t, a, http.MethodGet, "/__sandbox/journal?since="+itoa(last), ""); json.Unmarshal(w.Body.Bytes(), &journal) != nil ||
		len(journal.Entries) != 1 || journal.Entries[0].Path != "/api/v1/jwks" {
		t.Fatalf("A's journal since %d after a call to B: %s", last, w.Body)
	}

	if w := call(t, b, http.MethodPost, "/__sandbox/reset", `{}`); w.Code != http.StatusNoContent {
		t.Fatalf("reset on B: %d %s", w.Code, w.Body)
	}
	if got := offset(a); got != "0s" {
		t.Fatalf("A's clock after B's reset: %q", got)
	}
	a.refreshControl(t.Context())
	if _, held := a.pusher.held.Load("portail-demo"); held {
		t.Fatal("A still holds the portal after B's reset")
	}
	if w := call(t, a, http.MethodGet, "/api/v1/jwks", ""); json.Unmarshal(w.Body.Bytes(), &jwks) != nil || len(jwks.Keys) != 1 {
		t.Fatalf("A's JWKS after B's reset: %s", w.Body)
	}
}

// TestAloneKeepsControlInMemory: a core on a store of its own (memory,
// SQLite: one process) does not share its control state: the request path
// never reads the store for it.
func TestAloneKeepsControlInMemory(t *testing.T) {
	a, _ := replicas(t)
	if a.kit.Replicas != nil {
		t.Fatal("a core alone on a memory store shares its control state")
	}
	if w := call(t, a, http.MethodPost, "/__sandbox/clock", `{"advance":"1h"}`); w.Code != http.StatusOK {
		t.Fatalf("advance: %d %s", w.Code, w.Body)
	}
	if g, _ := a.store.ControlGeneration(t.Context()); g != 0 {
		t.Fatalf("a core alone wrote its clock to the store (generation %d)", g)
	}
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
