package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/sqlite"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) proconnect.Store {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "core.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestSurvivesRestart: what is stored is there after closing and reopening.
func TestSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "core.db")
	ctx := context.Background()
	now := time.Now().UTC()
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	c := proconnect.Certification{ID: "c1", PortalID: "p", SIREN: "901001008", Status: proconnect.StatusPending, CreatedAt: now}
	_ = s.CreateCertification(ctx, c)
	c.Status, c.Outcome = proconnect.StatusCompleted, proconnect.OutcomeCertified
	c.Identity = &proconnect.Identity{FamilyName: "DUBOIS", Sub: "x"}
	if err := s.Complete(ctx, c, proconnect.Event{ID: "e1", PortalID: "p", Type: "t", CreatedAt: now, NextAttempt: now}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Certification(ctx, "c1")
	if err != nil || got.Identity == nil || got.Identity.FamilyName != "DUBOIS" {
		t.Fatalf("after restart: %+v %v", got, err)
	}
	due, _ := s.ClaimEvents(ctx, now, 0, 10)
	if len(due) != 1 {
		t.Fatalf("the outbox did not survive: %+v", due)
	}
}

// TestConcurrentWritersDoNotFail: completions racing the outbox updates of a
// pusher must wait for the lock, not fail with SQLITE_BUSY.
func TestConcurrentWritersDoNotFail(t *testing.T) {
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "core.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now()
	const n = 200
	for i := range n {
		_ = s.CreateCertification(ctx, proconnect.Certification{ID: fmt.Sprint("c", i), Status: proconnect.StatusPending, CreatedAt: now})
	}
	errs := make(chan error, 2*n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			c := proconnect.Certification{ID: fmt.Sprint("c", i), Status: proconnect.StatusCompleted, Outcome: proconnect.OutcomeCertified, CreatedAt: now}
			errs <- s.Complete(ctx, c, proconnect.Event{ID: fmt.Sprint("e", i), Type: "t", CreatedAt: now, NextAttempt: now})
		}()
		go func() {
			defer wg.Done()
			due, err := s.ClaimEvents(ctx, now, time.Minute, 10)
			for _, e := range due {
				at := time.Now()
				e.DeliveredAt = &at
				if uerr := s.UpdateEvent(ctx, e); uerr != nil {
					err = uerr
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
