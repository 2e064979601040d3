package control

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestMiddlewareAllocations bounds what the middleware allocates for an
// exchange, around a handler that allocates nothing: it is on every
// request of every component. One context value and its notes (which
// carry the scenario tag), one request copy, one recorder, the journal
// entry: 6; it made 12, copying the request once per concern (journal,
// failure log, scenario tag).
func TestMiddlewareAllocations(t *testing.T) {
	k := NewKit("test", nil, "")
	var tagged string
	h := k.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tagged = ScenarioFrom(r.Context()) // what an outgoing call propagates
		NoteClient(r.Context(), "portail")
		w.WriteHeader(http.StatusNoContent)
	}))
	req := httptest.NewRequest(http.MethodGet, "http://localhost/api/x", nil)
	req.Header.Set(ScenarioHeader, "s1")
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, req) // warm
	allocs := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, req) })
	if allocs > 6 {
		t.Errorf("%v allocations per exchange, want at most 6", allocs)
	}
	if tagged != "s1" {
		t.Errorf("the handler's context carries scenario %q, want s1", tagged)
	}
	if got := k.Journal.Last(1, 0, "s1"); len(got) != 1 || got[0].Client != "portail" || got[0].Status != http.StatusNoContent {
		t.Errorf("journal %+v", got)
	}
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
