package inmem

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// shared is the in-memory proconnect.SharedState: one process, so a lease is
// only ever contended by this process's own timers.
type shared struct {
	portals  sync.Map // client_id → []byte
	sessions sync.Map // id → *proconnect.WebSession (pointers: CompareAndDelete compares them)
	mu       sync.Mutex
	leases   map[string]time.Time // name → until
}

func (s *Store) PutPortal(_ context.Context, clientID string, registration []byte) error {
	s.shared.portals.Store(clientID, slices.Clone(registration))
	return nil
}

func (s *Store) Portal(_ context.Context, clientID string) ([]byte, error) {
	v, ok := s.shared.portals.Load(clientID)
	if !ok {
		return nil, proconnect.ErrNotFound
	}
	return slices.Clone(v.([]byte)), nil
}

func (s *Store) ResetPortals(context.Context) error {
	s.shared.portals.Clear()
	return nil
}

func (s *Store) PutWebSession(_ context.Context, ws proconnect.WebSession) error {
	ws.Data = slices.Clone(ws.Data)
	if _, loaded := s.shared.sessions.LoadOrStore(ws.ID, &ws); loaded {
		return proconnect.ErrConflict
	}
	return nil
}

func (s *Store) WebSession(_ context.Context, id string) (proconnect.WebSession, error) {
	v, ok := s.shared.sessions.Load(id)
	if !ok {
		return proconnect.WebSession{}, proconnect.ErrNotFound
	}
	ws := *v.(*proconnect.WebSession)
	ws.Data = slices.Clone(ws.Data)
	return ws, nil
}

func (s *Store) TakeWebSession(_ context.Context, id string) (proconnect.WebSession, error) {
	v, ok := s.shared.sessions.LoadAndDelete(id)
	if !ok {
		return proconnect.WebSession{}, proconnect.ErrNotFound
	}
	return *v.(*proconnect.WebSession), nil
}

func (s *Store) DeleteWebSession(_ context.Context, id string) error {
	s.shared.sessions.Delete(id)
	return nil
}

func (s *Store) PurgeWebSessions(_ context.Context, before time.Time) (int, error) {
	n := 0
	s.shared.sessions.Range(func(k, v any) bool {
		if v.(*proconnect.WebSession).ExpiresAt.Before(before) && s.shared.sessions.CompareAndDelete(k, v) {
			n++
		}
		return true
	})
	return n, nil
}

func (s *Store) TryLease(_ context.Context, name string, now, until time.Time) (bool, error) {
	s.shared.mu.Lock()
	defer s.shared.mu.Unlock()
	if held, ok := s.shared.leases[name]; ok && held.After(now) {
		return false, nil
	}
	if s.shared.leases == nil {
		s.shared.leases = map[string]time.Time{}
	}
	s.shared.leases[name] = until
	return true, nil
}
