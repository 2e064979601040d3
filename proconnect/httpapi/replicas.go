package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// Replicas of the core on one store (PostgreSQL) share their control
// state through it (control/replicas.go): the kit's clocks, faults and
// journal, and the core's own parts here: the delivery holds, the
// event-signing keys, and the delivery attempts' journal. A core on a
// store of its own (memory, SQLite) keeps them in memory, as before.

// storeBackend is the core's store as the kit's control.Backend.
type storeBackend struct{ proconnect.Store }

func (b storeBackend) ReadControlJournal(ctx context.Context, stream string, since uint64, keep int) ([]control.Record, error) {
	recs, err := b.ControlJournal(ctx, stream, since, keep)
	out := make([]control.Record, len(recs))
	for i, r := range recs {
		out[i] = control.Record{Seq: r.Seq, Data: r.Data}
	}
	return out, err
}

// attemptsKept is how many delivery attempts the journal keeps.
const attemptsKept = 2048

// shareControl links the core's control state to its replicas' when its
// store is one several processes open (proconnect.Replicated), or when
// the configuration asks (ShareControl: replicas in one test process).
func (c *Core) shareControl(cfg Config) {
	rs, ok := cfg.Store.(proconnect.Replicated)
	if !cfg.ShareControl && (!ok || !rs.SharedByReplicas()) {
		return
	}
	r := c.kit.Share(storeBackend{cfg.Store})
	r.Register("holds", holdsPart{c.pusher})
	r.Register("event-keys", keysPart{c.pusher.keys})
	c.pusher.shared = control.NewStream[Attempt](r, "attempts", attemptsKept)
	// the outboxes' workers act on the holds, keys and clocks too: they
	// read them afresh before each claim
	for _, claim := range []*func(context.Context, int) ([]proconnect.Event, error){&c.pusher.outbox.claim} {
		inner := *claim
		*claim = func(ctx context.Context, limit int) ([]proconnect.Event, error) {
			c.refreshControl(ctx)
			return inner(ctx, limit)
		}
	}
	mails := c.mailer.outbox.claim
	c.mailer.outbox.claim = func(ctx context.Context, limit int) ([]proconnect.Mail, error) {
		c.refreshControl(ctx)
		return mails(ctx, limit)
	}
}

// refreshControl brings the control state to the replicas' (no-op when
// the core is alone).
func (c *Core) refreshControl(ctx context.Context) {
	if r := c.kit.Replicas; r != nil {
		if err := r.Sync(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("control state of the replicas", "err", err)
		}
	}
}

// recordAttempt journals a delivery attempt: in memory, or for every
// replica.
func (p *pusher) recordAttempt(ctx context.Context, a Attempt) {
	if p.shared == nil {
		p.attempts.Add(a)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliveryTimeout)
	defer cancel()
	if err := p.shared.Add(ctx, a); err != nil {
		p.log.Error("delivery attempt not journalled", "event", a.EventID, "err", err)
	}
}

// attemptsAfter returns the attempts numbered after since that keep keeps.
func (p *pusher) attemptsAfter(ctx context.Context, since uint64, keep func(Attempt) bool) ([]Attempt, error) {
	if p.shared == nil {
		return p.attempts.Last(0, since, func(_ uint64, a Attempt) bool { return keep(a) }), nil
	}
	return p.shared.Last(ctx, since, keep)
}

// changeControl makes a change of the core's control state (every
// replica's when shared) and answers 503 when the store refused it; it
// says whether the change was made.
func (c *Core) changeControl(w http.ResponseWriter, r *http.Request, part string, change func() error) bool {
	err := c.kit.Replicas.Change(r.Context(), part, change)
	if err == nil {
		return true
	}
	control.NoteCause(r.Context(), err)
	problem.Write(w, http.StatusServiceUnavailable, "control-state-unavailable", "Control state unavailable",
		"The control state the core's replicas share could not be changed; nothing was changed. Try again.", nil)
	return false
}

// holdsPart shares the held portals.
type holdsPart struct{ p *pusher }

func (h holdsPart) Snapshot() ([]byte, error) {
	held := []string{}
	h.p.held.Range(func(k, _ any) bool { held = append(held, k.(string)); return true })
	slices.Sort(held)
	return json.Marshal(held)
}

func (h holdsPart) Restore(data []byte) error {
	var held []string
	if data != nil {
		if err := json.Unmarshal(data, &held); err != nil {
			return err
		}
	}
	// the new holds first, then the releases: a worker meanwhile never
	// sees a portal released that stays held
	for _, portal := range held {
		h.p.held.Store(portal, struct{}{})
	}
	released := false
	h.p.held.Range(func(k, _ any) bool {
		if !slices.Contains(held, k.(string)) {
			h.p.held.Delete(k)
			released = true
		}
		return true
	})
	if released {
		h.p.wake()
	}
	return nil
}

// keysPart shares which fixture key signs events (the core's and each
// portal's) and which the JWKS publishes, by kid.
type keysPart struct{ ks *eventKeys }

type keysSnapshot struct {
	Active    string            `json:"active"`
	Published []string          `json:"published"`
	Portals   map[string]string `json:"portals,omitempty"`
}

func (k keysPart) Snapshot() ([]byte, error) {
	r := k.ks.current()
	s := keysSnapshot{Active: r.active.kid, Portals: map[string]string{}}
	for _, key := range r.published {
		s.Published = append(s.Published, key.kid)
	}
	k.ks.byPortal.Range(func(p, key any) bool { s.Portals[p.(string)] = key.(*eventKey).kid; return true })
	return json.Marshal(s)
}

func (k keysPart) Restore(data []byte) error {
	ks := k.ks
	if data == nil {
		ks.reset()
		return nil
	}
	var s keysSnapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	byKid := map[string]*eventKey{}
	for _, key := range ks.all {
		byKid[key.kid] = key
	}
	active, ok := byKid[s.Active]
	if !ok {
		ks.reset() // another fixture set: start from this one's first key
		return nil
	}
	var retired []*eventKey
	for _, kid := range s.Published {
		if key, ok := byKid[kid]; ok && key != active {
			retired = append(retired, key)
		}
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if r := ks.current(); r.active != active || !slices.Equal(r.published, append([]*eventKey{active}, retired...)) {
		if err := ks.set(active, retired); err != nil {
			return err
		}
	}
	for portal, kid := range s.Portals {
		if key, ok := byKid[kid]; ok {
			ks.byPortal.Store(portal, key)
		}
	}
	ks.byPortal.Range(func(p, _ any) bool {
		if _, ok := s.Portals[p.(string)]; !ok {
			ks.byPortal.Delete(p)
		}
		return true
	})
	return nil
}
