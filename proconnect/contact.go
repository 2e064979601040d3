package proconnect

import (
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
)

// Mail is a message in the core's mail outbox: sent over SMTP, retried with
// backoff while the server refuses it.
type Mail struct {
	ID          string     `json:"id"`
	To          string     `json:"to"`
	Subject     string     `json:"subject"`
	Text        string     `json:"text"`
	HTML        string     `json:"html"`
	CreatedAt   time.Time  `json:"created_at"`
	NextAttempt time.Time  `json:"next_attempt"`
	Attempts    int        `json:"attempts"`
	SentAt      *time.Time `json:"sent_at,omitempty"`
	// AbandonedAt is when the core stopped trying (RetryWindow after
	// CreatedAt).
	AbandonedAt *time.Time `json:"abandoned_at,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	// PortalID is the portal the mail is sent for (an access request filed
	// through it), "" for a mail of the dirigeant's own (a contact
	// address to verify): a shared sandbox tells the teams' mail apart by
	// it (control.PortalHeader).
	PortalID string `json:"portal_id,omitempty"`
}

// Done says that the mail needs no more attempt: sent, or abandoned.
func (m Mail) Done() bool { return m.SentAt != nil || m.AbandonedAt != nil }

// ContactVerification is a pending proof that a dirigeant owns an email
// address: the link mailed to it carries a token whose hash is the ID.
type ContactVerification struct {
	ID        string     `json:"id"` // SHA-256 of the link's token, hex
	SIREN     string     `json:"siren"`
	Email     string     `json:"email"`
	Sub       string     `json:"sub"` // the dirigeant's FranceConnect sub
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
}

// Collaborator is who asks for access to a portal for a company.
type Collaborator struct {
	Email      string `json:"email"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
}

// AccessStatus is where an access request stands.
type AccessStatus string

// Access request statuses.
const (
	AccessPending  AccessStatus = "pending"
	AccessApproved AccessStatus = "approved"
	AccessRefused  AccessStatus = "refused"
	AccessExpired  AccessStatus = "expired"
)

// AccessRequest is a collaborator's request, answered by a dirigeant.
type AccessRequest struct {
	ID           string       `json:"id"`
	PortalID     string       `json:"portal_id"`
	SIREN        string       `json:"siren"`
	Collaborator Collaborator `json:"collaborator"`
	State        string       `json:"state,omitempty"`
	Status       AccessStatus `json:"status"`
	TokenHash    string       `json:"token_hash"` // SHA-256 of the mailed link's token
	ContactEmail string       `json:"contact_email"`
	CreatedAt    time.Time    `json:"created_at"`
	ExpiresAt    time.Time    `json:"expires_at"`
	DecidedAt    *time.Time   `json:"decided_at,omitempty"`
	DecidedBy    string       `json:"decided_by,omitempty"` // the dirigeant's sub
}

// Event types of the contact email and access requests (docs/api-proconnect.md, « Événements »).
const (
	EventAccessApproved      = pspevent.AccessRequestApproved
	EventAccessRefused       = pspevent.AccessRequestRefused
	EventAccessExpired       = pspevent.AccessRequestExpired
	EventContactEmailChanged = pspevent.ContactEmailChanged
)
