package franceconnect

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/pkce"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// store is the in-memory fosite storage. Expiry is decided here, against the
// sandbox clock, so that fast-forwarding the clock expires codes and tokens:
// an expired code is "not found", exactly as FranceConnect says it.
type store struct {
	// now is the sandbox time as seen by one client: the global clock plus
	// the client's own offset, so that a scenario expiring its codes never
	// expires another's.
	now     func(clientID string) time.Time
	clients func(id string) (*clientEntry, bool)

	codes  shardedMap[sigKey, *codeEntry]  // signature → code
	access shardedMap[sigKey, *tokenEntry] // signature → access token
	// revoked holds the request IDs whose tokens were revoked (a replayed
	// code, the revocation endpoint), until every token they gave has
	// expired: rare, where an index from request ID to token would cost
	// every flow a map entry for the token's lifetime (issue 14).
	revoked shardedMap[requestID, int64] // request ID → expiry (Unix ns, sandbox clock)
	pkce    sync.Map                     // sigKey → fosite.Requester
	jtis    sync.Map                     // client-assertion jti → expiry (time.Time)
	scopes  scopeLists
	uris    stringTable // the codes' redirect URIs
	grants  grants

	codeTTL, accessTTL time.Duration
}

var (
	_ fosite.Storage                = (*store)(nil)
	_ oauth2.CoreStorage            = (*store)(nil)
	_ oauth2.TokenRevocationStorage = (*store)(nil)
	_ pkce.PKCERequestStorage       = (*store)(nil)
)

// codeEntry is an authorization code. Until it is exchanged it holds
// fosite's request; once exchanged, only what a replay needs is kept until
// the code expires (its request ID, to revoke the tokens it gave; its
// client and redirect_uri, for node-oidc-provider's checks): fosite's
// request and session copies, the larger part of a flow's memory, go at
// once (issue 14).
type codeEntry struct {
	id          requestID
	client      fosite.Client
	redirectURI string
	exp         int64 // Unix ns, on the client's clock
	used        atomic.Bool
	req         atomic.Pointer[heldRequest] // nil once exchanged
}

type heldRequest struct{ fosite.Requester }

// spent is what fosite is given for an exchanged code: enough to revoke
// the tokens the code gave (RFC 6749, section 4.1.2).
func (e *codeEntry) spent() fosite.Requester {
	return &fosite.Request{ID: e.id.String(), Client: e.client, Session: &session{},
		Form: url.Values{"redirect_uri": {e.redirectURI}}}
}

// tokenEntry is an access token: what userinfo and revocation need, and
// nothing else of fosite's request or of the session (its form, its
// copies, the nonce, the acr and auth_time the id_token already carried).
// Every field counts: one stays live per flow for the token's lifetime
// (64 bytes, against 128 with the grant's fields in each token and 256
// with a copy of the session; issue 14).
type tokenEntry struct {
	id      requestID         // the grant's request ID
	grant   *grant            // shared by the tokens of the same client, scopes and IdP
	exp     int64             // Unix ns, on the client's clock
	subject string            // shared (subjects)
	persona *fixtures.Persona // shared, never changed
}

// expiry returns when the token expires.
func (e *tokenEntry) expiry() time.Time { return time.Unix(0, e.exp) }

// session rebuilds what userinfo reads of the session.
func (e *tokenEntry) session() *session {
	return &session{Subject: e.subject, ClientID: e.grant.client.GetID(), Persona: e.persona, IdPID: e.grant.idpID, IdPAMR: e.grant.idpAMR}
}

// request rebuilds the fosite view of the token, for revocation.
func (e *tokenEntry) request() fosite.Requester {
	return &fosite.Request{ID: e.id.String(), Client: e.grant.client, GrantedScope: e.grant.scopes, Session: e.session(), Form: url.Values{}}
}

// errCodeConsumed marks a second use of a code caught at invalidation (two
// token requests racing with the same code): it is a client error, not a
// server one, and is answered like a reused code.
var errCodeConsumed = errors.New("authorization code already consumed")

func (s *store) GetClient(_ context.Context, id string) (fosite.Client, error) {
	c, ok := s.clients(id)
	if !ok || !c.fixture.IsActive() {
		return nil, fosite.ErrNotFound
	}
	return c.fosite, nil
}

// assertionGrace lets one token request authenticate its client twice with
// the same assertion (once before fosite, once inside NewAccessRequest)
// without the second look calling it a replay.
type assertionGrace struct {
	mu  sync.Mutex
	jti string
}

type assertionGraceKey struct{}

