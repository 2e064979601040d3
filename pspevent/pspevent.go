// Package pspevent is the contract of the events ProConnect pushes to a
// portal's PSP API (docs/contrat-portail.md, section 3): their media type,
// JWS type, lifetime, event types, claims and data, in one place. The core
// builds its events from these types, the reference portal reads them with
// them, and the conformance harness forges them with them. It depends on
// nothing of the project (the portal must not import the core).
package pspevent

import (
	"encoding/json"
	"time"
)

// ContentType is how an event is posted: a compact JWS.
const ContentType = "application/jwt"

// JWSType is the typ header of every event (RFC 8725, § 3.11: explicit
// typing, so that no other signed token passes for an event).
const JWSType = "proconnect-event+jwt"

// TTL is exp − iat: an event is valid five minutes after it is signed
// (each delivery attempt is signed afresh, under the same jti).
const TTL = 5 * time.Minute

// Event types. More may come: a portal acknowledges an unknown type and
// ignores it (PSP-EVT-10).
const (
	CertificationCompleted = "certification.completed"
	DirigeantRevoked       = "dirigeant.revoked"
	AccessRequestApproved  = "access_request.approved"
	AccessRequestRefused   = "access_request.refused"
	AccessRequestExpired   = "access_request.expired"
	ContactEmailChanged    = "contact_email.changed"
)

// Claims are an event's JWT claims. Audience is raw: a string, or a list
// holding the portal's client_id (PSP-EVT-5).
type Claims struct {
	Issuer    string          `json:"iss"`
	Audience  json.RawMessage `json:"aud"`
	IssuedAt  int64           `json:"iat"`
	Expiry    int64           `json:"exp"`
	ID        string          `json:"jti"`
	EventType string          `json:"event_type"`
	Data      json.RawMessage `json:"data"`
}

// Certification is the data of certification.completed.
type Certification struct {
	CertificationID string     `json:"certification_id"`
	SIREN           string     `json:"siren"`
	Purpose         string     `json:"purpose"`
	AccountRef      string     `json:"account_ref,omitempty"`
	Outcome         string     `json:"outcome"`
	Mismatches      []string   `json:"mismatches,omitempty"`
	Dirigeant       *Dirigeant `json:"dirigeant,omitempty"` // when certified
	FCSub           string     `json:"fc_sub,omitempty"`    // when certified
}

// Dirigeant is the person certified, as the register lists them.
type Dirigeant struct {
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Birthdate  string `json:"birthdate"` // YYYY-MM-DD
	Role       string `json:"role"`      // the RNE's INPI role code (73 président, 30 gérant…)
}

// Revocation is the data of dirigeant.revoked.
type Revocation struct {
	CertificationID string `json:"certification_id"`
	SIREN           string `json:"siren"`
	Reason          string `json:"reason"`
}

// AccessDecision is the data of access_request.approved, .refused and
// .expired.
type AccessDecision struct {
	AccessRequestID string       `json:"access_request_id"`
	SIREN           string       `json:"siren"`
	Collaborator    Collaborator `json:"collaborator"`
}

// Collaborator is who asked for access.
type Collaborator struct {
	Email      string `json:"email"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
}

// ContactEmail is the data of contact_email.changed.
type ContactEmail struct {
	SIREN        string `json:"siren"`
	ContactEmail string `json:"contact_email"`
}

// Fields is the data of any event as generic fields (what an outbox
// stores, and what more may come in): the JSON of a data struct.
func Fields(data any) map[string]any {
	b, _ := json.Marshal(data) // the structs above always marshal
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}
