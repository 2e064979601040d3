package control

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

func sharedFaultKit(t *testing.T, b Backend) http.Handler {
	k := NewKit("c", nil, "")
	k.Share(b)
	r := chi.NewRouter()
	r.Use(k.Middleware)
	r.Route("/__sandbox", func(r chi.Router) { k.Mount(r, nil) })
	r.Get("/x", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	return r
}

// TestFaultIDNotReusedAfterReset: a replica that did not see a reset
// (idle) must not serve its old fault for a new one added after it.
func TestFaultIDNotReusedAfterReset(t *testing.T) {
	b := newMemBackend()
	a, c := sharedFaultKit(t, b), sharedFaultKit(t, b)
	if w := do(a, http.MethodPost, "/__sandbox/faults", `{"path":"/x","status":503,"count":5}`); w.Code != 201 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if w := do(c, http.MethodGet, "/x", ""); w.Code != 503 {
		t.Fatalf("first: %d", w.Code)
	}
	if w := do(a, http.MethodPost, "/__sandbox/reset", ""); w.Code/100 != 2 {
		t.Fatalf("reset %d %s", w.Code, w.Body)
	}
	if w := do(a, http.MethodPost, "/__sandbox/faults", `{"path":"/x","status":418,"count":1}`); w.Code != 201 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	t.Logf("new fault: %s", do(a, http.MethodGet, "/__sandbox/faults", "").Body)
	if w := do(c, http.MethodGet, "/x", ""); w.Code != 418 {
		t.Errorf("replica c served %d after reset + new fault (want 418 from the new fault)", w.Code)
	}
}

// TestResetKeepsAChangeMadeWhileItSettles: a fault added through replica c
// while replica a's reset settles stays on a, which read the shared state
// during the settling and then cleared its own.
func TestResetKeepsAChangeMadeWhileItSettles(t *testing.T) {
	b := newMemBackend()
	a, c := sharedFaultKit(t, b), sharedFaultKit(t, b)
	done := make(chan int)
	go func() { done <- do(a, http.MethodPost, "/__sandbox/reset", "").Code }()
	time.Sleep(3 * time.Millisecond)
	added := make(chan int)
	go func() {
		added <- do(c, http.MethodPost, "/__sandbox/faults", `{"path":"/x","status":503,"count":5}`).Code
	}()
	time.Sleep(5 * time.Millisecond)
	do(a, http.MethodGet, "/y", "") // a request on a during the settle reloads
	if code := <-done; code != 204 {
		t.Fatalf("reset %d", code)
	}
	if code := <-added; code != 201 {
		t.Fatalf("add %d", code)
	}
	t.Logf("faults listed by c: %s", do(c, http.MethodGet, "/__sandbox/faults", "").Body)
	t.Logf("faults listed by a: %s", do(a, http.MethodGet, "/__sandbox/faults", "").Body)
	if w := do(a, http.MethodGet, "/x", ""); w.Code != 503 {
		t.Errorf("replica a served %d: the fault added (and answered) during its reset is lost on a", w.Code)
	}
	if w := do(c, http.MethodGet, "/x", ""); w.Code != 503 {
		t.Errorf("replica c served %d", w.Code)
	}
}

type flakyTake struct {
	*memBackend
	fail bool
}

func (f *flakyTake) TakeControlCounter(ctx context.Context, name string, initial int64) (bool, error) {
	if f.fail {
		f.fail = false
		return false, context.DeadlineExceeded
	}
	return f.memBackend.TakeControlCounter(ctx, name, initial)
}

// TestFailedCountTakeKeepsTheFault: the store not answering once does not
// turn a fault off on the replica.
func TestFailedCountTakeKeepsTheFault(t *testing.T) {
	b := &flakyTake{memBackend: newMemBackend()}
	a := sharedFaultKit(t, b)
	do(a, http.MethodPost, "/__sandbox/faults", `{"path":"/x","status":503,"count":3}`)
	b.fail = true
	first := do(a, http.MethodGet, "/x", "").Code
	second := do(a, http.MethodGet, "/x", "").Code
	if second != 503 {
		t.Errorf("after one failed take (first answered %d), the fault with 3 left answered %d", first, second)
	}
}
