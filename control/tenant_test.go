package control_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// newSharedComponent is a component of a shared sandbox (owner token
// "owner") that keeps a clock per portal and lets portals call /echo, which
// answers the portal the call is scoped to.
func newSharedComponent(t *testing.T) (*control.Kit, http.Handler) {
	t.Helper()
	k := control.NewKit("test", nil, "owner")
	k.PortalClock = control.NewPortalClocks(k.Clock)
	k.PortalCalls = func(r *http.Request) bool { return r.Method == http.MethodGet && r.URL.Path == "/__sandbox/echo" }
	r := chi.NewRouter()
	r.Use(k.Middleware)
	r.Get("/hello", func(w http.ResponseWriter, r *http.Request) {
		control.NoteClient(r.Context(), r.URL.Query().Get("client_id"))
		_, _ = w.Write([]byte("hello"))
	})
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(k.Guard)
		k.Mount(r, nil)
		r.Get("/echo", func(w http.ResponseWriter, r *http.Request) {
			p, _ := control.PortalScope(r.Context())
			_, _ = w.Write([]byte(p))
		})
	})
	return k, r
}

func issue(t *testing.T, k *control.Kit, portal string) string {
	t.Helper()
	tok, hash, err := k.IssuePortalToken(portal)
	if err != nil || hash != control.PortalTokenHash(tok) || strings.Contains(tok, "owner") {
		t.Fatalf("IssuePortalToken(%s): %q %q %v", portal, tok, hash, err)
	}
	return tok
}

// TestPortalTokenReachesOnlyItsScope: a portal's token may call what is
// scoped, scoped to itself; the owner-only calls answer 403 problem+json;
// a token of another sandbox, a forged or tampered one answers 401.
func TestPortalTokenReachesOnlyItsScope(t *testing.T) {
	k, h := newSharedComponent(t)
	a := issue(t, k, "portail-a")
	other := control.NewKit("test", nil, "another-owner")
	foreign, _, _ := other.IssuePortalToken("portail-a")
	parts := strings.Split(a, ".")
	tampered := strings.Join([]string{parts[0], "cG9ydGFpbC1i", parts[2], parts[3]}, ".") // portail-b, a's signature
	for _, tc := range []struct {
		name, method, path, body, token string
		want                            int
	}{
		{"scoped call", "GET", "/__sandbox/echo", "", a, 200},
		{"journal", "GET", "/__sandbox/journal", "", a, 200},
		{"faults", "GET", "/__sandbox/faults", "", a, 200},
		{"clock", "POST", "/__sandbox/clock", `{"advance":"1h"}`, a, 200},
		{"reset is the owner's", "POST", "/__sandbox/reset", "", a, 403},
		{"another portal's fault", "POST", "/__sandbox/faults", `{"path":"/hello","status":500,"client_id":"portail-b"}`, a, 403},
		{"token of another sandbox", "GET", "/__sandbox/echo", "", foreign, 401},
		{"tampered client", "GET", "/__sandbox/echo", "", tampered, 401},
		{"truncated", "GET", "/__sandbox/echo", "", a[:len(a)-2], 401},
		{"owner", "POST", "/__sandbox/reset", "", "owner", 204},
	} {
		rec := do(h, tc.method, tc.path, tc.body, "Authorization", "Bearer "+tc.token)
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.name, rec.Code, tc.want, rec.Body)
			continue
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d is not a problem: %s", tc.name, rec.Code, rec.Header())
		}
	}
	if rec := do(h, "GET", "/__sandbox/echo", "", "Authorization", "Bearer "+a); rec.Body.String() != "portail-a" {
		t.Errorf("the call is scoped to %q, want portail-a", rec.Body)
	}
}

// TestPortalTokenRevoked: the component that issued a token may retire it
// (a new registration): a well-signed token it no longer holds answers 401.
func TestPortalTokenRevoked(t *testing.T) {
	k, h := newSharedComponent(t)
	old := issue(t, k, "portail-a")
	cur := issue(t, k, "portail-a")
	k.PortalTokenCurrent = func(portal, token string) bool {
		return portal == "portail-a" && control.PortalTokenHash(token) == control.PortalTokenHash(cur)
	}
	if rec := do(h, "GET", "/__sandbox/echo", "", "Authorization", "Bearer "+old); rec.Code != http.StatusUnauthorized {
		t.Errorf("a replaced token: %d, want 401", rec.Code)
	}
	if rec := do(h, "GET", "/__sandbox/echo", "", "Authorization", "Bearer "+cur); rec.Code != http.StatusOK {
		t.Errorf("the current token: %d, want 200", rec.Code)
	}
}

// TestNoPortalTokenWithoutOwner: an open control API gives no portal token.
func TestNoPortalTokenWithoutOwner(t *testing.T) {
	k := control.NewKit("test", nil, "")
	if _, _, err := k.IssuePortalToken("portail-a"); err == nil {
		t.Fatal("a sandbox without control token issued a portal token")
	}
	if _, ok := k.PortalOf("pct.x.y.z"); ok {
		t.Fatal("a sandbox without control token accepted a portal token")
	}
}

