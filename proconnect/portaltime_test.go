package proconnect_test

import (
	"context"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// offsets is a PortalClock: each portal's offset on the component's time.
type offsets struct {
	now   func() time.Time
	ahead map[string]time.Duration
}

func (o *offsets) Now(portal string) time.Time { return o.now().Add(o.ahead[portal]) }
func (o *offsets) Latest() time.Time {
	var m time.Duration
	for _, d := range o.ahead {
		m = max(m, d)
	}
	return o.now().Add(m)
}

// TestPortalTimeExpiresOnlyItsRequests: a week passing for one portal
// expires its access requests, not another portal's filed at the same
// time; a sweep for one portal leaves the others' requests alone.
func TestPortalTimeExpiresOnlyItsRequests(t *testing.T) {
	ctx := context.Background()
	svc, reg, now := newContactService(t)
	reg.contact["732829320"] = "dirigeant@exemple.test"
	clocks := &offsets{now: func() time.Time { return *now }, ahead: map[string]time.Duration{}}
	svc.Portals = clocks
	var token string
	ids := map[string]string{}
	for _, p := range []string{"portail-a", "portail-b", "portail-c"} {
		a, _, err := svc.RequestAccess(ctx, p, "732829320", camille, "", mailWith(&token))
		if err != nil {
			t.Fatal(err)
		}
		ids[p] = a.ID
	}
	mails, err := svc.Store.Mails(ctx, 10)
	if err != nil || len(mails) != 3 {
		t.Fatalf("mails: %d %v", len(mails), err)
	}
	for _, m := range mails {
		if m.PortalID == "" {
			t.Errorf("the access request mail %s names no portal", m.ID)
		}
	}
	clocks.ahead["portail-a"] = 8 * 24 * time.Hour
	clocks.ahead["portail-c"] = 8 * 24 * time.Hour
	if n, err := svc.ExpirePortalAccessRequests(ctx, "portail-a"); err != nil || n != 1 {
		t.Fatalf("portail-a's sweep expired %d (%v), want its 1 request", n, err)
	}
	if n, err := svc.ExpireAccessRequests(ctx); err != nil || n != 1 {
		t.Fatalf("the owner's sweep expired %d (%v), want portail-c's 1 request (portail-b's week has not passed)", n, err)
	}
	for p, want := range map[string]proconnect.AccessStatus{"portail-a": proconnect.AccessExpired, "portail-b": proconnect.AccessPending, "portail-c": proconnect.AccessExpired} {
		a, err := svc.AccessRequestOf(ctx, p, ids[p])
		if err != nil || a.Status != want {
			t.Errorf("%s's request: %s (%v), want %s", p, a.Status, err, want)
		}
	}
	// a certification started by portail-a lives on its time
	c, err := svc.Start(ctx, "portail-a", proconnect.StartRequest{SIREN: "732829320", RedirectURI: "http://localhost/retour", State: "s", Purpose: proconnect.PurposeRegistration})
	if err != nil {
		t.Fatal(err)
	}
	if !c.CreatedAt.Equal(now.Add(8 * 24 * time.Hour)) {
		t.Errorf("portail-a's certification is dated %s, want its portal's time %s", c.CreatedAt, now.Add(8*24*time.Hour))
	}
}
