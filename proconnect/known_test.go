package proconnect_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/inmem"
)

// fakeDirectory answers Known with its function.
type fakeDirectory struct {
	known func(siren string) (bool, error)
	calls atomic.Int32
}

func (d *fakeDirectory) Known(_ context.Context, siren string) (bool, error) {
	d.calls.Add(1)
	return d.known(siren)
}

func newKnownService(dir *fakeDirectory) (*proconnect.Service, proconnect.Store) {
	store := inmem.New()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var n atomic.Int64
	return &proconnect.Service{Store: store, Register: &fakeRegister{}, Directory: dir, Now: func() time.Time { return now },
		TTL: time.Hour, NewID: func() string { return "id" + strconv.FormatInt(n.Add(1), 10) }}, store
}

var startUnknown = proconnect.StartRequest{SIREN: "999999998", RedirectURI: "https://portail.example/retour", State: "s",
	Purpose: proconnect.PurposeRegistration}

// TestStartRefusesUnknownCompany: a SIREN SIRENE does not know creates no
// certification; a SIRENE that cannot say lets it be created (the login
// decides later), and so does a known company.
func TestStartRefusesUnknownCompany(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		known   func(string) (bool, error)
		refused bool
	}{
		{"unknown", func(string) (bool, error) { return false, nil }, true},
		{"known", func(string) (bool, error) { return true, nil }, false},
		{"SIRENE unreachable", func(string) (bool, error) { return false, proconnect.ErrUnavailable }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := &fakeDirectory{known: tc.known}
			svc, store := newKnownService(dir)
			c, err := svc.Start(ctx, "portail", startUnknown)
			var nf *proconnect.CompanyNotFoundError
			switch {
			case tc.refused && (!errors.Is(err, proconnect.ErrCompanyNotFound) || !errors.As(err, &nf) || nf.SIREN != "999999998"):
				t.Fatalf("Start: %v, want a CompanyNotFoundError for 999999998", err)
			case !tc.refused && err != nil:
				t.Fatalf("Start: %v", err)
			}
			if dir.calls.Load() != 1 {
				t.Errorf("SIRENE asked %d times, want once", dir.calls.Load())
			}
			_, gerr := store.Certification(ctx, c.ID)
			if created := c.ID != "" && gerr == nil; created == tc.refused {
				t.Errorf("certification created: %v, want %v", created, !tc.refused)
			}
		})
	}
}

// TestRefuseUnknownBeforeLogin: a certification created while SIRENE could
// not say ends with company_not_found, and its event is queued, when SIRENE
// says before the login that it has no such company; a known one goes on.
func TestRefuseUnknownBeforeLogin(t *testing.T) {
	ctx := context.Background()
	var reachable atomic.Bool
	dir := &fakeDirectory{known: func(string) (bool, error) {
		if !reachable.Load() {
			return false, proconnect.ErrUnavailable
		}
		return false, nil
	}}
	svc, store := newKnownService(dir)
	c, err := svc.Start(ctx, "portail", startUnknown)
	if err != nil {
		t.Fatal(err)
	}
	if _, ended, err := svc.RefuseUnknown(ctx, c); ended || err != nil {
		t.Fatalf("SIRENE still unreachable: ended %v, %v; want the login to go on", ended, err)
	}
	reachable.Store(true)
	done, ended, err := svc.RefuseUnknown(ctx, c)
	if !ended || err != nil || done.Outcome != proconnect.OutcomeCompanyNotFound || done.Status != proconnect.StatusCompleted {
		t.Fatalf("ended %v, %v, %+v; want company_not_found", ended, err, done)
	}
	events, err := store.Events(ctx, 10)
	if err != nil || len(events) != 1 || events[0].Type != proconnect.EventCertificationCompleted || events[0].Data["outcome"] != "company_not_found" {
		t.Errorf("events %+v, %v; want one certification.completed with company_not_found", events, err)
	}
}

// TestRefuseUnknownAsksSIRENEOnce: once SIRENE confirmed the company at the
// creation, the login link does not ask it again (one read per flow on the
// way to FranceConnect, not two).
func TestRefuseUnknownAsksSIRENEOnce(t *testing.T) {
	ctx := context.Background()
	dir := &fakeDirectory{known: func(string) (bool, error) { return true, nil }}
	svc, _ := newKnownService(dir)
	c, err := svc.Start(ctx, "portail", startUnknown)
	if err != nil {
		t.Fatal(err)
	}
	if _, ended, err := svc.RefuseUnknown(ctx, c); ended || err != nil {
		t.Fatalf("a known company: ended %v, %v; want the login to go on", ended, err)
	}
	if n := dir.calls.Load(); n != 1 {
		t.Errorf("SIRENE asked %d times, want once (at the creation)", n)
	}
}
