// Package storetest is the behavioural suite every proconnect.Store must
// pass, as a table of named tests (dex's storage/conformance, for the
// ProConnect core): every backend runs the same list, and a new behaviour is
// one more entry.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// NewStore returns an empty store for one test (the test closes it).
type NewStore func(t *testing.T) proconnect.Store

// Tests is the suite: each store behaviour, by name.
var Tests = []struct {
	Name string
	Run  func(t *testing.T, newStore NewStore)
}{
	{"create, read, conflict, not found", testCreateReadConflictNotFound},
	{"complete once, with its event", testCompleteOnceWithItsEvent},
	{"concurrent completions: exactly one wins", testConcurrentCompletionsOneWins},
	{"certified list and revocation", testCertifiedListAndRevocation},
	{"outbox: due, retries, delivery, log", testOutboxDueRetriesDeliveryLog},
	{"mail outbox", testMailOutbox},
	{"outbox claims: each item once until its attempt reports or its lease ends", testOutboxClaims},
	{"outbox claims: concurrent claimers never share an item", testConcurrentClaims},
	{"outbox: abandoned items leave the queue; purge takes only old, done items", testOutboxAbandonAndPurge},
	{"contact verification: single use, expiry", testContactVerificationSingleUseExpiry},
	{"access requests: dedupe, decide once, expiry", testAccessRequestsDedupeDecideOnceExpiry},
	{"portals concerned by a SIREN; standalone events", testPortalsForSIRENAndStandaloneEvents},
	{"run-time portal registrations: replace, reset", testRuntimePortals},
	{"web sessions: unique, read, taken once, purged when expired", testWebSessions},
	{"web sessions: concurrent takes, one winner", testConcurrentTakes},
	{"leases: one holder until it ends", testLeases},
	{"control state: parts, generation, reset", testControlParts},
	{"control state: concurrent updates of a part, none lost", testConcurrentControlUpdates},
	{"control state: counters taken once each", testControlCounters},
	{"control journal: numbered at read, cursors, clear, kept newest", testControlJournal},
	{"control journal: a cursor never skips an entry of concurrent writers", testControlJournalCursor},
}

// Run runs every test of the suite against the stores newStore makes.
func Run(t *testing.T, newStore func(t *testing.T) proconnect.Store) {
	t.Helper()
	RunSkipping(t, newStore, nil)
}

// RunSkipping runs the suite but the tests named in skip, each reported as
// skipped with the reason given (a backend that cannot pass one says why,
// in the test output). A name that is not in the suite fails the run.
func RunSkipping(t *testing.T, newStore func(t *testing.T) proconnect.Store, skip map[string]string) {
	t.Helper()
	if err := checkSkips(skip); err != nil {
		t.Error(err)
	}
	for _, tc := range Tests {
		t.Run(tc.Name, func(t *testing.T) {
			if why, ok := skip[tc.Name]; ok {
				t.Skip("this backend skips it: " + why)
			}
			tc.Run(t, newStore)
		})
	}
}

// checkSkips refuses a skip without a reason, or naming no test of the
// suite (a renamed test would otherwise run nowhere unnoticed).
func checkSkips(skip map[string]string) error {
	known := map[string]bool{}
	for _, tc := range Tests {
		known[tc.Name] = true
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(skip)) {
		switch {
		case !known[name]:
			errs = append(errs, fmt.Errorf("skip names %q, which is not in the suite", name))
		case strings.TrimSpace(skip[name]) == "":
			errs = append(errs, fmt.Errorf("skip of %q gives no reason", name))
		}
	}
	return errors.Join(errs...)
}

// base is the suite's clock.
var base = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

var ctx = context.Background()

// dueEvents lists the events due at at without holding them (a zero lease
// leaves them due).
func dueEvents(s proconnect.Store, at time.Time, limit int) []proconnect.Event {
	out, _ := s.ClaimEvents(ctx, at, 0, limit)
	return out
}

// dueMails lists the mails due at at without holding them.
func dueMails(s proconnect.Store, at time.Time, limit int) []proconnect.Mail {
	out, _ := s.ClaimMails(ctx, at, 0, limit)
	return out
}

