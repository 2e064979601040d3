package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/inmem"
)

// scopedCore is a core with an owner token and portail-a registered, and
// portail-a's control token.
func scopedCore(t *testing.T) (*Core, proconnect.Store, string) {
	t.Helper()
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := inmem.New()
	c, err := New(Config{PublicURL: "http://core.test", FCPublicURL: "http://fc.test", FCClientID: "core", Fixtures: set,
		Store: store, Kit: control.NewKit("proconnect", nil, "proprietaire")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.portals.add(ctx, fixtures.Portal{ClientID: "portail-a", RedirectURIs: []string{"http://localhost:9/retour"}}); err != nil {
		t.Fatal(err)
	}
	token, err := c.issueToken(ctx, "portail-a")
	if err != nil || token == "" {
		t.Fatalf("token: %q %v", token, err)
	}
	return c, store, token
}

// TestPortalTokenReadsItsOwnMail: the core's mail outbox, read with a
// portal's token, gives that portal's mail and the mail of no portal (a
// contact address's verification), never another portal's, whose links
// decide that portal's access requests.
func TestPortalTokenReadsItsOwnMail(t *testing.T) {
	c, store, token := scopedCore(t)
	now := time.Now()
	for id, portal := range map[string]string{"m-a": "portail-a", "m-b": "portail-b", "m-contact": ""} {
		if err := store.AddMail(context.Background(), proconnect.Mail{ID: id, To: "angela@exemple.fr", Subject: id,
			Text: "lien de " + id, CreatedAt: now, NextAttempt: now.Add(time.Hour), PortalID: portal}); err != nil {
			t.Fatal(err)
		}
	}
	for tok, want := range map[string][]string{token: {"m-a", "m-contact"}, "proprietaire": {"m-a", "m-b", "m-contact"}} {
		r := httptest.NewRequest(http.MethodGet, "/__sandbox/mails?to=angela@exemple.fr", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := serve(c, r)
		var out struct{ Mails []proconnect.Mail }
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		got := map[string]bool{}
		for _, m := range out.Mails {
			got[m.ID] = true
		}
		if len(got) != len(want) {
			t.Errorf("token %.4s… reads %v, want %v", tok, got, want)
		}
		for _, id := range want {
			if !got[id] {
				t.Errorf("token %.4s… reads %v, want %v", tok, got, want)
			}
		}
	}
}

// TestPortalTokenSeesItsDeliveriesAmongMany: a portal's events are not
// crowded out of /__sandbox/deliveries by its neighbours' newer ones.
func TestPortalTokenSeesItsDeliveriesAmongMany(t *testing.T) {
	c, store, token := scopedCore(t)
	now := time.Now()
	events := []proconnect.Event{{ID: "evt-a", PortalID: "portail-a", Type: proconnect.EventCertificationCompleted,
		Data: map[string]any{"certification_id": "cert-a"}, CreatedAt: now.Add(-time.Hour), NextAttempt: now.Add(time.Hour)}}
	for i := range 250 {
		events = append(events, proconnect.Event{ID: fmt.Sprintf("evt-b-%d", i), PortalID: "portail-b", Type: proconnect.EventCertificationCompleted,
			Data: map[string]any{"certification_id": fmt.Sprintf("cert-b-%d", i)}, CreatedAt: now.Add(time.Duration(i) * time.Second), NextAttempt: now.Add(time.Hour)})
	}
	if err := store.AddEvents(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/__sandbox/deliveries", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := serve(c, r)
	var out struct{ Deliveries []proconnect.Event }
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if len(out.Deliveries) != 1 || out.Deliveries[0].ID != "evt-a" {
		t.Errorf("portail-a's deliveries: %d events (%v…), want its one event", len(out.Deliveries), out.Deliveries[:min(2, len(out.Deliveries))])
	}
}

// TestRegistrationRefusesControlCharacters: a NUL in a registration is a
// 400 problem whatever the store, never the store's 503.
func TestRegistrationRefusesControlCharacters(t *testing.T) {
	c, _, _ := scopedCore(t)
	r := httptest.NewRequest(http.MethodPost, "/__sandbox/portals",
		strings.NewReader(`{"client_id":"x\u0000y","redirect_uris":["http://localhost:9/retour"]}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer proprietaire")
	w := serve(c, r)
	if w.Code != http.StatusBadRequest || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("%d %s %s, want a 400 problem", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
}
