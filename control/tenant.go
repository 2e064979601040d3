package control

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

// A shared sandbox serves many portal teams at once. The sandbox's owner
// holds the control token given at start-up (Kit.Token) and may do
// everything; a portal is given, when it is registered at the core, a
// control token of its own that reaches only its scope: the faults on its
// calls, its journal entries, its own clock where a component keeps one per
// portal, and the calls a component allows in PortalCalls. Anything else
// answers 403.
//
// A portal token is signed with a key derived from the owner token (HMAC),
// so that every component, in one process or in several containers, checks
// it without asking the core and without shared state; the core, which
// issued it, also checks that it is the portal's current one (a new
// registration replaces it: PortalTokenCurrent).

// portalTokenPrefix starts every portal token, so that a reader of a log or
// a CI secret knows what it is.
const portalTokenPrefix = "pct."

// ErrNoOwnerToken is returned by IssuePortalToken when the sandbox has no
// control token: its control API is open to all, and a portal token would
// limit nothing.
var ErrNoOwnerToken = errors.New("the sandbox has no control token: its control API is open, there is no portal token to give")

// portalKey is the HMAC key portal tokens are signed with: derived from the
// owner token, never the owner token itself.
func (k *Kit) portalKey() []byte {
	sum := sha256.Sum256([]byte("proconnect-sandbox portal control token\x00" + k.Token))
	return sum[:]
}

// IssuePortalToken returns a new control token for the portal clientID
// (shown once to whoever registered it) and the hash to keep of it
// (PortalTokenHash). Returns ErrNoOwnerToken when the sandbox has none.
func (k *Kit) IssuePortalToken(clientID string) (token, hash string, err error) {
	if k.Token == "" {
		return "", "", ErrNoOwnerToken
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return "", "", err
	}
	body := portalTokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(clientID)) + "." + base64.RawURLEncoding.EncodeToString(nonce)
	token = body + "." + base64.RawURLEncoding.EncodeToString(k.sign(body))
	return token, PortalTokenHash(token), nil
}

func (k *Kit) sign(body string) []byte {
	m := hmac.New(sha256.New, k.portalKey())
	m.Write([]byte(body))
	return m.Sum(nil)
}

