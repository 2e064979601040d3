package httpapi

import (
	"strings"
	"sync"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// portals is the core's copy of the "base des accès": fixtures, replaced or
// completed at run time by the control API (a portal team registering its
// portal under test).
type portals struct {
	fixture   map[string]fixtures.Portal
	runtime   sync.Map // client_id → fixtures.Portal
	portalURL string
}

func newPortals(list []fixtures.Portal, portalURL string) *portals {
	p := &portals{fixture: map[string]fixtures.Portal{}, portalURL: portalURL}
	for _, x := range list {
		p.fixture[x.ClientID] = p.resolve(x)
	}
	return p
}

// resolve replaces {portal} by the reference portal's URL.
func (p *portals) resolve(x fixtures.Portal) fixtures.Portal {
	x.EventsURL = strings.ReplaceAll(x.EventsURL, "{portal}", p.portalURL)
	return x
}

func (p *portals) get(id string) (fixtures.Portal, bool) {
	if v, ok := p.runtime.Load(id); ok {
		return v.(fixtures.Portal), true
	}
	x, ok := p.fixture[id]
	return x, ok
}

func (p *portals) add(x fixtures.Portal) { p.runtime.Store(x.ClientID, p.resolve(x)) }

func (p *portals) reset() { p.runtime.Clear() }
