package proconnect_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/inmem"
)

// fakeRegister is a register with one company and its contact email.
type fakeRegister struct {
	company proconnect.Company
	contact map[string]string
	down    bool
}

func (r *fakeRegister) Company(_ context.Context, siren string) (proconnect.Company, error) {
	if r.down {
		return proconnect.Company{}, proconnect.ErrUnavailable
	}
	if siren != r.company.SIREN {
		return proconnect.Company{SIREN: siren}, nil
	}
	return r.company, nil
}

func (r *fakeRegister) ContactEmail(_ context.Context, siren string) (string, time.Time, error) {
	if e, ok := r.contact[siren]; ok {
		return e, time.Time{}, nil
	}
	return "", time.Time{}, proconnect.ErrNotFound
}

func (r *fakeRegister) SetContactEmail(_ context.Context, siren, email string) error {
	if r.down {
		return proconnect.ErrUnavailable
	}
	r.contact[siren] = email
	return nil
}

var dirigeant = proconnect.Identity{GivenNames: []string{"Angela", "Claire"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24",
	Gender: "female", Birthplace: "75107", Birthcountry: "99100", Sub: "sub-angela"}

func newContactService(t *testing.T) (*proconnect.Service, *fakeRegister, *time.Time) {
	t.Helper()
	reg := &fakeRegister{contact: map[string]string{},
		company: proconnect.Company{SIREN: "732829320", Found: true, LegalCategory: "5710", Name: "ACME",
			Candidates: []proconnect.Person{{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female",
				Birthdate: "1962-08-24", Birthplace: "75107", Role: "Président"}}}}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var n atomic.Int64
	svc := &proconnect.Service{Store: inmem.New(), Register: reg, Contacts: reg, Now: func() time.Time { return now },
		NewID: func() string { return "id" + strconv.FormatInt(n.Add(1), 10) }}
	return svc, reg, &now
}

func mailWith(token *string) func(proconnect.AccessRequest, string) proconnect.Mail {
	return func(_ proconnect.AccessRequest, tok string) proconnect.Mail {
		*token = tok
		return proconnect.Mail{Subject: "s", Text: tok}
	}
}

var camille = proconnect.Collaborator{Email: "camille@exemple.test", GivenName: "Camille", FamilyName: "Martin"}

func TestAccessRequestRules(t *testing.T) {
	ctx := context.Background()
	svc, reg, now := newContactService(t)
	var token string

	_, _, err := svc.RequestAccess(ctx, "portail", "732829320", camille, "", mailWith(&token))
	if !errors.Is(err, proconnect.ErrNoContactEmail) {
		t.Fatalf("without contact email: %v", err)
	}
	for name, c := range map[string]proconnect.Collaborator{
		"collaborator.email":       {Email: "nope", GivenName: "A", FamilyName: "B"},
		"collaborator.given_name":  {Email: "a@b.fr", GivenName: " ", FamilyName: "B"},
		"collaborator.family_name": {Email: "a@b.fr", GivenName: "A", FamilyName: "B\r\nBcc: x@y.fr"},
	} {
		_, _, err := svc.RequestAccess(ctx, "portail", "732829320", c, "", mailWith(&token))
		var ve *proconnect.ValidationError
		if !errors.As(err, &ve) || ve.Field != name {
			t.Errorf("%s: %v", name, err)
		}
	}

	reg.contact["732829320"] = "dirigeant@exemple.test"
	a, existing, err := svc.RequestAccess(ctx, "portail", "732829320", camille, "etat", mailWith(&token))
	if err != nil || existing || a.Status != proconnect.AccessPending || token == "" {
		t.Fatalf("request: %+v %v %v", a, existing, err)
	}
	if mails, _ := svc.Store.Mails(ctx, 10); len(mails) != 1 || mails[0].To != "dirigeant@exemple.test" {
		t.Fatalf("outbox %+v", mails)
	}
	upper := camille
	upper.Email = strings.ToUpper(camille.Email)
	again, existing, err := svc.RequestAccess(ctx, "portail", "732829320", upper, "", mailWith(new(string)))
	if err != nil || !existing || again.ID != a.ID {
		t.Fatalf("duplicate: %+v %v %v", again, existing, err)
	}
	if mails, _ := svc.Store.Mails(ctx, 10); len(mails) != 1 {
		t.Fatalf("a duplicate queued a mail: %d", len(mails))
	}

	if _, err := svc.AccessForDecision(ctx, a.ID, "forged"); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("forged token: %v", err)
	}
	other := dirigeant
	other.FamilyName = "MARTIN"
	if _, err := svc.DecideAccess(ctx, a.ID, token, other, true); !errors.Is(err, proconnect.ErrForbidden) {
		t.Fatalf("not the dirigeant: %v", err)
	}
	reg.down = true
	if _, err := svc.DecideAccess(ctx, a.ID, token, dirigeant, true); !errors.Is(err, proconnect.ErrUnavailable) {
		t.Fatalf("register down: %v", err)
	}
	reg.down = false
	if got, _ := svc.Store.AccessRequest(ctx, a.ID); got.Status != proconnect.AccessPending {
		t.Fatalf("after refusals the request is %s", got.Status)
	}
	done, err := svc.DecideAccess(ctx, a.ID, token, dirigeant, false)
	if err != nil || done.Status != proconnect.AccessRefused {
		t.Fatalf("decide: %+v %v", done, err)
	}
	if _, err := svc.DecideAccess(ctx, a.ID, token, dirigeant, true); !errors.Is(err, proconnect.ErrConflict) {
		t.Fatalf("second answer: %v", err)
	}

	// A new request expires after 7 days, once.
	b, _, err := svc.RequestAccess(ctx, "portail", "732829320", camille, "", mailWith(&token))
	if err != nil || b.ID == a.ID {
		t.Fatalf("new request after a refusal: %+v %v", b, err)
	}
	*now = now.Add(proconnect.AccessRequestTTL + time.Minute)
	if n, err := svc.ExpireAccessRequests(ctx); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	if n, _ := svc.ExpireAccessRequests(ctx); n != 0 {
		t.Fatalf("expired twice: %d", n)
	}
	if _, err := svc.AccessForDecision(ctx, b.ID, token); !errors.Is(err, proconnect.ErrExpired) {
		t.Fatalf("expired link: %v", err)
	}
}