// TestPortalFaultsAreItsOwn: a portal's fault catches only its calls; it
// lists and clears only its own faults, never another portal's.
func TestPortalFaultsAreItsOwn(t *testing.T) {
	k, h := newSharedComponent(t)
	a, b := issue(t, k, "portail-a"), issue(t, k, "portail-b")
	for _, tok := range []string{a, b} {
		if rec := do(h, "POST", "/__sandbox/faults", `{"path":"/hello","status":503,"count":5}`, "Authorization", "Bearer "+tok); rec.Code != http.StatusCreated {
			t.Fatalf("add fault: %d %s", rec.Code, rec.Body)
		}
	}
	if rec := do(h, "GET", "/hello?client_id=portail-c", ""); rec.Code != http.StatusOK {
		t.Errorf("another client's call caught a portal's fault: %d", rec.Code)
	}
	if rec := do(h, "GET", "/hello?client_id=portail-a", ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("portail-a's call: %d, want its fault's 503", rec.Code)
	}
	if rec := do(h, "DELETE", "/__sandbox/faults", "", "Authorization", "Bearer "+a); rec.Code != http.StatusNoContent {
		t.Fatalf("clear: %d", rec.Code)
	}
	if rec := do(h, "GET", "/hello?client_id=portail-b", ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("portail-a cleared portail-b's fault: %d", rec.Code)
	}
	var got struct{ Faults []control.Fault }
	rec := do(h, "GET", "/__sandbox/faults", "", "Authorization", "Bearer "+a)
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Faults) != 0 {
		t.Errorf("portail-a lists %s, want none of its own left and none of portail-b's", rec.Body)
	}
	rec = do(h, "GET", "/__sandbox/faults", "", "Authorization", "Bearer owner")
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Faults) != 1 || got.Faults[0].ClientID != "portail-b" {
		t.Errorf("the owner lists %s, want portail-b's fault", rec.Body)
	}
}

// TestPortalJournalIsItsOwn: a portal reads its own exchanges and the
// anonymous ones of its scenario, never another client's.
func TestPortalJournalIsItsOwn(t *testing.T) {
	k, h := newSharedComponent(t)
	a := issue(t, k, "portail-a")
	do(h, "GET", "/hello?client_id=portail-a", "")
	do(h, "GET", "/hello?client_id=portail-b", "")
	do(h, "GET", "/hello", "", control.ScenarioHeader, "sc-a")
	do(h, "GET", "/hello?client_id=portail-b", "", control.ScenarioHeader, "sc-a")
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"portail-a"}},
		{"?scenario=sc-a", []string{""}},
	} {
		var got struct{ Entries []control.Entry }
		rec := do(h, "GET", "/__sandbox/journal"+tc.query, "", "Authorization", "Bearer "+a)
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		var clients []string
		for _, e := range got.Entries {
			clients = append(clients, e.Client)
		}
		if strings.Join(clients, ",") != strings.Join(tc.want, ",") {
			t.Errorf("journal%s for portail-a: clients %q, want %q", tc.query, clients, tc.want)
		}
	}
	var all struct{ Entries []control.Entry }
	if err := json.Unmarshal(do(h, "GET", "/__sandbox/journal", "", "Authorization", "Bearer owner").Body.Bytes(), &all); err != nil || len(all.Entries) != 4 {
		t.Errorf("the owner reads %d entries, want 4", len(all.Entries))
	}
}

// TestPortalClocksAreApart: a portal moving its clock moves no other
// portal's, nor the component's; the owner's move moves every portal.
func TestPortalClocksAreApart(t *testing.T) {
	k, h := newSharedComponent(t)
	a := issue(t, k, "portail-a")
	if rec := do(h, "POST", "/__sandbox/clock", `{"advance":"192h"}`, "Authorization", "Bearer "+a); rec.Code != http.StatusOK {
		t.Fatalf("advance: %d %s", rec.Code, rec.Body)
	}
	pc := k.PortalClock
	if k.Clock.Offset() != 0 || pc.For("portail-b").Offset() != 0 || pc.For("portail-a").Offset() != 192*time.Hour {
		t.Fatalf("offsets: component %s, b %s, a %s", k.Clock.Offset(), pc.For("portail-b").Offset(), pc.For("portail-a").Offset())
	}
	if d := pc.Now("portail-a").Sub(pc.Now("portail-b")); d < 191*time.Hour {
		t.Errorf("portail-a is %s ahead of portail-b, want 192h", d)
	}
	if d := pc.Latest().Sub(k.Clock.Now()); d < 191*time.Hour {
		t.Errorf("Latest is %s ahead, want 192h", d)
	}
	if rec := do(h, "POST", "/__sandbox/clock", `{"advance":"1h"}`, "Authorization", "Bearer owner"); rec.Code != http.StatusOK {
		t.Fatal(rec.Body)
	}
	if d := pc.Now("portail-b").Sub(time.Now()); d < 59*time.Minute {
		t.Errorf("the owner's advance left portail-b %s ahead, want 1h", d)
	}
	if rec := do(h, "DELETE", "/__sandbox/clock", "", "Authorization", "Bearer "+a); rec.Code != http.StatusOK || pc.For("portail-a").Offset() != 0 || k.Clock.Offset() != time.Hour {
		t.Errorf("portail-a's reset: %d, its offset %s, the component's %s", rec.Code, pc.For("portail-a").Offset(), k.Clock.Offset())
	}
}