func withAssertionGrace(ctx context.Context) context.Context {
	return context.WithValue(ctx, assertionGraceKey{}, &assertionGrace{})
}

// graced reports whether this request already recorded jti.
func graced(ctx context.Context, jti string) bool {
	g, _ := ctx.Value(assertionGraceKey{}).(*assertionGrace)
	if g == nil || jti == "" {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.jti == jti
}

func (s *store) ClientAssertionJWTValid(ctx context.Context, jti string) error {
	if graced(ctx, jti) {
		return nil
	}
	if exp, ok := s.jtis.Load(jti); ok && exp.(time.Time).After(s.now("")) {
		return fosite.ErrJTIKnown
	}
	return nil
}

func (s *store) SetClientAssertionJWT(ctx context.Context, jti string, exp time.Time) error {
	if graced(ctx, jti) {
		return nil
	}
	if _, loaded := s.jtis.LoadOrStore(jti, exp); loaded {
		return fosite.ErrJTIKnown
	}
	if g, _ := ctx.Value(assertionGraceKey{}).(*assertionGrace); g != nil {
		g.mu.Lock()
		g.jti = jti
		g.mu.Unlock()
	}
	return nil
}

// withSession returns a copy of r carrying a private copy of its session, so
// that fosite's changes to it on one request never reach another.
func withSession(r fosite.Requester) fosite.Requester {
	c := r.Sanitize(nil).(*fosite.Request)
	c.Form = r.GetRequestForm()
	if sess, ok := r.GetSession().(*session); ok {
		c.Session = sess.Clone()
	}
	return c
}

func (s *store) CreateAuthorizeCodeSession(_ context.Context, sig string, r fosite.Requester) error {
	e := &codeEntry{id: idOf(r.GetID()), client: r.GetClient(), redirectURI: s.uris.intern(r.GetRequestForm().Get("redirect_uri")),
		exp: s.now(r.GetClient().GetID()).Add(s.codeTTL).UnixNano()}
	e.req.Store(&heldRequest{r})
	s.codes.Store(keyOf(sig), e)
	return nil
}

func (s *store) GetAuthorizeCodeSession(_ context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	e, ok := s.codeEntry(sig)
	if !ok {
		return nil, fosite.ErrNotFound
	}
	if h := e.req.Load(); h != nil && !e.used.Load() {
		return withSession(h.Requester), nil
	}
	return e.spent(), fosite.ErrInvalidatedAuthorizeCode
}

// codeEntry returns the live (unexpired) code with that signature, used or
// not, for the checks node-oidc-provider makes before fosite's.
func (s *store) codeEntry(sig string) (*codeEntry, bool) {
	e, ok := s.codes.Load(keyOf(sig))
	if !ok {
		return nil, false
	}
	if s.now(e.client.GetID()).UnixNano() > e.exp {
		return nil, false
	}
	return e, true
}

// hasChallenge reports whether the code was asked with a code_challenge
// (fosite keeps it apart from the code, under the same signature).
func (s *store) hasChallenge(sig string) bool {
	v, ok := s.pkce.Load(keyOf(sig))
	return ok && v.(fosite.Requester).GetRequestForm().Get("code_challenge") != ""
}

func (s *store) InvalidateAuthorizeCodeSession(_ context.Context, sig string) error {
	e, ok := s.codes.Load(keyOf(sig))
	if !ok {
		return fosite.ErrNotFound
	}
	if !e.used.CompareAndSwap(false, true) {
		return errCodeConsumed
	}
	// The token request that used it holds its own copies from here on.
	e.req.Store(nil)
	return nil
}

func (s *store) CreateAccessTokenSession(_ context.Context, sig string, r fosite.Requester) error {
	e := &tokenEntry{id: idOf(r.GetID()), exp: s.now(r.GetClient().GetID()).Add(s.accessTTL).UnixNano()}
	var idpID string
	var idpAMR []string
	if sess, ok := r.GetSession().(*session); ok {
		e.subject, e.persona, idpID, idpAMR = sess.Subject, sess.Persona, sess.IdPID, sess.IdPAMR
	}
	e.grant = s.grants.intern(r.GetClient(), s.scopes.intern(r.GetGrantedScopes()), idpID, idpAMR)
	s.access.Store(keyOf(sig), e)
	return nil
}

func (s *store) GetAccessTokenSession(_ context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	e, ok := s.accessEntry(sig)
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return e.request(), nil
}

// accessEntry returns the live access token with that signature.
func (s *store) accessEntry(sig string) (*tokenEntry, bool) {
	e, ok := s.access.Load(keyOf(sig))
	if !ok {
		return nil, false
	}
	if s.now(e.grant.client.GetID()).UnixNano() > e.exp {
		return nil, false
	}
	if _, revoked := s.revoked.Load(e.id); revoked {
		return nil, false
	}
	return e, true
}

func (s *store) DeleteAccessTokenSession(_ context.Context, sig string) error {
	s.access.Delete(keyOf(sig))
	return nil
}

// RevokeAccessToken revokes the tokens of a grant: they are refused from
// now on, and the sweep drops them. The mark outlives them: they expire
// within accessTTL of their issue, on a clock that only moves forward and
// that a client's offset only puts ahead.
func (s *store) RevokeAccessToken(_ context.Context, requestID string) error {
	s.revoked.Store(idOf(requestID), s.now("").Add(s.accessTTL).UnixNano())
	return nil
}

// FranceConnect issues no refresh tokens: the refresh storage is empty.

func (s *store) CreateRefreshTokenSession(context.Context, string, string, fosite.Requester) error {
	return errors.New("franceconnect issues no refresh token")
}

func (s *store) GetRefreshTokenSession(context.Context, string, fosite.Session) (fosite.Requester, error) {
	return nil, fosite.ErrNotFound
}

func (s *store) DeleteRefreshTokenSession(context.Context, string) error { return nil }

func (s *store) RotateRefreshToken(context.Context, string, string) error { return nil }

func (s *store) RevokeRefreshToken(context.Context, string) error { return nil }

func (s *store) GetPKCERequestSession(_ context.Context, sig string, _ fosite.Session) (fosite.Requester, error) {
	v, ok := s.pkce.Load(keyOf(sig))
	if !ok {
		return nil, fosite.ErrNotFound
	}
	return v.(fosite.Requester), nil
}

func (s *store) CreatePKCERequestSession(_ context.Context, sig string, r fosite.Requester) error {
	s.pkce.Store(keyOf(sig), r)
	return nil
}

func (s *store) DeletePKCERequestSession(_ context.Context, sig string) error {
	s.pkce.Delete(keyOf(sig))
	return nil
}

// sweep drops what expired before now; maybeSweep runs it in its own goroutine.
func (s *store) sweep(now time.Time) {
	s.codes.DeleteIf(func(k sigKey, e *codeEntry) bool {
		if now.UnixNano() > e.exp {
			s.pkce.Delete(k)
			return true
		}
		return false
	})
	s.access.DeleteIf(func(_ sigKey, e *tokenEntry) bool {
		if now.UnixNano() > e.exp {
			return true
		}
		_, revoked := s.revoked.Load(e.id)
		return revoked
	})
	s.revoked.DeleteIf(func(_ requestID, exp int64) bool { return now.UnixNano() > exp })
	s.jtis.Range(func(k, v any) bool {
		if now.After(v.(time.Time)) {
			s.jtis.Delete(k)
		}
		return true
	})
}

// clear forgets every code and token (control reset).
func (s *store) clear() {
	s.codes.Clear()
	s.access.Clear()
	s.revoked.Clear()
	s.scopes.clear()
	s.uris.clear()
	s.grants.clear()
	s.pkce.Clear()
	s.jtis.Clear()
}

// tokenStrategy issues FranceConnect-like opaque tokens: 32 random bytes,
// 43 characters of base64url. The token is its own signature (the sandbox
// keeps them in memory only), and validity is the store's business.
type tokenStrategy struct{}

var _ oauth2.CoreStrategy = tokenStrategy{}

func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func (tokenStrategy) generate() (string, string, error) {
	t, err := randomToken()
	return t, t, err
}

func (tokenStrategy) AccessTokenSignature(_ context.Context, t string) string { return t }
func (ts tokenStrategy) GenerateAccessToken(context.Context, fosite.Requester) (string, string, error) {
	return ts.generate()
}
func (tokenStrategy) ValidateAccessToken(context.Context, fosite.Requester, string) error { return nil }
func (tokenStrategy) RefreshTokenSignature(_ context.Context, t string) string            { return t }
func (ts tokenStrategy) GenerateRefreshToken(context.Context, fosite.Requester) (string, string, error) {
	return ts.generate()
}
func (tokenStrategy) ValidateRefreshToken(context.Context, fosite.Requester, string) error {
	return nil
}
func (tokenStrategy) AuthorizeCodeSignature(_ context.Context, t string) string { return t }
func (ts tokenStrategy) GenerateAuthorizeCode(context.Context, fosite.Requester) (string, string, error) {
	return ts.generate()
}
func (tokenStrategy) ValidateAuthorizeCode(context.Context, fosite.Requester, string) error {
	return nil
}
