package sandbox

import (
	"sync/atomic"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// portalTokens lets every component of one process ask the core whether a
// portal's control token is still that portal's current one: a token the
// core retired (a new registration by the owner, a new token, a reset that
// forgets a fixture portal's token) is then refused by every component,
// not only the core. The components check a portal token's signature alone
// otherwise; in separate processes (serve per component) they still do.
type portalTokens struct {
	core atomic.Pointer[func(portal, token string) bool]
}

// current is every component's Kit.PortalTokenCurrent: the core's answer
// once the core is built, a signature well made until then (a component
// built before the core serves during the core's construction, when no
// portal token was issued yet).
func (p *portalTokens) current(portal, token string) bool {
	if f := p.core.Load(); f != nil {
		return (*f)(portal, token)
	}
	return true
}

// adopt gives kit the core's check when kit is another component's, or
// takes it from the core's kit.
func (p *portalTokens) adopt(name string, kit *control.Kit) {
	if name == "proconnect" {
		if f := kit.PortalTokenCurrent; f != nil {
			p.core.Store(&f)
		}
		return
	}
	if kit.PortalTokenCurrent == nil {
		kit.PortalTokenCurrent = p.current
	}
}
