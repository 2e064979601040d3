// Package storetest is the behavioural suite every proconnect.Store must
// pass (dex's storage/conformance, for the ProConnect core).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// Run runs the suite; newStore returns an empty store (closed by the suite).
func Run(t *testing.T, newStore func(t *testing.T) proconnect.Store) {
	t.Helper()
	base := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	pending := func(id string) proconnect.Certification {
		return proconnect.Certification{ID: id, PortalID: "portail", SIREN: "901001008", RedirectURI: "http://localhost/retour",
			State: "s", Purpose: proconnect.PurposeRegistration, Status: proconnect.StatusPending, CreatedAt: base,
			ExpiresAt: base.Add(time.Hour), Flow: &proconnect.LoginState{State: id + ".x", Nonce: "n"}}
	}
	completed := func(c proconnect.Certification, o proconnect.Outcome) proconnect.Certification {
		at := base.Add(time.Minute)
		c.Status, c.Outcome, c.CompletedAt, c.Flow = proconnect.StatusCompleted, o, &at, nil
		c.Identity = &proconnect.Identity{GivenNames: []string{"Angela"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24",
			Gender: "female", Birthplace: "75107", Birthcountry: "99100", Sub: "sub"}
		return c
	}
	event := func(id, typ string, created time.Time) proconnect.Event {
		return proconnect.Event{ID: id, PortalID: "portail", Type: typ, Data: map[string]any{"siren": "901001008"},
			CreatedAt: created, NextAttempt: created}
	}
	ctx := context.Background()

	t.Run("create, read, conflict, not found", func(t *testing.T) {
		s := newStore(t)
		defer s.Close()
		c := pending("c1")
		c.AccountRef = "compte-1"
		if err := s.CreateCertification(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateCertification(ctx, c); !errors.Is(err, proconnect.ErrConflict) {
			t.Fatalf("second create: %v, want ErrConflict", err)
		}
		got, err := s.Certification(ctx, "c1")
		if err != nil || got.AccountRef != "compte-1" || got.Flow == nil || got.Flow.Nonce != "n" || !got.CreatedAt.Equal(base) {
			t.Fatalf("read back %+v, %v", got, err)
		}
		if _, err := s.Certification(ctx, "nope"); !errors.Is(err, proconnect.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
	})

	t.Run("complete once, with its event", func(t *testing.T) {
		s := newStore(t)
		defer s.Close()
		_ = s.CreateCertification(ctx, pending("c1"))
		done := completed(pending("c1"), proconnect.OutcomeCertified)
		if err := s.Complete(ctx, done, event("e1", proconnect.EventCertificationCompleted, base)); err != nil {
			t.Fatal(err)
		}
		if err := s.Complete(ctx, done, event("e2", proconnect.EventCertificationCompleted, base)); !errors.Is(err, proconnect.ErrAlreadyComplete) {
			t.Fatalf("second completion: %v", err)
		}
		due, _ := s.DueEvents(ctx, base, 10)
		if len(due) != 1 || due[0].ID != "e1" || due[0].Data["siren"] != "901001008" {
			t.Fatalf("outbox %+v: the second completion must not queue an event", due)
		}
		got, _ := s.Certification(ctx, "c1")
		if got.Identity == nil || got.Identity.FamilyName != "DUBOIS" || got.Outcome != proconnect.OutcomeCertified {
			t.Fatalf("completed %+v", got)
		}
		if err := s.Complete(ctx, completed(pending("zz"), proconnect.OutcomeCertified), event("e3", "x", base)); !errors.Is(err, proconnect.ErrNotFound) {
			t.Fatalf("completing a missing certification: %v", err)
		}
	})

	t.Run("concurrent completions: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		defer s.Close()
		_ = s.CreateCertification(ctx, pending("c1"))
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Complete(ctx, completed(pending("c1"), proconnect.OutcomeCertified), event(fmt.Sprintf("e%d", i), "t", base))
				if err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		due, _ := s.DueEvents(ctx, base, 100)
		if wins != 1 || len(due) != 1 {
			t.Fatalf("%d completions won, %d events queued; want 1 and 1", wins, len(due))
		}
	})

	t.Run("certified list and revocation", func(t *testing.T) {
		s := newStore(t)
		defer s.Close()
		for i, o := range []proconnect.Outcome{proconnect.OutcomeCertified, proconnect.OutcomeCloseMatch, proconnect.OutcomeNotDirigeant} {
			id := fmt.Sprintf("c%d", i)
			_ = s.CreateCertification(ctx, pending(id))
			_ = s.Complete(ctx, completed(pending(id), o), event("e"+id, "t", base))
		}
		_ = s.CreateCertification(ctx, pending("still-pending"))
		list, _ := s.Certified(ctx)
		if len(list) != 2 {
			t.Fatalf("certified: %d, want 2", len(list))
		}
		c, _ := s.Certification(ctx, "c0")
		at := base.Add(time.Hour)
		c.RevokedAt = &at
		if err := s.Revoke(ctx, c, event("r0", proconnect.EventDirigeantRevoked, at)); err != nil {
			t.Fatal(err)
		}
		if err := s.Revoke(ctx, c, event("r1", proconnect.EventDirigeantRevoked, at)); !errors.Is(err, proconnect.ErrConflict) {
			t.Fatalf("second revocation: %v", err)
		}
		list, _ = s.Certified(ctx)
		if len(list) != 1 || list[0].ID != "c1" {
			t.Fatalf("after revocation: %+v", list)
		}
	})

	t.Run("outbox: due, retries, delivery, log", func(t *testing.T) {
		s := newStore(t)
		defer s.Close()
		for i := range 3 {
			id := fmt.Sprintf("c%d", i)
			_ = s.CreateCertification(ctx, pending(id))
			_ = s.Complete(ctx, completed(pending(id), proconnect.OutcomeCertified), event(fmt.Sprintf("e%d", i), "t", base.Add(time.Duration(i)*time.Second)))
		}
		due, _ := s.DueEvents(ctx, base.Add(time.Minute), 2)
		if len(due) != 2 || due[0].ID != "e0" || due[1].ID != "e1" {
			t.Fatalf("due %+v, want e0 e1 (oldest first, limited)", due)
		}
		e := due[0]
		e.Attempts, e.NextAttempt, e.LastStatus, e.LastError = 1, base.Add(time.Hour), 503, "portal down"
		if err := s.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		due, _ = s.DueEvents(ctx, base.Add(time.Minute), 10)
		if len(due) != 2 || due[0].ID != "e1" {
			t.Fatalf("an event retried later is not due: %+v", due)
		}
		due, _ = s.DueEvents(ctx, base.Add(2*time.Hour), 10)
		if len(due) != 3 {
			t.Fatalf("all due later: %d", len(due))
		}
		at := base.Add(2 * time.Hour)
		e.DeliveredAt, e.LastStatus, e.LastError = &at, 200, ""
		_ = s.UpdateEvent(ctx, e)
		due, _ = s.DueEvents(ctx, base.Add(3*time.Hour), 10)
		if len(due) != 2 {
			t.Fatalf("a delivered event stays due: %+v", due)
		}
		log, _ := s.Events(ctx, 10)
		if len(log) != 3 || log[0].ID != "e2" || log[2].Attempts != 1 || log[2].DeliveredAt == nil {
			t.Fatalf("log %+v", log)
		}
		if err := s.UpdateEvent(ctx, proconnect.Event{ID: "nope"}); !errors.Is(err, proconnect.ErrNotFound) {
			t.Fatalf("updating a missing event: %v", err)
		}
	})
}
