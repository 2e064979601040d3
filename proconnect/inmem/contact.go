package inmem

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

func (s *Store) AddEvents(_ context.Context, events []proconnect.Event) error {
	for _, e := range events {
		s.addEvent(e)
	}
	return nil
}

func (s *Store) PortalsForSIREN(_ context.Context, siren string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	s.certs.Range(func(_, v any) bool {
		c := v.(*proconnect.Certification)
		if c.SIREN == siren && c.Status == proconnect.StatusCompleted && !seen[c.PortalID] {
			seen[c.PortalID] = true
			out = append(out, c.PortalID)
		}
		return true
	})
	slices.Sort(out)
	return out, nil
}

func (s *Store) AddMail(_ context.Context, m proconnect.Mail) error {
	s.putMail(m)
	return nil
}

func (s *Store) ClaimMails(_ context.Context, now time.Time, lease time.Duration, limit int) ([]proconnect.Mail, error) {
	return claim(&s.unsent, &s.mails, limit,
		func(m *proconnect.Mail) bool { return !m.Done() && !m.NextAttempt.After(now) },
		func(m *proconnect.Mail) time.Time { return m.CreatedAt },
		func(m proconnect.Mail) (string, proconnect.Mail) { m.NextAttempt = now.Add(lease); return m.ID, m }), nil
}

func (s *Store) UpdateMail(_ context.Context, m proconnect.Mail) error {
	if _, ok := s.mails.Load(m.ID); !ok {
		return proconnect.ErrNotFound
	}
	s.putMail(m)
	return nil
}

func (s *Store) Mails(_ context.Context, limit int) ([]proconnect.Mail, error) {
	var out []proconnect.Mail
	s.mails.Range(func(_, v any) bool { out = append(out, *v.(*proconnect.Mail)); return true })
	slices.SortFunc(out, func(a, b proconnect.Mail) int { return b.CreatedAt.Compare(a.CreatedAt) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *Store) CreateContactVerification(_ context.Context, v proconnect.ContactVerification, m proconnect.Mail) error {
	if _, loaded := s.contacts.LoadOrStore(v.ID, &v); loaded {
		return proconnect.ErrConflict
	}
	s.putMail(m)
	return nil
}

func (s *Store) ContactVerification(_ context.Context, id string) (proconnect.ContactVerification, error) {
	v, ok := s.contacts.Load(id)
	if !ok {
		return proconnect.ContactVerification{}, proconnect.ErrNotFound
	}
	return *v.(*proconnect.ContactVerification), nil
}

func (s *Store) UseContactVerification(_ context.Context, id string, now time.Time) (proconnect.ContactVerification, error) {
	for {
		v, ok := s.contacts.Load(id)
		if !ok {
			return proconnect.ContactVerification{}, proconnect.ErrNotFound
		}
		cur := *v.(*proconnect.ContactVerification)
		switch {
		case cur.UsedAt != nil:
			return cur, proconnect.ErrConflict
		case now.After(cur.ExpiresAt):
			return cur, proconnect.ErrExpired
		}
		next := cur
		next.UsedAt = &now
		if s.contacts.CompareAndSwap(id, v, &next) {
			return next, nil
		}
	}
}

func accessKey(portal, siren, email string) string {
	return portal + "|" + siren + "|" + strings.ToLower(email)
}

func (s *Store) CreateAccessRequest(_ context.Context, a proconnect.AccessRequest, m proconnect.Mail) error {
	key := accessKey(a.PortalID, a.SIREN, a.Collaborator.Email)
	for {
		prev, loaded := s.pendingAccess.LoadOrStore(key, a.ID)
		if !loaded {
			break
		}
		if v, ok := s.access.Load(prev); ok && v.(*proconnect.AccessRequest).Status == proconnect.AccessPending {
			return proconnect.ErrConflict // one is pending: the caller answers it
		}
		if s.pendingAccess.CompareAndSwap(key, prev, a.ID) {
			break // the key pointed at a decided request
		}
	}
	if _, loaded := s.access.LoadOrStore(a.ID, &a); loaded {
		s.pendingAccess.CompareAndDelete(key, a.ID)
		return proconnect.ErrConflict
	}
	s.putMail(m)
	return nil
}

func (s *Store) AccessRequest(_ context.Context, id string) (proconnect.AccessRequest, error) {
	v, ok := s.access.Load(id)
	if !ok {
		return proconnect.AccessRequest{}, proconnect.ErrNotFound
	}
	return *v.(*proconnect.AccessRequest), nil
}

func (s *Store) PendingAccessRequest(ctx context.Context, portalID, siren, email string) (proconnect.AccessRequest, error) {
	id, ok := s.pendingAccess.Load(accessKey(portalID, siren, email))
	if !ok {
		return proconnect.AccessRequest{}, proconnect.ErrNotFound
	}
	a, err := s.AccessRequest(ctx, id.(string))
	if err != nil || a.Status != proconnect.AccessPending {
		return proconnect.AccessRequest{}, proconnect.ErrNotFound
	}
	return a, nil
}

func (s *Store) DecideAccessRequest(_ context.Context, a proconnect.AccessRequest, e proconnect.Event) error {
	for {
		v, ok := s.access.Load(a.ID)
		if !ok {
			return proconnect.ErrNotFound
		}
		if v.(*proconnect.AccessRequest).Status != proconnect.AccessPending {
			return proconnect.ErrConflict
		}
		next := a
		if s.access.CompareAndSwap(a.ID, v, &next) {
			s.pendingAccess.CompareAndDelete(accessKey(a.PortalID, a.SIREN, a.Collaborator.Email), a.ID)
			s.addEvent(e)
			return nil
		}
	}
}

func (s *Store) ExpiredAccessRequests(_ context.Context, now time.Time) ([]proconnect.AccessRequest, error) {
	var out []proconnect.AccessRequest
	s.access.Range(func(_, v any) bool {
		if a := *v.(*proconnect.AccessRequest); a.Status == proconnect.AccessPending && now.After(a.ExpiresAt) {
			out = append(out, a)
		}
		return true
	})
	return out, nil
}

// putMail stores m and keeps the unsent index in step.
func (s *Store) putMail(m proconnect.Mail) {
	s.mails.Store(m.ID, &m)
	if !m.Done() {
		s.unsent.Store(m.ID, struct{}{})
	} else {
		s.unsent.Delete(m.ID)
	}
}