func pending(id string) proconnect.Certification {
	return proconnect.Certification{ID: id, PortalID: "portail", SIREN: "901001008", RedirectURI: "http://localhost/retour",
		State: "s", Purpose: proconnect.PurposeRegistration, Status: proconnect.StatusPending, CreatedAt: base,
		ExpiresAt: base.Add(time.Hour), Flow: &proconnect.LoginState{State: id + ".x", Nonce: "n"}}
}

func completed(c proconnect.Certification, o proconnect.Outcome) proconnect.Certification {
	at := base.Add(time.Minute)
	c.Status, c.Outcome, c.CompletedAt, c.Flow = proconnect.StatusCompleted, o, &at, nil
	c.Identity = &proconnect.Identity{GivenNames: []string{"Angela"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24",
		Gender: "female", Birthplace: "75107", Birthcountry: "99100", Sub: "sub"}
	return c
}

func event(id, typ string, created time.Time) proconnect.Event {
	return proconnect.Event{ID: id, PortalID: "portail", Type: typ, Data: map[string]any{"siren": "901001008"},
		CreatedAt: created, NextAttempt: created}
}

// testCreateReadConflictNotFound: create, read, conflict, not found.
func testCreateReadConflictNotFound(t *testing.T, newStore NewStore) {
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
}

// testCompleteOnceWithItsEvent: complete once, with its event.
func testCompleteOnceWithItsEvent(t *testing.T, newStore NewStore) {
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
	due := dueEvents(s, base, 10)
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
}

// testConcurrentCompletionsOneWins: concurrent completions: exactly one wins.
func testConcurrentCompletionsOneWins(t *testing.T, newStore NewStore) {
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
	due := dueEvents(s, base, 100)
	if wins != 1 || len(due) != 1 {
		t.Fatalf("%d completions won, %d events queued; want 1 and 1", wins, len(due))
	}
}

// testCertifiedListAndRevocation: certified list and revocation.
func testCertifiedListAndRevocation(t *testing.T, newStore NewStore) {
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
}

// testOutboxDueRetriesDeliveryLog: outbox: due, retries, delivery, log.
func testOutboxDueRetriesDeliveryLog(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	for i := range 3 {
		id := fmt.Sprintf("c%d", i)
		_ = s.CreateCertification(ctx, pending(id))
		_ = s.Complete(ctx, completed(pending(id), proconnect.OutcomeCertified), event(fmt.Sprintf("e%d", i), "t", base.Add(time.Duration(i)*time.Second)))
	}
	due := dueEvents(s, base.Add(time.Minute), 2)
	if len(due) != 2 || due[0].ID != "e0" || due[1].ID != "e1" {
		t.Fatalf("due %+v, want e0 e1 (oldest first, limited)", due)
	}
	e := due[0]
	e.Attempts, e.NextAttempt, e.LastStatus, e.LastError = 1, base.Add(time.Hour), 503, "portal down"
	if err := s.UpdateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	due = dueEvents(s, base.Add(time.Minute), 10)
	if len(due) != 2 || due[0].ID != "e1" {
		t.Fatalf("an event retried later is not due: %+v", due)
	}
	due = dueEvents(s, base.Add(2*time.Hour), 10)
	if len(due) != 3 {
		t.Fatalf("all due later: %d", len(due))
	}
	at := base.Add(2 * time.Hour)
	e.DeliveredAt, e.LastStatus, e.LastError = &at, 200, ""
	_ = s.UpdateEvent(ctx, e)
	due = dueEvents(s, base.Add(3*time.Hour), 10)
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
}

// testMailOutbox: mail outbox.
func testMailOutbox(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	for i := range 3 {
		m := proconnect.Mail{ID: fmt.Sprint("m", i), To: "a@example.test", Subject: "s", Text: "t",
			CreatedAt: base.Add(time.Duration(i) * time.Second), NextAttempt: base}
		if err := s.AddMail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	due := dueMails(s, base, 2)
	if len(due) != 2 || due[0].ID != "m0" {
		t.Fatalf("due %+v", due)
	}
	m := due[0]
	m.Attempts, m.NextAttempt, m.LastError = 1, base.Add(time.Hour), "451 try later"
	_ = s.UpdateMail(ctx, m)
	if due := dueMails(s, base.Add(time.Minute), 10); len(due) != 2 {
		t.Fatalf("a mail retried later is not due: %+v", due)
	}
	at := base.Add(2 * time.Hour)
	m.SentAt = &at
	_ = s.UpdateMail(ctx, m)
	if due := dueMails(s, base.Add(3*time.Hour), 10); len(due) != 2 {
		t.Fatalf("a sent mail stays due: %+v", due)
	}
	if log, _ := s.Mails(ctx, 10); len(log) != 3 || log[0].ID != "m2" {
		t.Fatalf("log %+v", log)
	}
	if err := s.UpdateMail(ctx, proconnect.Mail{ID: "nope"}); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("missing mail: %v", err)
	}
}

// testContactVerificationSingleUseExpiry: contact verification: single use, expiry.
func testContactVerificationSingleUseExpiry(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	v := proconnect.ContactVerification{ID: "h1", SIREN: "901001008", Email: "c@example.test", CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	if err := s.CreateContactVerification(ctx, v, proconnect.Mail{ID: "m1", CreatedAt: base, NextAttempt: base}); err != nil {
		t.Fatal(err)
	}
	if due := dueMails(s, base, 10); len(due) != 1 {
		t.Fatal("the verification's mail is not queued with it")
	}
	if _, err := s.UseContactVerification(ctx, "h1", base.Add(2*time.Hour)); !errors.Is(err, proconnect.ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	got, err := s.UseContactVerification(ctx, "h1", base.Add(time.Minute))
	if err != nil || got.UsedAt == nil || got.Email != "c@example.test" {
		t.Fatalf("use: %+v %v", got, err)
	}
	if _, err := s.UseContactVerification(ctx, "h1", base.Add(time.Minute)); !errors.Is(err, proconnect.ErrConflict) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := s.UseContactVerification(ctx, "nope", base); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
}

// testAccessRequestsDedupeDecideOnceExpiry: access requests: dedupe, decide once, expiry.
func testAccessRequestsDedupeDecideOnceExpiry(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	a := proconnect.AccessRequest{ID: "a1", PortalID: "p", SIREN: "901001008", Status: proconnect.AccessPending,
		Collaborator: proconnect.Collaborator{Email: "Bob@example.test", GivenName: "Bob", FamilyName: "B"},
		CreatedAt:    base, ExpiresAt: base.Add(7 * 24 * time.Hour)}
	if err := s.CreateAccessRequest(ctx, a, proconnect.Mail{ID: "m1", CreatedAt: base, NextAttempt: base}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PendingAccessRequest(ctx, "p", "901001008", "bob@example.test"); err != nil || got.ID != "a1" {
		t.Fatalf("pending lookup: %+v %v", got, err)
	}
	// A second pending request for the same portal, company and email
	// (any case) is refused at once, its mail not queued.
	dup := a
	dup.ID, dup.Collaborator.Email = "a2", "BOB@example.test"
	if err := s.CreateAccessRequest(ctx, dup, proconnect.Mail{ID: "m2", CreatedAt: base, NextAttempt: base}); !errors.Is(err, proconnect.ErrConflict) {
		t.Fatalf("duplicate pending request: %v", err)
	}
	if mails, _ := s.Mails(ctx, 10); len(mails) != 1 {
		t.Fatalf("the duplicate queued a mail: %d mails", len(mails))
	}
	if _, err := s.AccessRequest(ctx, "a2"); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("the duplicate was stored: %v", err)
	}
	if exp, _ := s.ExpiredAccessRequests(ctx, base.Add(8*24*time.Hour)); len(exp) != 1 {
		t.Fatalf("expired: %+v", exp)
	}
	if exp, _ := s.ExpiredAccessRequests(ctx, base.Add(time.Hour)); len(exp) != 0 {
		t.Fatalf("not yet expired: %+v", exp)
	}
	decided := a
	at := base.Add(time.Hour)
	decided.Status, decided.DecidedAt = proconnect.AccessApproved, &at
	if err := s.DecideAccessRequest(ctx, decided, event("e1", proconnect.EventAccessApproved, at)); err != nil {
		t.Fatal(err)
	}
	refused := decided
	refused.Status = proconnect.AccessRefused
	if err := s.DecideAccessRequest(ctx, refused, event("e2", proconnect.EventAccessRefused, at)); !errors.Is(err, proconnect.ErrConflict) {
		t.Fatalf("second decision: %v", err)
	}
	if got, _ := s.AccessRequest(ctx, "a1"); got.Status != proconnect.AccessApproved {
		t.Fatalf("status %s", got.Status)
	}
	if _, err := s.PendingAccessRequest(ctx, "p", "901001008", "bob@example.test"); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("a decided request is still pending: %v", err)
	}
	if exp, _ := s.ExpiredAccessRequests(ctx, base.Add(8*24*time.Hour)); len(exp) != 0 {
		t.Fatalf("a decided request expires: %+v", exp)
	}
	due := dueEvents(s, at, 10)
	if len(due) != 1 || due[0].ID != "e1" {
		t.Fatalf("events %+v", due)
	}
}

// testPortalsForSIRENAndStandaloneEvents: portals concerned by a SIREN; standalone events.
func testPortalsForSIRENAndStandaloneEvents(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	for i, p := range []string{"p1", "p2", "p1"} {
		c := pending(fmt.Sprint("c", i))
		c.PortalID = p
		_ = s.CreateCertification(ctx, c)
		done := completed(c, proconnect.OutcomeCertified)
		done.PortalID = p
		_ = s.Complete(ctx, done, event(fmt.Sprint("e", i), "t", base))
	}
	other := pending("x")
	other.PortalID, other.SIREN = "p3", "732829320"
	_ = s.CreateCertification(ctx, other)
	got, _ := s.PortalsForSIREN(ctx, "901001008")
	if len(got) != 2 || got[0] != "p1" || got[1] != "p2" {
		t.Fatalf("portals %v", got)
	}
	if err := s.AddEvents(ctx, []proconnect.Event{event("x1", proconnect.EventContactEmailChanged, base)}); err != nil {
		t.Fatal(err)
	}
	if log, _ := s.Events(ctx, 100); len(log) != 4 {
		t.Fatalf("%d events", len(log))
	}
}

// testOutboxClaims: a claimed event or mail is not handed out again while
// its lease runs; a failed attempt is due at its own next attempt; a
// delivered one never; a lapsed lease (a crash) makes it due again.
func testOutboxClaims(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	_ = s.AddEvents(ctx, []proconnect.Event{event("e1", "t", base), event("e2", "t", base.Add(time.Second))})
	_ = s.AddMail(ctx, proconnect.Mail{ID: "m1", To: "a@example.test", CreatedAt: base, NextAttempt: base})
	claimed, err := s.ClaimEvents(ctx, base.Add(time.Second), time.Minute, 10)
	if err != nil || len(claimed) != 2 || claimed[0].ID != "e1" || !claimed[0].NextAttempt.Equal(base.Add(time.Second+time.Minute)) {
		t.Fatalf("first claim %+v %v", claimed, err)
	}
	if again, _ := s.ClaimEvents(ctx, base.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
		t.Fatalf("claimed twice within the lease: %+v", again)
	}
	mails, err := s.ClaimMails(ctx, base, time.Minute, 10)
	if err != nil || len(mails) != 1 {
		t.Fatalf("mail claim %+v %v", mails, err)
	}
	if again, _ := s.ClaimMails(ctx, base, time.Minute, 10); len(again) != 0 {
		t.Fatalf("mail claimed twice within the lease: %+v", again)
	}
	// e1 delivered, e2 failed (next attempt in an hour); the mail's sender
	// crashed (no report).
	at := base.Add(time.Second)
	e1, e2 := claimed[0], claimed[1]
	e1.DeliveredAt, e1.Attempts = &at, 1
	e2.NextAttempt, e2.Attempts, e2.LastError = base.Add(time.Hour), 1, "503"
	if err := s.UpdateEvent(ctx, e1); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateEvent(ctx, e2); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.ClaimEvents(ctx, base.Add(2*time.Minute), time.Minute, 10); len(due) != 0 {
		t.Fatalf("after the lease: a delivered event or one failed until later is claimed: %+v", due)
	}
	if due, _ := s.ClaimEvents(ctx, base.Add(time.Hour), time.Minute, 10); len(due) != 1 || due[0].ID != "e2" || due[0].Attempts != 1 {
		t.Fatalf("at its next attempt, the failed event: %+v", due)
	}
	if due, _ := s.ClaimMails(ctx, base.Add(2*time.Minute), time.Minute, 10); len(due) != 1 || due[0].ID != "m1" {
		t.Fatalf("a mail whose claim lapsed is due again: %+v", due)
	}
}

// testConcurrentClaims: claimers racing over one outbox take each item
// exactly once between them.
func testConcurrentClaims(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	const n = 300
	var events []proconnect.Event
	for i := range n {
		events = append(events, event(fmt.Sprintf("e%03d", i), "t", base.Add(time.Duration(i)*time.Millisecond)))
		if err := s.AddMail(ctx, proconnect.Mail{ID: fmt.Sprintf("m%03d", i), To: "a@example.test",
			CreatedAt: base.Add(time.Duration(i) * time.Millisecond), NextAttempt: base}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	taken := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				es, err1 := s.ClaimEvents(ctx, base.Add(time.Minute), time.Hour, 16)
				ms, err2 := s.ClaimMails(ctx, base.Add(time.Minute), time.Hour, 16)
				if err1 != nil || err2 != nil {
					t.Errorf("claim: %v %v", err1, err2)
					return
				}
				if len(es)+len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, e := range es {
					taken[e.ID]++
				}
				for _, m := range ms {
					taken[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(taken) != 2*n {
		t.Errorf("%d items claimed, want %d", len(taken), 2*n)
	}
	for id, k := range taken {
		if k != 1 {
			t.Errorf("%s claimed %d times", id, k)
		}
	}
}

// testOutboxAbandonAndPurge: an abandoned event or mail is no longer due;
// PurgeOutbox removes what is done and older than its cutoff, and keeps
// everything still waiting, however old.
func testOutboxAbandonAndPurge(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	old, recent := base, base.Add(40*24*time.Hour)
	if err := s.AddEvents(ctx, []proconnect.Event{event("delivered-old", "t", old), event("abandoned-old", "t", old),
		event("waiting-old", "t", old), event("delivered-recent", "t", recent)}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"sent-old", "abandoned-mail-old", "unsent-old", "sent-recent"} {
		created := old
		if id == "sent-recent" {
			created = recent
		}
		if err := s.AddMail(ctx, proconnect.Mail{ID: id, To: "a@example.test", Subject: "s", Text: "t",
			CreatedAt: created, NextAttempt: created}); err != nil {
			t.Fatal(err)
		}
	}
	done := old.Add(72 * time.Hour)
	for _, e := range dueEvents(s, recent, 10) {
		switch e.ID {
		case "delivered-old", "delivered-recent":
			e.DeliveredAt = &done
		case "abandoned-old":
			e.AbandonedAt = &done
		default:
			continue
		}
		if err := s.UpdateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range dueMails(s, recent, 10) {
		switch m.ID {
		case "sent-old", "sent-recent":
			m.SentAt = &done
		case "abandoned-mail-old":
			m.AbandonedAt = &done
		default:
			continue
		}
		if err := s.UpdateMail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if due := dueEvents(s, recent, 10); len(due) != 1 || due[0].ID != "waiting-old" {
		t.Fatalf("due events %+v, want only waiting-old (abandoned is done)", due)
	}
	if due := dueMails(s, recent, 10); len(due) != 1 || due[0].ID != "unsent-old" {
		t.Fatalf("due mails %+v, want only unsent-old (abandoned is done)", due)
	}
	n, err := s.PurgeOutbox(ctx, old.Add(30*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("purged %d, want 4 (two old events, two old mails, done)", n)
	}
	var events, mails []string
	log, _ := s.Events(ctx, 10)
	for _, e := range log {
		events = append(events, e.ID)
	}
	mlog, _ := s.Mails(ctx, 10)
	for _, m := range mlog {
		mails = append(mails, m.ID)
	}
	slices.Sort(events)
	slices.Sort(mails)
	if !slices.Equal(events, []string{"delivered-recent", "waiting-old"}) || !slices.Equal(mails, []string{"sent-recent", "unsent-old"}) {
		t.Fatalf("after the purge: events %v, mails %v", events, mails)
	}
	if n, _ := s.PurgeOutbox(ctx, old.Add(30*24*time.Hour)); n != 0 {
		t.Fatalf("a second purge removed %d more", n)
	}
}
