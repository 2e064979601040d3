package proconnect

import (
	"context"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
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
	// AbandonedAt is when the core stopped trying (RetryWindow after
	// CreatedAt, the portal never having accepted it).
	AbandonedAt *time.Time `json:"abandoned_at,omitempty"`
	LastStatus  int        `json:"last_status,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
}

// Done says that the event needs no more attempt: delivered, or abandoned.
func (e Event) Done() bool { return e.DeliveredAt != nil || e.AbandonedAt != nil }

// RetryWindow is how long the outboxes keep trying an event or a mail after
// it was created; then it is abandoned. It stays well within the seven days
// portals keep the jti they have seen, so a jti never comes back to a portal
// that has forgotten it.
const RetryWindow = 72 * time.Hour

// Retention is how long a delivered, sent or abandoned event or mail stays
// in the store (its log) after it was created; PurgeOutbox removes it then.
const Retention = 30 * 24 * time.Hour

// Event types (docs/api-proconnect.md, « Événements »; pspevent is the
// contract).
const (
	EventCertificationCompleted = pspevent.CertificationCompleted
	EventDirigeantRevoked       = pspevent.DirigeantRevoked
)

// Store keeps certifications and the event outbox, and the state replicas
// share. Implementations: inmem (the default), sqlite (--data) and postgres
// (--database); all pass storetest.Run.
type Store interface {
	SharedState
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
	// ClaimEvents takes up to limit undelivered events due at now, oldest
	// first, for one delivery attempt each: in the same step it moves their
	// next attempt to now+lease, so no later call (of this process or
	// another) takes them again while they are being delivered. The
	// attempt's UpdateEvent then says when the next one is due; an attempt
	// that never reports (a crash) is retried once the lease ends.
	ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Event, error)
	// UpdateEvent stores a delivery attempt's result. Returns ErrNotFound.
	UpdateEvent(ctx context.Context, e Event) error
	// Events returns up to limit events, newest first (the delivery log).
	Events(ctx context.Context, limit int) ([]Event, error)
	// AddEvents queues events that no other change carries.
	AddEvents(ctx context.Context, events []Event) error
	// PortalsForSIREN lists the portals that completed a certification for
	// siren (the portals concerned by its contact email).
	PortalsForSIREN(ctx context.Context, siren string) ([]string, error)

	// AddMail queues a mail.
	AddMail(ctx context.Context, m Mail) error
	// ClaimMails takes up to limit unsent mails due at now, oldest first,
	// as ClaimEvents does.
	ClaimMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Mail, error)
	// UpdateMail records a sending attempt. Returns ErrNotFound.
	UpdateMail(ctx context.Context, m Mail) error
	// Mails returns up to limit mails, newest first (the sending log).
	Mails(ctx context.Context, limit int) ([]Mail, error)
	// PurgeOutbox removes the events and mails that are done (delivered,
	// sent or abandoned) and were created before before; it returns how
	// many went. What is not done stays, whatever its age.
	PurgeOutbox(ctx context.Context, before time.Time) (int, error)

	// CreateContactVerification stores a pending verification and queues its
	// mail, at once.
	CreateContactVerification(ctx context.Context, v ContactVerification, m Mail) error
	// ContactVerification returns one. Returns ErrNotFound.
	ContactVerification(ctx context.Context, id string) (ContactVerification, error)
	// UseContactVerification marks it used at now, once. Returns
	// ErrNotFound, ErrConflict if already used, ErrExpired past its expiry.
	UseContactVerification(ctx context.Context, id string, now time.Time) (ContactVerification, error)

	// CreateAccessRequest stores a request and queues its mail, at once.
	// Returns ErrConflict, storing nothing, when the ID exists or a request
	// of the same portal for the same SIREN and email (any case) is pending.
	CreateAccessRequest(ctx context.Context, a AccessRequest, m Mail) error
	// AccessRequest returns one. Returns ErrNotFound.
	AccessRequest(ctx context.Context, id string) (AccessRequest, error)
	// PendingAccessRequest returns the pending request of a portal for a
	// company and a collaborator's email. Returns ErrNotFound.
	PendingAccessRequest(ctx context.Context, portalID, siren, email string) (AccessRequest, error)
	// DecideAccessRequest stores the decided request and queues its event,
	// at once, if it was still pending. Returns ErrNotFound, or ErrConflict
	// when it was already decided (or expired).
	DecideAccessRequest(ctx context.Context, a AccessRequest, e Event) error
	// ExpiredAccessRequests lists pending requests past their expiry at now.
	ExpiredAccessRequests(ctx context.Context, now time.Time) ([]AccessRequest, error)
	Close() error
}