// PortalTokenHash is what a component keeps of a portal token: its SHA-256,
// in hex.
func PortalTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// PortalOf returns the portal a portal token was issued to, if its signature
// is this sandbox's (and, when the kit has PortalTokenCurrent, if it is the
// portal's current token).
func (k *Kit) PortalOf(token string) (string, bool) {
	if k.Token == "" || !strings.HasPrefix(token, portalTokenPrefix) {
		return "", false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 4 {
		return "", false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil || !hmac.Equal(sig, k.sign(strings.Join(parts[:3], "."))) {
		return "", false
	}
	id, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || len(id) == 0 {
		return "", false
	}
	if k.PortalTokenCurrent != nil && !k.PortalTokenCurrent(string(id), token) {
		return "", false
	}
	return string(id), true
}

type portalScopeKey struct{}

// PortalScope returns the portal whose control token authorised the request
// ctx belongs to, or false for the owner (or an open control API).
func PortalScope(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(portalScopeKey{}).(string)
	return id, ok
}

// WithPortalScope returns ctx scoped to a portal, as Guard makes it for a
// portal token: for tests of the handlers that read PortalScope.
func WithPortalScope(ctx context.Context, portal string) context.Context {
	return context.WithValue(ctx, portalScopeKey{}, portal)
}

// portalMay says whether a portal token may make the control call r: the
// calls every kit scopes itself (journal, faults, and the clock when the
// component keeps one per portal) and those the component allows
// (PortalCalls: the reference portal lets its own client's token move its
// one clock).
func (k *Kit) portalMay(r *http.Request) bool {
	call := r.Method + " " + r.URL.Path
	switch call {
	case "GET /__sandbox/journal", "GET /__sandbox/faults", "POST /__sandbox/faults", "DELETE /__sandbox/faults":
		return true
	case "GET /__sandbox/clock", "POST /__sandbox/clock", "DELETE /__sandbox/clock":
		if k.PortalClock != nil {
			return true
		} // else the component's one clock: only if it says the portal owns it
	}
	return k.PortalCalls != nil && k.PortalCalls(r)
}

// guardPortal serves r scoped to the portal its bearer token names, or
// answers 403 for a call outside a portal's scope; ok is false when the
// bearer is no portal token of this sandbox.
func (k *Kit) guardPortal(w http.ResponseWriter, r *http.Request, next http.Handler) (ok bool) {
	scheme, credentials, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	portal, valid := k.PortalOf(strings.TrimLeft(credentials, " "))
	if !valid {
		return false
	}
	if !k.portalMay(r) {
		problem.Write(w, http.StatusForbidden, "control-scope", "Outside this portal's scope",
			"This is the control token of the portal "+portal+": it reaches only its own scope (its faults, its journal entries, its clock, its deliveries). "+
				r.Method+" "+r.URL.Path+" changes or shows what every team of this shared sandbox shares: ask the sandbox's owner (docs/bac-a-sable.md, « Bac à sable partagé »).", nil)
		return true
	}
	next.ServeHTTP(w, r.WithContext(WithPortalScope(r.Context(), portal)))
	return true
}

// ForbidOtherPortal writes a 403 problem and returns true when r is scoped
// to a portal other than portal: a handler's check on the portal a call
// names (a hold, a registration).
func ForbidOtherPortal(w http.ResponseWriter, r *http.Request, portal string) bool {
	own, scoped := PortalScope(r.Context())
	if !scoped || own == portal {
		return false
	}
	problem.Write(w, http.StatusForbidden, "control-scope", "Outside this portal's scope",
		"This is the control token of the portal "+own+": it cannot touch the portal "+portal+".", nil)
	return true
}

// PortalClocks keeps a clock per portal, each on the component's own clock:
// a portal's time is the component's time plus its own offset, so the owner
// moving the component's clock moves every portal, and a portal moving its
// own moves no other. Reading one is a sync.Map load: no lock.
type PortalClocks struct {
	base   *Clock
	clocks sync.Map // client_id → *Clock
}

// NewPortalClocks returns the portals' clocks on base.
func NewPortalClocks(base *Clock) *PortalClocks { return &PortalClocks{base: base} }

// For returns the portal's own clock, made on first use.
func (p *PortalClocks) For(portal string) *Clock {
	if c, ok := p.clocks.Load(portal); ok {
		return c.(*Clock)
	}
	c, _ := p.clocks.LoadOrStore(portal, NewClock(p.base.Now))
	return c.(*Clock)
}

// Now returns the portal's time: the component's when the portal never
// moved its own clock.
func (p *PortalClocks) Now(portal string) time.Time {
	if c, ok := p.clocks.Load(portal); ok {
		return c.(*Clock).Now()
	}
	return p.base.Now()
}

// Latest returns the latest of every portal's time and the component's: a
// sweep lists what may have expired before it, then judges each item on its
// portal's own time.
func (p *PortalClocks) Latest() time.Time {
	now := p.base.Now()
	var ahead time.Duration
	p.clocks.Range(func(_, c any) bool {
		ahead = max(ahead, c.(*Clock).Offset())
		return true
	})
	return now.Add(ahead)
}

// Reset puts every portal's clock back on the component's.
func (p *PortalClocks) Reset() { p.clocks.Clear() }

// PortalHeader names, in a mail the core sends for a portal (an access
// request filed through it), that portal: the mail catcher shows a portal's
// token only its own mail, and a mail outage of a portal refuses only its
// mail. A header of the sandbox's own: ProConnect sends none.
const PortalHeader = "X-Sandbox-Portal"

// RequireTokenOrPortal is RequireToken that also lets a portal's token
// through, scoped to its portal (PortalScope): for routes outside
// /__sandbox/ that show what a shared sandbox holds, each of which then
// shows a portal only its own.
func (k *Kit) RequireTokenOrPortal(next http.Handler) http.Handler {
	if k.Token == "" {
		return next
	}
	guarded := k.RequireToken(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !k.Authorized(r) {
			scheme, credentials, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			if portal, ok := k.PortalOf(strings.TrimLeft(credentials, " ")); ok && strings.EqualFold(scheme, "Bearer") {
				next.ServeHTTP(w, r.WithContext(WithPortalScope(r.Context(), portal)))
				return
			}
		}
		guarded.ServeHTTP(w, r)
	})
}