func TestContactVerificationRules(t *testing.T) {
	ctx := context.Background()
	svc, reg, now := newContactService(t)
	var token string
	compose := func(tok string) proconnect.Mail { token = tok; return proconnect.Mail{Subject: "s", Text: tok} }
	if _, err := svc.RequestContactVerification(ctx, "732829320", "pas une adresse", "sub", compose); err == nil {
		t.Fatal("invalid address accepted")
	}
	if _, err := svc.RequestContactVerification(ctx, "732829320", "contact@exemple.test", "sub", compose); err != nil {
		t.Fatal(err)
	}
	reg.down = true
	if _, err := svc.VerifyContact(ctx, token); !errors.Is(err, proconnect.ErrUnavailable) {
		t.Fatalf("register down: %v", err)
	}
	reg.down = false
	if _, err := svc.VerifyContact(ctx, "forged"); !errors.Is(err, proconnect.ErrNotFound) {
		t.Fatalf("forged: %v", err)
	}
	v, err := svc.VerifyContact(ctx, token) // still usable after the register failed
	if err != nil || reg.contact["732829320"] != "contact@exemple.test" || v.Email != "contact@exemple.test" {
		t.Fatalf("verify: %+v %v %v", v, err, reg.contact)
	}
	if _, err := svc.VerifyContact(ctx, token); !errors.Is(err, proconnect.ErrConflict) {
		t.Fatalf("reused: %v", err)
	}
	if _, err := svc.RequestContactVerification(ctx, "732829320", "autre@exemple.test", "sub", compose); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(proconnect.ContactLinkTTL + time.Second)
	if _, err := svc.VerifyContact(ctx, token); !errors.Is(err, proconnect.ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if reg.contact["732829320"] != "contact@exemple.test" {
		t.Fatal("an expired link changed the register")
	}
}

// TestConcurrentDuplicatesMakeOneRequest: the same request filed at once
// from many calls gives one request and one mail.
func TestConcurrentDuplicatesMakeOneRequest(t *testing.T) {
	ctx := context.Background()
	svc, reg, _ := newContactService(t)
	reg.contact["732829320"] = "dirigeant@exemple.test"
	ids := make(chan string, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			a, _, err := svc.RequestAccess(ctx, "portail", "732829320", camille, "", mailWith(new(string)))
			if err != nil {
				t.Error(err)
			}
			ids <- a.ID
		})
	}
	wg.Wait()
	close(ids)
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("two requests: %s and %s", first, id)
		}
	}
	if mails, _ := svc.Store.Mails(ctx, 100); len(mails) != 1 {
		t.Fatalf("%d mails queued, want 1", len(mails))
	}
}
