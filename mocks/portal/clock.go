package portal

import (
	"net/http"
	"strings"
	"time"
)

// now is the portal's time for the events it receives: their exp and iat,
// how long it has known a jti, and the spacing of its JWKS re-reads. It is
// the sandbox clock of the portal's control kit (real time unless a test
// moved it through /__sandbox/clock), so that the conformance suite lets
// time pass for the portal (ProConnect's retries, a duplicate that comes
// later) without waiting for it.
func (p *Portal) now() time.Time {
	if p.kit.Clock == nil {
		return time.Now()
	}
	return p.kit.Clock.Now()
}

// ownClockCall says whether r, made with a portal's control token, is a
// call to this portal's clock by this portal's own team: the reference
// portal is one portal of a shared sandbox, so its clock is its client's
// scope, and the team holding that client's token may let time pass for
// it as the suites do (harness: passPortalTime) instead of waiting. Any
// other portal's token, and any other call, stays refused.
func (p *Portal) ownClockCall(r *http.Request) bool {
	if r.URL.Path != "/__sandbox/clock" || p.cfg.ClientID == "" {
		return false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	portal, ok := p.kit.PortalOf(strings.TrimLeft(token, " "))
	return ok && portal == p.cfg.ClientID
}
