package franceconnect

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/randid"
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

	reqID := randid.New()
	ar := fosite.NewAuthorizeRequest()
	ar.ID, ar.Client = reqID, client
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
	if !errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) || got.GetID() != reqID || got.GetClient().GetID() != "sandbox-fs" ||
		got.GetRequestForm().Get("redirect_uri") != "http://localhost:8080/callback" {
		t.Errorf("replayed code: %v, request %q client %q", err, got.GetID(), got.GetClient().GetID())
	}
	if err := s.InvalidateAuthorizeCodeSession(ctx, "code-1"); !errors.Is(err, errCodeConsumed) {
		t.Errorf("second invalidation: %v", err)
	}

	tr := fosite.NewAccessRequest(&session{Subject: "sub-1"})
	tr.ID, tr.Client = reqID, client
	tr.Form = url.Values{"client_secret": {"x"}, "code": {"code-1"}}
	tr.GrantScope("openid")
	tr.Session.SetExpiresAt(fosite.AccessToken, now.Add(time.Minute))
	if err := s.CreateAccessTokenSession(ctx, "at-1", tr); err != nil {
		t.Fatal(err)
	}
	te, ok := s.accessEntry("at-1")
	if !ok || te.subject != "sub-1" || te.id != idOf(reqID) || !te.grant.scopes.Has("openid") {
		t.Fatalf("access token entry: %v %+v", ok, te)
	}
	if r, err := s.GetAccessTokenSession(ctx, "at-1", nil); err != nil || r.GetID() != reqID || len(r.GetRequestForm()) != 0 {
		t.Errorf("access token as fosite sees it: %v %+v", err, r)
	}
	if err := s.RevokeAccessToken(ctx, reqID); err != nil {
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

// TestSignatureKeys: codes and tokens are keyed by the bytes their text
// carries; a text that only differs in base64url's unused bits, or that
// is not a token of this mock at all, matches nothing issued.
func TestSignatureKeys(t *testing.T) {
	tok, err := randomToken()
	if err != nil {
		t.Fatal(err)
	}
	if keyOf(tok) != keyOf(strings.Clone(tok)) {
		t.Fatal("the same token gives two keys")
	}
	// The last of 43 characters carries 4 bits and 2 unused ones.
	last := strings.IndexByte(base64URLAlphabet, tok[42])
	twin := tok[:42] + string(base64URLAlphabet[last^1])
	if keyOf(twin) == keyOf(tok) {
		t.Errorf("%s (unused bits changed) has the key of %s", twin, tok)
	}
	if keyOf(tok+"A") == keyOf(tok) || keyOf(tok[:42]) == keyOf(tok) || keyOf(strings.Repeat("A", 4096)) == keyOf(tok) {
		t.Error("a longer or shorter text has the token's key")
	}
	if keyOf("code-1") == keyOf("code-2") || keyOf("code-1") != keyOf("code-1") {
		t.Error("texts that are not tokens are not keyed apart")
	}
	if n := testing.AllocsPerRun(100, func() { _ = keyOf(tok) }); n != 0 {
		t.Errorf("keyOf allocates %v times", n)
	}
	// Request IDs: the text fosite gets back gives the same key again,
	// whatever the ID's shape.
	for _, id := range []string{randid.New(), "req-1", strings.Repeat("é", 11)} {
		if k := idOf(id); idOf(k.String()) != k {
			t.Errorf("request ID %q: %q does not give the same key", id, k.String())
		}
	}
	if id := randid.New(); idOf(id).String() != id {
		t.Errorf("request ID %q comes back as %q", id, idOf(id).String())
	}
}

const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
