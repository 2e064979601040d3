package proconnect

import "time"

// PortalClock gives each portal its own time. A shared sandbox serves
// many portal teams at once: a team that makes a week pass for its portal
// (to see its access requests expire) must not expire another team's.
// Certifications and access requests are dated, and expire, on their
// portal's time; events and mails wait on the component's (Service.Now),
// which the pusher and the mailer use.
type PortalClock interface {
	// Now returns the portal's time.
	Now(portalID string) time.Time
	// Latest returns the latest of every portal's time and the
	// component's: a sweep lists what may have expired before it, then
	// judges each item on its own portal's time.
	Latest() time.Time
}

func (s *Service) nowFor(portalID string) time.Time {
	if s.Portals == nil {
		return s.Now()
	}
	return s.Portals.Now(portalID)
}

func (s *Service) latest() time.Time {
	if s.Portals == nil {
		return s.Now()
	}
	return s.Portals.Latest()
}
