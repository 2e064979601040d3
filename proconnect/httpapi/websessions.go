package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// The dirigeant pages' login flows (OIDC state → what the login is for, and
// its nonce) and sessions (session ID, also the forms' CSRF token → what the
// login proved) live in the store, not in this process: a browser's next
// request may land on another replica of the core.

// flowPrefix starts the OIDC state of a dirigeant page's login; other
// states are certifications'.
const flowPrefix = "flow."

// webState is a flow or a session as stored.
type webState struct {
	Kind     flowKind             `json:"kind"`
	SIREN    string               `json:"siren"`
	AccessID string               `json:"access_id,omitempty"`
	Token    string               `json:"token,omitempty"`
	Nonce    string               `json:"nonce,omitempty"`
	Identity *proconnect.Identity `json:"identity,omitempty"`
	Created  time.Time            `json:"created"`
}

func (c *Core) putWebState(ctx context.Context, id string, s webState) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return c.store.PutWebSession(ctx, proconnect.WebSession{ID: id, Data: data, ExpiresAt: s.Created.Add(flowTTL)})
}

func decodeWebState(ws proconnect.WebSession, err error) (webState, error) {
	var s webState
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(ws.Data, &s); err != nil {
		return s, fmt.Errorf("web session %s: %w", ws.ID, err)
	}
	return s, nil
}

// putFlow keeps a login under way until its callback.
func (c *Core) putFlow(ctx context.Context, state string, f *flow) error {
	return c.putWebState(ctx, state, webState{Kind: f.kind, SIREN: f.siren, AccessID: f.accessID, Token: f.token,
		Nonce: f.nonce, Created: f.created})
}

// takeFlow returns the login of a callback's state and forgets it, so that
// a replayed callback, on any replica, finds nothing. Returns
// proconnect.ErrNotFound for a state that is no dirigeant page's.
func (c *Core) takeFlow(ctx context.Context, state string) (*flow, error) {
	if !strings.HasPrefix(state, flowPrefix) {
		return nil, proconnect.ErrNotFound
	}
	s, err := decodeWebState(c.store.TakeWebSession(ctx, state))
	if err != nil {
		return nil, err
	}
	return &flow{kind: s.Kind, siren: s.SIREN, accessID: s.AccessID, token: s.Token, nonce: s.Nonce, created: s.Created}, nil
}

func (c *Core) putSession(ctx context.Context, sid string, s *dirigeantSession) error {
	return c.putWebState(ctx, sid, webState{Kind: s.kind, SIREN: s.siren, AccessID: s.accessID, Token: s.token,
		Identity: &s.identity, Created: s.created})
}

// loadSession returns a session. Returns proconnect.ErrNotFound.
func (c *Core) loadSession(ctx context.Context, sid string) (*dirigeantSession, error) {
	s, err := decodeWebState(c.store.WebSession(ctx, sid))
	if err != nil {
		return nil, err
	}
	d := &dirigeantSession{kind: s.Kind, siren: s.SIREN, accessID: s.AccessID, token: s.Token, created: s.Created}
	if s.Identity != nil {
		d.identity = *s.Identity
	}
	return d, nil
}

// dropSession ends a session once its work is done.
func (c *Core) dropSession(ctx context.Context, sid string) {
	if err := c.store.DeleteWebSession(ctx, sid); err != nil {
		c.log.Warn("end of a dirigeant session", "err", err)
	}
}

// sweep forgets dirigeant logins and sessions past their lifetime, on the
// core's clock.
func (c *Core) sweep(ctx context.Context) {
	if _, err := c.store.PurgeWebSessions(ctx, c.kit.Clock.Now()); err != nil {
		c.log.Warn("web session sweep", "err", err)
	}
}

// leased says whether this replica runs the periodic job name now: it takes
// the job's lease in the store for most of the period, so that replicas
// ticking at other moments of the period find it held. On real time, not
// the sandbox clock: the lease spaces timers. On one process (memory,
// SQLite) the lease is always free at each tick.
func (c *Core) leased(ctx context.Context, name string, period time.Duration) bool {
	c.refreshControl(ctx) // the job reads the clocks another replica may have moved
	now := time.Now()
	ok, err := c.store.TryLease(ctx, name, now, now.Add(period*9/10))
	if err != nil {
		c.log.Warn("lease", "job", name, "err", err)
		return false
	}
	return ok
}
