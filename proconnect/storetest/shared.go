package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// testRuntimePortals: a run-time registration reads back, is replaced by a
// second one, and a reset forgets them all.
func testRuntimePortals(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	if _, err := s.Portal(ctx, "p1"); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("unknown portal: %v, want ErrNotFound", err)
	}
	if err := s.PutPortal(ctx, "p1", []byte(`{"client_id":"p1","v":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPortal(ctx, "p2", []byte(`{"client_id":"p2"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPortal(ctx, "p1", []byte(`{"client_id":"p1","v":2}`)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Portal(ctx, "p1"); err != nil || string(got) != `{"client_id":"p1","v":2}` {
		t.Fatalf("p1 after its second registration: %s %v", got, err)
	}
	if err := s.ResetPortals(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"p1", "p2"} {
		if _, err := s.Portal(ctx, id); !errors.Is(err, proconnect.ErrNotFound) {
			t.Fatalf("%s after a reset: %v", id, err)
		}
	}
}

// testWebSessions: a browser's flow or session reads back whole, its ID is
// unique, a take returns it once, and the purge removes only expired ones.
func testWebSessions(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	a := proconnect.WebSession{ID: "a", Data: []byte(`{"kind":"contact"}`), ExpiresAt: base.Add(15 * time.Minute)}
	b := proconnect.WebSession{ID: "b", Data: []byte("b"), ExpiresAt: base.Add(time.Hour)}
	for _, ws := range []proconnect.WebSession{a, b} {
		if err := s.PutWebSession(ctx, ws); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutWebSession(ctx, a); !errors.Is(err, proconnect.ErrConflict) {
		t.Fatalf("same ID twice: %v, want ErrConflict", err)
	}
	got, err := s.WebSession(ctx, "a")
	if err != nil || string(got.Data) != string(a.Data) || !got.ExpiresAt.Equal(a.ExpiresAt) || got.ID != "a" {
		t.Fatalf("read back %+v %v", got, err)
	}
	if _, err := s.WebSession(ctx, "nope"); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if got, err := s.TakeWebSession(ctx, "a"); err != nil || string(got.Data) != string(a.Data) {
		t.Fatalf("take %+v %v", got, err)
	}
	if _, err := s.TakeWebSession(ctx, "a"); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("second take: %v, want ErrNotFound", err)
	}
	if err := s.DeleteWebSession(ctx, "a"); err != nil {
		t.Fatalf("deleting a missing one: %v", err)
	}
	_ = s.PutWebSession(ctx, a)
	if n, err := s.PurgeWebSessions(ctx, base.Add(30*time.Minute)); err != nil || n != 1 {
		t.Fatalf("purge at +30 min removed %d (%v), want 1", n, err)
	}
	if _, err := s.WebSession(ctx, "a"); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("an expired session outlived the purge: %v", err)
	}
	if _, err := s.WebSession(ctx, "b"); err != nil {
		t.Fatalf("a live session was purged: %v", err)
	}
	if err := s.DeleteWebSession(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WebSession(ctx, "b"); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// testConcurrentTakes: callers racing to take one login flow (a replayed
// callback on two replicas): exactly one gets it.
func testConcurrentTakes(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	const flows = 20
	for i := range flows {
		if err := s.PutWebSession(ctx, proconnect.WebSession{ID: fmt.Sprint("f", i), Data: []byte("x"), ExpiresAt: base}); err != nil {
			t.Fatal(err)
		}
	}
	var taken atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for i := range flows {
				_, err := s.TakeWebSession(ctx, fmt.Sprint("f", i))
				switch {
				case err == nil:
					taken.Add(1)
				case !errors.Is(err, proconnect.ErrNotFound):
					t.Errorf("take: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if n := taken.Load(); n != flows {
		t.Fatalf("%d takes succeeded for %d flows", n, flows)
	}
}

// testLeases: a lease goes to one caller at a time, is free again once its
// until has come, and callers racing for a free one: exactly one gets it.
func testLeases(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	got, err := s.TryLease(ctx, "recheck", base, base.Add(time.Minute))
	if err != nil || !got {
		t.Fatalf("a free lease: %v %v", got, err)
	}
	if got, _ := s.TryLease(ctx, "recheck", base.Add(30*time.Second), base.Add(90*time.Second)); got {
		t.Fatal("a held lease was given again")
	}
	if got, _ := s.TryLease(ctx, "expiry", base.Add(30*time.Second), base.Add(90*time.Second)); !got {
		t.Fatal("leases of different names are not independent")
	}
	if got, _ := s.TryLease(ctx, "recheck", base.Add(time.Minute), base.Add(2*time.Minute)); !got {
		t.Fatal("a lease whose until has come is not free again")
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ok, err := s.TryLease(ctx, "recheck", base.Add(3*time.Minute), base.Add(4*time.Minute))
			if err != nil {
				t.Errorf("lease: %v", err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d racing callers got the lease, want 1", n)
	}
}
