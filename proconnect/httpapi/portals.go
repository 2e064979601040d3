package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// portals is the core's copy of the "base des accès": fixtures, completed at
// run time by the control API (a portal team registering its portal under
// test). Run-time registrations live in the store, so that every replica
// of the core knows a portal registered through any of them, and a restart
// on a durable store keeps them.
type portals struct {
	fixture   map[string]fixtures.Portal
	store     proconnect.SharedState
	portalURL string
}

func newPortals(list []fixtures.Portal, portalURL string, store proconnect.SharedState) *portals {
	p := &portals{fixture: map[string]fixtures.Portal{}, portalURL: portalURL, store: store}
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

// get returns a portal from the fixtures or, failing that, from the
// run-time registrations. ok is false for an unknown portal; err is the
// store's failure (the portal may exist).
func (p *portals) get(ctx context.Context, id string) (x fixtures.Portal, ok bool, err error) {
	if x, ok := p.fixture[id]; ok {
		return x, true, nil
	}
	data, err := p.store.Portal(ctx, id)
	switch {
	case errors.Is(err, proconnect.ErrNotFound):
		return x, false, nil
	case err != nil:
		return x, false, fmt.Errorf("portal %s: %w", id, err)
	}
	if err := json.Unmarshal(data, &x); err != nil {
		return x, false, fmt.Errorf("portal %s: stored registration: %w", id, err)
	}
	return x, true, nil
}

// record returns a portal's registration record as the store keeps it
// first: a fixture portal given a control token has a run-time copy there,
// holding the token's hash (tenant.go); the fixture otherwise.
func (p *portals) record(ctx context.Context, id string) (x fixtures.Portal, ok bool, err error) {
	data, err := p.store.Portal(ctx, id)
	switch {
	case errors.Is(err, proconnect.ErrNotFound):
		x, ok = p.fixture[id]
		return x, ok, nil
	case err != nil:
		return x, false, fmt.Errorf("portal %s: %w", id, err)
	}
	if err := json.Unmarshal(data, &x); err != nil {
		return x, false, fmt.Errorf("portal %s: stored registration: %w", id, err)
	}
	return x, true, nil
}

func (p *portals) add(ctx context.Context, x fixtures.Portal) error {
	data, err := json.Marshal(p.resolve(x))
	if err != nil {
		return err
	}
	return p.store.PutPortal(ctx, x.ClientID, data)
}

func (p *portals) reset(ctx context.Context) error { return p.store.ResetPortals(ctx) }
