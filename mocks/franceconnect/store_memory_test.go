package franceconnect

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
)

func countEntries(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

// TestStoreKeepsOnlyWhatIsNeeded: an exchanged code drops fosite's
// request but still answers a replay with its request ID (to revoke its
// tokens), client and redirect_uri; an access token keeps no fosite form
// nor expiry bookkeeping; and the sweep forgets both once expired.
func TestStoreKeepsOnlyWhatIsNeeded(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	client := &fosite.DefaultClient{ID: "sandbox-fs"}
	s := &store{now: func(string) time.Time { return now }, codeTTL: CodeTTL, accessTTL: AccessTokenTTL}
	ctx := context.Background()

	ar := fosite.NewAuthorizeRequest()
	ar.ID, ar.Client = "req-1", client
	ar.Form = url.Values{"redirect_uri": {"http://localhost:8080/callback"}}
	ar.Session = &session{Subject: "sub-1"}
	if err := s.CreateAuthorizeCodeSession(ctx, "code-1", ar); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetAuthorizeCodeSession(ctx, "code-1", nil)
	if err != nil || got.GetSession().(*session).Subject != "sub-1" {
		t.Fatalf("fresh code: %v %+v", err, got)
	}
	if err := s.InvalidateAuthorizeCodeSession(ctx, "code-1"); err != nil {
		t.Fatal(err)
	}
	e, _ := s.codeEntry("code-1")
	if e.req.Load() != nil {
		t.Error("an exchanged code still holds fosite's request")
	}
	got, err = s.GetAuthorizeCodeSession(ctx, "code-1", nil)
	if !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) || got.GetID() != "req-1" || got.GetClient().GetID() != "sandbox-fs" ||
		got.GetRequestForm().Get("redirect_uri") != "http://localhost:8080/callback" {
		t.Errorf("replayed code: %v, request %q client %q", err, got.GetID(), got.GetClient().GetID())
	}
	if err := s.InvalidateAuthorizeCodeSession(ctx, "code-1"); !errors.Is(err, errCodeConsumed) {
		t.Errorf("second invalidation: %v", err)
	}

	tr := fosite.NewAccessRequest(&session{Subject: "sub-1"})
	tr.ID, tr.Client = "req-1", client
	tr.Form = url.Values{"client_secret": {"x"}, "code": {"code-1"}}
	tr.GrantScope("openid")
	tr.Session.SetExpiresAt(fosite.AccessToken, now.Add(time.Minute))
	if err := s.CreateAccessTokenSession(ctx, "at-1", tr); err != nil {
		t.Fatal(err)
	}
	te, ok := s.accessEntry("at-1")
	if !ok || te.subject != "sub-1" || te.id != "req-1" || !te.grant.scopes.Has("openid") {
		t.Fatalf("access token entry: %v %+v", ok, te)
	}
	if r, err := s.GetAccessTokenSession(ctx, "at-1", nil); err != nil || r.GetID() != "req-1" || len(r.GetRequestForm()) != 0 {
		t.Errorf("access token as fosite sees it: %v %+v", err, r)
	}
	if err := s.RevokeAccessToken(ctx, "req-1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.accessEntry("at-1"); ok {
		t.Error("revoked by request ID, the token is still there")
	}

	_ = s.CreateAccessTokenSession(ctx, "at-2", tr)
	s.sweep(now.Add(AccessTokenTTL + time.Second))
	for name, n := range map[string]int{"codes": s.codes.Len(), "access": s.access.Len(), "revoked": s.revoked.Len()} {
		if n != 0 {
			t.Errorf("after expiry, %d %s left", n, name)
		}
	}
}

// TestSSOCookie: the session is in its cookie, which a changed byte,
// a logout or a reset ends.
func TestSSOCookie(t *testing.T) {
	var s ssoSessions
	start := time.Unix(1_800_000_000, 123)
	v := s.cookie("angela.test", start)
	if got, _, ok := s.open(v); !ok || got.login != "angela.test" || !got.created.Equal(start) {
		t.Fatalf("open: %v %+v", ok, got)
	}
	for _, bad := range []string{"", ".", v[:len(v)-1], "x" + v, v + "x", s.cookie("other", start)[:10] + v[10:]} {
		if _, _, ok := s.open(bad); ok {
			t.Errorf("%q opened", bad)
		}
	}
	s.end(v)
	if _, _, ok := s.open(v); ok {
		t.Error("open after logout")
	}
	s.sweep(start.Add(ssoTTL + time.Second))
	if countEntries(&s.ended) != 0 {
		t.Error("an expired ended session is still remembered")
	}
	w := s.cookie("angela.test", start)
	s.reset()
	if _, _, ok := s.open(w); ok {
		t.Error("open after reset")
	}
}
