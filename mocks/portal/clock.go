package portal

import "time"

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
