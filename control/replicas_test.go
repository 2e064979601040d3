package control

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

// memBackend is a Backend in memory, for replicas in one test.
type memBackend struct {
	mu       sync.Mutex
	gen      int64
	parts    map[string][]byte
	counters map[string]int64
	journal  map[string][]Record
	last     map[string]uint64
	genReads atomic.Int64
}

func newMemBackend() *memBackend {
	return &memBackend{parts: map[string][]byte{}, counters: map[string]int64{}, journal: map[string][]Record{}, last: map[string]uint64{}}
}

func (m *memBackend) ControlGeneration(context.Context) (int64, error) {
	m.genReads.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gen, nil
}

func (m *memBackend) ControlParts(context.Context) (int64, map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gen, maps.Clone(m.parts), nil
}

func (m *memBackend) UpdateControlPart(_ context.Context, name string, update func([]byte) ([]byte, error)) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	next, err := update(slices.Clone(m.parts[name]))
	if err != nil {
		return m.gen, err
	}
	m.parts[name] = next
	m.gen++
	return m.gen, nil
}

func (m *memBackend) ResetControl(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.parts)
	clear(m.counters)
	m.gen++
	return m.gen, nil
}

func (m *memBackend) TakeControlCounter(_ context.Context, name string, initial int64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	left, ok := m.counters[name]
	if !ok {
		left = initial
	}
	if left <= 0 {
		return false, nil
	}
	m.counters[name] = left - 1
	return true, nil
}

func (m *memBackend) ControlCounters(context.Context) (map[string]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.counters), nil
}

func (m *memBackend) AppendControlJournal(_ context.Context, stream string, data []byte, _ int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last[stream]++
	m.journal[stream] = append(m.journal[stream], Record{Seq: m.last[stream], Data: data})
	return nil
}

func (m *memBackend) ReadControlJournal(_ context.Context, stream string, since uint64, _ int) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for _, r := range m.journal[stream] {
		if r.Seq > since {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memBackend) ClearControlJournal(_ context.Context, stream string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.journal[stream] = nil
	return nil
}

// sharedKit is a component's kit shared on b, serving the common control
// routes and GET /x, which answers the kit's clock offset.
func sharedKit(t *testing.T, b Backend, poll bool) http.Handler {
	t.Helper()
	k := NewKit("c", nil, "")
	rep := k.Share(b)
	if poll {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { rep.Poll(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	r := chi.NewRouter()
	r.Use(k.Middleware)
	r.Route("/__sandbox", func(r chi.Router) { k.Mount(r, nil) })
	r.Get("/x", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(k.Clock.Offset().String())) })
	return r
}

func do(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Host = "localhost"
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestReplicasReadTheirWrites: with both replicas' pollers running (so that
// a request may skip its own read of the generation), every request to one
// replica after a clock change answered by the other sees the change.
func TestReplicasReadTheirWrites(t *testing.T) {
	b := newMemBackend()
	a, c := sharedKit(t, b, true), sharedKit(t, b, true)
	var total time.Duration
	for i := range 20 {
		writer, reader := a, c
		if i%2 == 1 {
			writer, reader = c, a
		}
		do(reader, http.MethodGet, "/x", "") // keeps its poller awake
		if w := do(writer, http.MethodPost, "/__sandbox/clock", `{"advance":"1m"}`); w.Code != http.StatusOK {
			t.Fatalf("advance %d: %d %s", i, w.Code, w.Body)
		}
		total += time.Minute
		if got := do(reader, http.MethodGet, "/x", "").Body.String(); got != total.String() {
			t.Fatalf("after advance %d on the other replica, this one's clock is %s ahead, want %s", i+1, got, total)
		}
	}
}

// TestRefreshSparesAFreshRead: a request right after a completed read of the
// generation does not read it again; after a change, the next one does.
func TestRefreshSparesAFreshRead(t *testing.T) {
	b := newMemBackend()
	k := NewKit("c", nil, "")
	rep := k.Share(b)
	ctx := context.Background()
	if err := rep.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	n := b.genReads.Load()
	if err := rep.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if b.genReads.Load() != n {
		t.Fatalf("a request right after a read read the generation again (%d reads, want %d)", b.genReads.Load(), n)
	}
	if err := rep.Change(ctx, "clock", func() error { return k.Clock.Advance(time.Hour) }); err != nil {
		t.Fatal(err)
	}
	if err := rep.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if b.genReads.Load() != n+1 {
		t.Fatalf("the request after a change: %d reads of the generation, want %d", b.genReads.Load(), n+1)
	}
}

// TestSharedJournalOneNumbering: two replicas' exchanges are one journal,
// read from either, with one numbering that since-cursors follow.
func TestSharedJournalOneNumbering(t *testing.T) {
	b := newMemBackend()
	a, c := sharedKit(t, b, false), sharedKit(t, b, false)
	do(a, http.MethodGet, "/x", "")
	do(c, http.MethodGet, "/x?n=2", "")
	var j struct{ Entries []Entry }
	if err := json.Unmarshal(do(c, http.MethodGet, "/__sandbox/journal", "").Body.Bytes(), &j); err != nil || len(j.Entries) != 2 ||
		j.Entries[0].Seq != 1 || j.Entries[1].Query != "n=2" {
		t.Fatalf("journal read on the second replica: %+v %v", j.Entries, err)
	}
	do(a, http.MethodGet, "/x?n=3", "")
	if err := json.Unmarshal(do(c, http.MethodGet, "/__sandbox/journal?since=2", "").Body.Bytes(), &j); err != nil || len(j.Entries) != 1 ||
		j.Entries[0].Seq != 3 {
		t.Fatalf("since=2: %+v %v", j.Entries, err)
	}
	if w := do(a, http.MethodPost, "/__sandbox/reset", ""); w.Code != http.StatusNoContent {
		t.Fatalf("reset: %d", w.Code)
	}
	if err := json.Unmarshal(do(c, http.MethodGet, "/__sandbox/journal", "").Body.Bytes(), &j); err != nil || len(j.Entries) != 0 {
		t.Fatalf("after a reset on the other replica: %+v %v", j.Entries, err)
	}
}
