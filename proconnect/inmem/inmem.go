// Package inmem is the in-memory Store of the ProConnect core: the default,
// fast, and gone at exit. It takes no store-wide lock on the request path:
// each certification is replaced by compare-and-swap.
package inmem

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// Store is an in-memory proconnect.Store.
type Store struct {
	certs   sync.Map // id → *proconnect.Certification (immutable snapshots)
	events  sync.Map // id → *proconnect.Event
	pending sync.Map // id of undelivered events → struct{}

	mails         sync.Map // id → *proconnect.Mail
	unsent        sync.Map // id → struct{}: the outbox's due scan reads only these
	contacts      sync.Map // id → *proconnect.ContactVerification
	access        sync.Map // id → *proconnect.AccessRequest
	pendingAccess sync.Map // portal|siren|email → id of the pending request

	shared  shared
	control controlState
}

var _ proconnect.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{} }

func clone(c proconnect.Certification) *proconnect.Certification { return &c }

func (s *Store) CreateCertification(_ context.Context, c proconnect.Certification) error {
	if _, loaded := s.certs.LoadOrStore(c.ID, clone(c)); loaded {
		return proconnect.ErrConflict
	}
	return nil
}

func (s *Store) Certification(_ context.Context, id string) (proconnect.Certification, error) {
	v, ok := s.certs.Load(id)
	if !ok {
		return proconnect.Certification{}, proconnect.ErrNotFound
	}
	return *v.(*proconnect.Certification), nil
}

func (s *Store) swap(id string, ok func(old proconnect.Certification) error, next proconnect.Certification, e proconnect.Event) error {
	for {
		v, found := s.certs.Load(id)
		if !found {
			return proconnect.ErrNotFound
		}
		if err := ok(*v.(*proconnect.Certification)); err != nil {
			return err
		}
		if s.certs.CompareAndSwap(id, v, clone(next)) {
			s.addEvent(e)
			return nil
		}
	}
}

func (s *Store) Complete(_ context.Context, c proconnect.Certification, e proconnect.Event) error {
	return s.swap(c.ID, func(old proconnect.Certification) error {
		if old.Status == proconnect.StatusCompleted {
			return proconnect.ErrAlreadyComplete
		}
		return nil
	}, c, e)
}

func (s *Store) Revoke(_ context.Context, c proconnect.Certification, e proconnect.Event) error {
	return s.swap(c.ID, func(old proconnect.Certification) error {
		if old.RevokedAt != nil {
			return proconnect.ErrConflict
		}
		return nil
	}, c, e)
}

func (s *Store) addEvent(e proconnect.Event) {
	s.events.Store(e.ID, &e)
	if !e.Done() {
		s.pending.Store(e.ID, struct{}{})
	}
}

func (s *Store) Certified(context.Context) ([]proconnect.Certification, error) {
	var out []proconnect.Certification
	s.certs.Range(func(_, v any) bool {
		if c := *v.(*proconnect.Certification); c.Certified() {
			out = append(out, c)
		}
		return true
	})
	slices.SortFunc(out, func(a, b proconnect.Certification) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

func (s *Store) ClaimEvents(_ context.Context, now time.Time, lease time.Duration, limit int) ([]proconnect.Event, error) {
	return claim(&s.pending, &s.events, limit,
		func(e *proconnect.Event) bool { return !e.Done() && !e.NextAttempt.After(now) },
		func(e *proconnect.Event) time.Time { return e.CreatedAt },
		func(e proconnect.Event) (string, proconnect.Event) { e.NextAttempt = now.Add(lease); return e.ID, e }), nil
}

// claim leases up to limit due items of an outbox, oldest first: items maps
// an ID to an immutable *T, index lists the IDs worth a look; relet returns
// an item's ID and its copy with the lease's next attempt. Each item is
// swapped for its leased copy; the swap fails when another claim or an
// update came first, and the item is then left to them.
func claim[T any](index, items *sync.Map, limit int, due func(*T) bool, created func(*T) time.Time, relet func(T) (string, T)) []T {
	var found []*T
	index.Range(func(k, _ any) bool {
		if v, ok := items.Load(k); ok && due(v.(*T)) {
			found = append(found, v.(*T))
		}
		return true
	})
	slices.SortFunc(found, func(a, b *T) int { return created(a).Compare(created(b)) })
	var out []T
	for _, old := range found {
		if len(out) == limit {
			break
		}
		id, leased := relet(*old)
		if items.CompareAndSwap(id, old, &leased) {
			out = append(out, leased)
		}
	}
	return out
}

func (s *Store) UpdateEvent(_ context.Context, e proconnect.Event) error {
	if _, ok := s.events.Load(e.ID); !ok {
		return proconnect.ErrNotFound
	}
	s.events.Store(e.ID, &e)
	if e.Done() {
		s.pending.Delete(e.ID)
	}
	return nil
}

func (s *Store) PurgeOutbox(_ context.Context, before time.Time) (int, error) {
	n := 0
	s.events.Range(func(k, v any) bool {
		if e := v.(*proconnect.Event); e.Done() && e.CreatedAt.Before(before) && s.events.CompareAndDelete(k, v) {
			n++
		}
		return true
	})
	s.mails.Range(func(k, v any) bool {
		if m := v.(*proconnect.Mail); m.Done() && m.CreatedAt.Before(before) && s.mails.CompareAndDelete(k, v) {
			n++
		}
		return true
	})
	return n, nil
}

func (s *Store) Events(_ context.Context, limit int) ([]proconnect.Event, error) {
	var out []proconnect.Event
	s.events.Range(func(_, v any) bool { out = append(out, *v.(*proconnect.Event)); return true })
	slices.SortFunc(out, func(a, b proconnect.Event) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *Store) Close() error { return nil }
