package franceconnect

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"github.com/ory/fosite"
)

// valueClient is a fosite client that is not a pointer, nor comparable:
// as a map key, it would panic.
type valueClient struct {
	id   string
	uris []string
}

func (c valueClient) GetID() string                      { return c.id }
func (c valueClient) GetHashedSecret() []byte            { return nil }
func (c valueClient) GetRedirectURIs() []string          { return c.uris }
func (c valueClient) GetGrantTypes() fosite.Arguments    { return nil }
func (c valueClient) GetResponseTypes() fosite.Arguments { return nil }
func (c valueClient) GetScopes() fosite.Arguments        { return nil }
func (c valueClient) IsPublic() bool                     { return false }
func (c valueClient) GetAudience() fosite.Arguments      { return nil }

// TestGrantsAreSharedByIdentity: the access tokens of one client, interned
// scope list and identity provider share one grant; another client object
// (one replaced at run time, under the same ID), list or provider gets its
// own; a client that is not a pointer is never a key; a reset forgets them.
func TestGrantsAreSharedByIdentity(t *testing.T) {
	var s store
	low, plus := []string{"fc", "pwd"}, []string{"fc", "mfa"}
	c1 := &fosite.DefaultClient{ID: "sandbox-fs"}
	c1bis := &fosite.DefaultClient{ID: "sandbox-fs"}
	openid := s.scopes.intern([]string{"openid", "email"})
	g := s.grants.intern(c1, openid, "fip1-low", low)
	if g.client != c1 || !g.scopes.Has("email") || g.idpID != "fip1-low" || len(g.idpAMR) != 2 {
		t.Fatalf("grant %+v", g)
	}
	if again := s.grants.intern(c1, s.scopes.intern([]string{"openid", "email"}), "fip1-low", low); again != g {
		t.Error("the same client, list and provider do not share their grant")
	}
	for name, other := range map[string]*grant{
		"client replaced": s.grants.intern(c1bis, openid, "fip1-low", low),
		"other scopes":    s.grants.intern(c1, s.scopes.intern([]string{"openid"}), "fip1-low", low),
		"other provider":  s.grants.intern(c1, openid, "eidas-bridge", low),
		"other amr":       s.grants.intern(c1, openid, "fip1-low", plus),
	} {
		if other == g {
			t.Errorf("%s: the same grant", name)
		}
	}
	if got := s.grants.intern(c1bis, openid, "fip1-low", low); got.client != c1bis {
		t.Error("a replaced client's tokens name the old client")
	}
	v := valueClient{id: "by-value", uris: []string{"http://localhost/cb"}}
	if a, b := s.grants.intern(v, openid, "x", nil), s.grants.intern(v, openid, "x", nil); a == b || a.client.GetID() != "by-value" {
		t.Error("a client that is not a pointer was interned")
	}
	s.clear()
	if s.grants.intern(c1, openid, "fip1-low", low) == g {
		t.Error("a reset kept the grants")
	}
}

// TestAccessTokenEntryReadsItsGrant: a token keeps its grant's client,
// scopes and provider, expires on its client's clock and is revoked by
// its request ID, whatever other tokens share its grant.
func TestAccessTokenEntryReadsItsGrant(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &store{now: func(string) time.Time { return now }, codeTTL: CodeTTL, accessTTL: AccessTokenTTL}
	ctx := context.Background()
	client := &fosite.DefaultClient{ID: "sandbox-fs"}
	amr := []string{"fc"} // the profile's, shared by its sessions
	issue := func(sig, id string) {
		t.Helper()
		tr := fosite.NewAccessRequest(&session{Subject: "sub-" + id, IdPID: "fip1-low", IdPAMR: amr})
		tr.ID, tr.Client = id, client
		tr.GrantScope("openid")
		tr.GrantScope("email")
		if err := s.CreateAccessTokenSession(ctx, sig, tr); err != nil {
			t.Fatal(err)
		}
	}
	issue("at-1", "req-1")
	issue("at-2", "req-2")
	e1, ok1 := s.accessEntry("at-1")
	e2, ok2 := s.accessEntry("at-2")
	if !ok1 || !ok2 || e1.grant != e2.grant {
		t.Fatalf("two tokens of the same grant: %v %v, shared %v", ok1, ok2, ok1 && ok2 && e1.grant == e2.grant)
	}
	sess := e1.session()
	if sess.Subject != "sub-req-1" || sess.ClientID != "sandbox-fs" || sess.IdPID != "fip1-low" || len(sess.IdPAMR) != 1 {
		t.Errorf("session %+v", sess)
	}
	r, err := s.GetAccessTokenSession(ctx, "at-1", nil)
	// "req-1" is not of randid's shape: it comes back as its key's text.
	if err != nil || r.GetID() != idOf("req-1").String() || r.GetClient() != client || !r.GetGrantedScopes().Has("openid", "email") {
		t.Errorf("as fosite sees it: %v %+v", err, r)
	}
	if err := s.RevokeAccessToken(ctx, "req-1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.accessEntry("at-1"); ok {
		t.Error("revoked, the token still answers")
	}
	if _, ok := s.accessEntry("at-2"); !ok {
		t.Error("revoking one grant's tokens revoked another sharing its grant")
	}
	now = now.Add(AccessTokenTTL + time.Nanosecond)
	if _, ok := s.accessEntry("at-2"); ok {
		t.Error("expired, the token still answers")
	}
}

// TestTokenEntrySize: one token entry stays live per flow for a minute;
// a field added to it costs every flow (issue 14).
func TestTokenEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(tokenEntry{}); n > 64 {
		t.Errorf("a token entry takes %d bytes, more than 64: can what was added be shared (grant) instead?", n)
	}
}
