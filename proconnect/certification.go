package proconnect

import (
	"errors"
	"time"
)

// Outcome is the result of a certification (docs/api-proconnect.md, « Résultats »).
type Outcome string

// Outcomes of a certification.
const (
	OutcomeCertified           Outcome = "certified"                // 5 points out of 5
	OutcomeCloseMatch          Outcome = "close_match"              // 3 or 4 points, with mismatches
	OutcomeNotDirigeant        Outcome = "not_dirigeant"            // below 3, or no candidate
	OutcomeCompanyNotFound     Outcome = "company_not_found"        // no such unit in SIRENE
	OutcomeCompanyCeased       Outcome = "company_ceased"           // the unit is closed
	OutcomeNotCovered          Outcome = "organisation_not_covered" // no dirigeant register for its legal category
	OutcomeUnsupportedIdentity Outcome = "unsupported_identity"     // eIDAS or foreign identity: offer the alternative
	OutcomeCancelled           Outcome = "cancelled"                // the person aborted at FranceConnect
	OutcomeError               Outcome = "error"                    // a provider failed; retryable
)

// Status of a certification.
type Status string

// Statuses.
const (
	StatusPending   Status = "pending"
	StatusCompleted Status = "completed"
)

// Purpose says why a portal certifies.
type Purpose string

// Purposes.
const (
	PurposeRegistration  Purpose = "registration"
	PurposeCertification Purpose = "certification"
)

// Identity is the identité pivot FranceConnect returned.
type Identity struct {
	GivenNames   []string `json:"given_names"`
	FamilyName   string   `json:"family_name"`
	Birthdate    string   `json:"birthdate"` // YYYY-MM-DD
	Gender       string   `json:"gender,omitempty"`
	Birthplace   string   `json:"birthplace,omitempty"`   // COG when born in France
	Birthcountry string   `json:"birthcountry,omitempty"` // INSEE code, 99100 France
	EIDAS        bool     `json:"eidas,omitempty"`        // came through the eIDAS bridge
	Sub          string   `json:"sub"`
}

// Dirigeant is the register's person a certification matched.
type Dirigeant struct {
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Birthdate  string `json:"birthdate"`
	Role       string `json:"role,omitempty"`
}

// Certification is one request of a portal to certify a dirigeant.
type Certification struct {
	ID          string      `json:"id"`
	PortalID    string      `json:"portal_id"`
	SIREN       string      `json:"siren"`
	RedirectURI string      `json:"redirect_uri"`
	State       string      `json:"state"`
	Purpose     Purpose     `json:"purpose"`
	AccountRef  string      `json:"account_ref,omitempty"`
	Status      Status      `json:"status"`
	Outcome     Outcome     `json:"outcome,omitempty"`
	Dirigeant   *Dirigeant  `json:"dirigeant,omitempty"`
	Mismatches  []string    `json:"mismatches,omitempty"`
	FCSub       string      `json:"fc_sub,omitempty"`
	Identity    *Identity   `json:"identity,omitempty"` // kept for re-checks
	CreatedAt   time.Time   `json:"created_at"`
	ExpiresAt   time.Time   `json:"expires_at"`
	CompletedAt *time.Time  `json:"completed_at,omitempty"`
	RevokedAt   *time.Time  `json:"revoked_at,omitempty"`
	Flow        *LoginState `json:"flow,omitempty"` // while pending: what binds the FranceConnect callback
}

// LoginState binds a FranceConnect login to a certification.
type LoginState struct {
	State string `json:"state"`
	Nonce string `json:"nonce"`
	// Known says SIRENE confirmed the company when the certification was
	// created: the login link need not ask it again (RefuseUnknown).
	Known bool `json:"known,omitempty"`
}

// Certified reports whether the certification ended with the person as a
// dirigeant (fully or closely matched) and was not revoked since.
func (c Certification) Certified() bool {
	return c.Status == StatusCompleted && (c.Outcome == OutcomeCertified || c.Outcome == OutcomeCloseMatch) && c.RevokedAt == nil
}

// Domain errors; the HTTP layer maps each to a status.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrInvalid         = errors.New("invalid")
	ErrExpired         = errors.New("expired")
	ErrForbidden       = errors.New("forbidden")
	ErrUnavailable     = errors.New("provider unavailable")
	ErrAlreadyComplete = errors.New("already completed")
	// ErrNothingToRecheck: the certification certified nobody (or is
	// still pending), so there is no identity to re-check.
	ErrNothingToRecheck = errors.New("nothing to re-check")
)

// ValidationError names the field at fault.
type ValidationError struct {
	Field, Reason string
}

func (e *ValidationError) Error() string { return e.Field + " : " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
