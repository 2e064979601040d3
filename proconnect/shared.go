package proconnect

import (
	"context"
	"time"
)

// WebSession is short-lived browser state of the core's own pages: a
// FranceConnect login under way for a dirigeant page (its OIDC state and
// nonce) or what such a login proved (a session, whose ID is also the
// form's CSRF token). Data is the HTTP layer's, opaque to the store. It
// lives in the store so that any replica of the core serves the next
// request of a browser.
type WebSession struct {
	ID        string
	Data      []byte
	ExpiresAt time.Time
}

// SharedState is what several replicas of the core on one store must see
// alike, beyond certifications and outboxes. Every Store implements it.
type SharedState interface {
	// ControlState is the control API's state (controlstate.go).
	ControlState

	// PutPortal stores, or replaces, a portal registered at run time
	// under its client_id. The registration is the HTTP layer's encoding,
	// opaque to the store.
	PutPortal(ctx context.Context, clientID string, registration []byte) error
	// Portal returns a run-time registration. Returns ErrNotFound.
	Portal(ctx context.Context, clientID string) ([]byte, error)
	// ResetPortals forgets every run-time registration.
	ResetPortals(ctx context.Context) error

	// PutWebSession stores a login flow or a session. Returns ErrConflict
	// if its ID exists.
	PutWebSession(ctx context.Context, s WebSession) error
	// WebSession returns one, expired or not (the caller judges on its
	// clock). Returns ErrNotFound.
	WebSession(ctx context.Context, id string) (WebSession, error)
	// TakeWebSession returns one and removes it in the same step: of
	// concurrent callers, one only gets it (a login's callback is used
	// once). Returns ErrNotFound.
	TakeWebSession(ctx context.Context, id string) (WebSession, error)
	// DeleteWebSession removes one; a missing one is no error.
	DeleteWebSession(ctx context.Context, id string) error
	// PurgeWebSessions removes those that expired before before and
	// returns how many went.
	PurgeWebSessions(ctx context.Context, before time.Time) (int, error)

	// TryLease takes the lease name until until when nobody holds it at
	// now (never taken, or its last holder's until is not after now), and
	// says whether the caller got it. Replicas sharing a store run a
	// periodic job (the re-check, the expiry sweep) only when they get its
	// lease, so that the job runs once per period between them.
	TryLease(ctx context.Context, name string, now, until time.Time) (bool, error)
}
