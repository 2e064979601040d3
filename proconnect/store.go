package proconnect

import (
	"context"
	"time"
)

// Event is a PSP event waiting in the outbox or delivered: the claims that
// are signed at each delivery attempt (a fresh iat/exp, the same jti), and
// the state of its delivery.
type Event struct {
	ID          string         `json:"id"` // the JWT jti
	PortalID    string         `json:"portal_id"`
	Type        string         `json:"event_type"`
	Data        map[string]any `json:"data"`
	CreatedAt   time.Time      `json:"created_at"`
	Attempts    int            `json:"attempts"`
	NextAttempt time.Time      `json:"next_attempt"`
	DeliveredAt *time.Time     `json:"delivered_at,omitempty"`
	LastStatus  int            `json:"last_status,omitempty"`
	LastError   string         `json:"last_error,omitempty"`
}

// Event types (DESIGN §5).
const (
	EventCertificationCompleted = "certification.completed"
	EventDirigeantRevoked       = "dirigeant.revoked"
)

// Store keeps certifications and the event outbox. Implementations:
// inmem (the default) and sqlite (--data); both pass storetest.Run.
type Store interface {
	// CreateCertification stores a new certification. Returns ErrConflict
	// if its ID exists.
	CreateCertification(ctx context.Context, c Certification) error
	// Certification returns one certification. Returns ErrNotFound.
	Certification(ctx context.Context, id string) (Certification, error)
	// Complete stores the completed certification and queues its event, at
	// once: both or neither. Returns ErrNotFound, or ErrAlreadyComplete if
	// it was completed before (the first completion wins).
	Complete(ctx context.Context, c Certification, e Event) error
	// Revoke stores the revocation and queues its event, at once. Returns
	// ErrNotFound, or ErrConflict if already revoked.
	Revoke(ctx context.Context, c Certification, e Event) error
	// Certified lists the completed certifications still certified (or
	// closely matched) and not revoked, for the background re-check.
	Certified(ctx context.Context) ([]Certification, error)
	// DueEvents returns up to limit undelivered events whose next attempt
	// is due at now, oldest first.
	DueEvents(ctx context.Context, now time.Time, limit int) ([]Event, error)
	// UpdateEvent stores a delivery attempt's result. Returns ErrNotFound.
	UpdateEvent(ctx context.Context, e Event) error
	// Events returns up to limit events, newest first (the delivery log).
	Events(ctx context.Context, limit int) ([]Event, error)
	Close() error
}
