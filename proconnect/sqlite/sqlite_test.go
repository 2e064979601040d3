package sqlite_test

import (
	"context"
	"path/filepath"
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
	due, _ := s.DueEvents(ctx, now, 10)
	if len(due) != 1 {
		t.Fatalf("the outbox did not survive: %+v", due)
	}
}
