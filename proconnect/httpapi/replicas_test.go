package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/inmem"
)

// replicas builds two cores on one store, as two processes on one database
// would be: nothing they share may live in either.
func replicas(t *testing.T) (a, b *Core) {
	t.Helper()
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := inmem.New()
	mk := func() *Core {
		c, err := New(Config{PublicURL: "http://core.test", FCPublicURL: "http://fc.test", FCClientID: "core", Fixtures: set, Store: store})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return mk(), mk()
}

func serve(c *Core, r *http.Request) *httptest.ResponseRecorder {
	r.Host = "localhost" // the core answers to its own names only
	w := httptest.NewRecorder()
	c.ServeHTTP(w, r)
	return w
}

// TestLoginFlowAcrossReplicas: a dirigeant page's login started on one
// replica comes back, from FranceConnect, to another, which knows it; a
// replayed callback finds nothing on either.
func TestLoginFlowAcrossReplicas(t *testing.T) {
	a, b := replicas(t)
	r := httptest.NewRequest(http.MethodPost, "/contact/connexion", strings.NewReader("siren=901001008"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := serve(a, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("start on A: %d %s", w.Code, w.Body)
	}
	loc, _ := url.Parse(w.Header().Get("Location"))
	state := loc.Query().Get("state")
	if !strings.HasPrefix(state, flowPrefix) {
		t.Fatalf("redirect to FranceConnect %s carries no flow state", loc)
	}
	cb := "/oidc/callback?error=access_denied&state=" + url.QueryEscape(state)
	if w := serve(b, httptest.NewRequest(http.MethodGet, cb, nil)); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Connexion abandonnée") {
		t.Fatalf("callback on B: %d %s", w.Code, w.Body)
	}
	if w := serve(a, httptest.NewRequest(http.MethodGet, cb, nil)); w.Code != http.StatusBadRequest {
		t.Fatalf("replayed callback on A: %d, want 400 (the flow was used)", w.Code)
	}
}

// TestSessionAcrossReplicas: a session proved on one replica serves the
// form on another, whose POST still needs the CSRF token; ending it on one
// ends it on both.
func TestSessionAcrossReplicas(t *testing.T) {
	a, b := replicas(t)
	ctx := context.Background()
	sid := newID()
	if err := a.putSession(ctx, sid, &dirigeantSession{kind: flowContact, siren: "901001008",
		identity: proconnect.Identity{Sub: "s", FamilyName: "DUBOIS"}, created: a.kit.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	get := httptest.NewRequest(http.MethodGet, "/contact/courriel", nil)
	get.AddCookie(&http.Cookie{Name: sessionCookie, Value: sid})
	if w := serve(b, get); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "901001008") || !strings.Contains(w.Body.String(), sid) {
		t.Fatalf("form on B: %d %s", w.Code, w.Body)
	}
	post := httptest.NewRequest(http.MethodPost, "/contact/courriel", strings.NewReader("csrf=forged&email=a%40example.test"))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.AddCookie(&http.Cookie{Name: sessionCookie, Value: sid})
	if w := serve(a, post); w.Code != http.StatusForbidden {
		t.Fatalf("POST without the CSRF token on A: %d", w.Code)
	}
	b.dropSession(ctx, sid)
	if _, err := a.loadSession(ctx, sid); err == nil {
		t.Fatal("a session ended on B lives on on A")
	}
}

// TestPortalRegistrationAcrossReplicas: a portal registered through one
// replica is known to the other; a reset through either forgets it.
func TestPortalRegistrationAcrossReplicas(t *testing.T) {
	a, b := replicas(t)
	ctx := context.Background()
	reg := `{"client_id":"equipe-x","name":"Équipe X","redirect_uris":["http://localhost:9/retour"],"events_url":"http://localhost:9/events"}`
	r := httptest.NewRequest(http.MethodPost, "/__sandbox/portals", strings.NewReader(reg))
	r.Header.Set("Content-Type", "application/json")
	if w := serve(a, r); w.Code != http.StatusCreated {
		t.Fatalf("register on A: %d %s", w.Code, w.Body)
	}
	p, ok, err := b.portals.get(ctx, "equipe-x")
	if err != nil || !ok || p.Name != "Équipe X" || p.EventsURL != "http://localhost:9/events" {
		t.Fatalf("B reads %+v %v %v", p, ok, err)
	}
	if w := serve(b, httptest.NewRequest(http.MethodPost, "/__sandbox/reset", nil)); w.Code != http.StatusNoContent {
		t.Fatalf("reset on B: %d", w.Code)
	}
	if _, ok, _ := a.portals.get(ctx, "equipe-x"); ok {
		t.Fatal("a reset on B left the registration on A")
	}
	if _, ok, _ := a.portals.get(ctx, "portail-demo"); !ok {
		t.Fatal("the fixtures' portal is gone")
	}
}

// TestPeriodicJobOncePerPeriod: two replicas ticking in the same period:
// one runs the job; the next period, one again.
func TestPeriodicJobOncePerPeriod(t *testing.T) {
	a, b := replicas(t)
	ctx := context.Background()
	const period = 200 * time.Millisecond
	runs := 0
	for _, c := range []*Core{a, b, a, b} {
		if c.leased(ctx, "expiry", period) {
			runs++
		}
	}
	if runs != 1 {
		t.Fatalf("%d runs in one period, want 1", runs)
	}
	time.Sleep(period)
	if !b.leased(ctx, "expiry", period) || a.leased(ctx, "expiry", period) {
		t.Fatal("next period: the first replica to tick must run the job, the other not")
	}
}
