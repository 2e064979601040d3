package proconnect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
)

// Register is the company register as the core reads it.
type Register interface {
	// Company returns what the register says of siren (Found false when
	// SIRENE does not know it). Returns ErrUnavailable when a provider fails.
	Company(ctx context.Context, siren string) (Company, error)
}

// Service holds the use cases of the core. It knows nothing of HTTP.
type Service struct {
	Store    Store
	Register Register
	// Directory, when set, refuses up front a SIREN that SIRENE does not
	// know (Start, RefuseUnknown).
	Directory Directory
	Now       func() time.Time
	NewID     func() string
	// TTL is how long a pending certification waits for the login.
	TTL time.Duration
	// Contacts is where contact emails are referenced (the register).
	Contacts ContactRegister
	// Wake, when set, is called after an event is queued (the pusher);
	// WakeMailer after a mail is queued.
	Wake, WakeMailer func()
	// ContactPage is where dirigeants reference a contact email (errors
	// name it).
	ContactPage string
	// Portals, when set, gives each portal its own time (a shared
	// sandbox: portaltime.go); nil, every portal lives on Now.
	Portals PortalClock
}

// StartRequest is a portal's request to certify a SIREN.
type StartRequest struct {
	SIREN       string
	RedirectURI string
	State       string
	Purpose     Purpose
	AccountRef  string
}

const maxStateLength = 512

// notPrintable says why Printable refused a field.
const notPrintable = "contient un caractère de contrôle ou n'est pas de l'UTF-8 valide"

// Printable says s is text every store keeps as it is: valid UTF-8 without
// control characters (PostgreSQL refuses NUL in text and in JSON).
func Printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// Start creates a pending certification. Returns a *ValidationError (which
// is ErrInvalid) for a bad field, a *CompanyNotFoundError (which is
// ErrCompanyNotFound) for a SIREN that SIRENE does not know.
func (s *Service) Start(ctx context.Context, portalID string, r StartRequest) (Certification, error) {
	switch {
	case r.SIREN == "":
		return Certification{}, &ValidationError{"siren", "obligatoire"}
	case !insee.ValidSIREN(r.SIREN):
		return Certification{}, &ValidationError{"siren", "n'est pas un SIREN valide (9 chiffres et une clé de Luhn valide)"}
	case r.State == "":
		return Certification{}, &ValidationError{"state", "obligatoire : il lie le retour à la session du navigateur"}
	case len(r.State) > maxStateLength:
		return Certification{}, &ValidationError{"state", fmt.Sprintf("dépasse %d caractères", maxStateLength)}
	case r.Purpose != PurposeRegistration && r.Purpose != PurposeCertification:
		return Certification{}, &ValidationError{"purpose", `vaut "registration" ou "certification"`}
	case len(r.AccountRef) > maxStateLength:
		return Certification{}, &ValidationError{"account_ref", fmt.Sprintf("dépasse %d caractères", maxStateLength)}
	case !Printable(r.State):
		return Certification{}, &ValidationError{"state", notPrintable}
	case !Printable(r.AccountRef):
		return Certification{}, &ValidationError{"account_ref", notPrintable}
	case !Printable(r.RedirectURI):
		return Certification{}, &ValidationError{"redirect_uri", notPrintable}
	}
	known, err := s.checkKnown(ctx, r.SIREN)
	if err != nil {
		return Certification{}, err
	}
	now := s.nowFor(portalID)
	id := s.NewID()
	c := Certification{ID: id, PortalID: portalID, SIREN: r.SIREN, RedirectURI: r.RedirectURI, State: r.State,
		Purpose: r.Purpose, AccountRef: r.AccountRef, Status: StatusPending, CreatedAt: now, ExpiresAt: now.Add(s.TTL),
		Flow: &LoginState{State: id + "." + s.NewID(), Nonce: s.NewID() + s.NewID(), Known: known}}
	if err := s.Store.CreateCertification(ctx, c); err != nil {
		return Certification{}, fmt.Errorf("start: %w", err)
	}
	return c, nil
}

// Get returns a portal's certification. Returns ErrNotFound for another
// portal's.
func (s *Service) Get(ctx context.Context, portalID, id string) (Certification, error) {
	c, err := s.Store.Certification(ctx, id)
	if (err == nil && c.PortalID != portalID) || errors.Is(err, ErrNotFound) {
		return Certification{}, fmt.Errorf("aucune certification %s pour ce portail: %w", id, ErrNotFound)
	}
	return c, err
}

// ForLogin returns a certification the person may log in for. Returns
// ErrNotFound, ErrExpired, or ErrAlreadyComplete (with the certification).
func (s *Service) ForLogin(ctx context.Context, id string) (Certification, error) {
	c, err := s.Store.Certification(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Status == StatusCompleted {
		return c, ErrAlreadyComplete
	}
	if s.nowFor(c.PortalID).After(c.ExpiresAt) {
		return c, ErrExpired
	}
	return c, nil
}

// StateOwner returns the certification an OIDC state belongs to (the state
// starts with its ID) if the state is the one it issued. Returns ErrNotFound.
func (s *Service) StateOwner(ctx context.Context, state string) (Certification, error) {
	id, _, ok := strings.Cut(state, ".")
	if !ok {
		return Certification{}, ErrNotFound
	}
	c, err := s.Store.Certification(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Status == StatusCompleted {
		return c, ErrAlreadyComplete
	}
	if c.Flow == nil || c.Flow.State != state {
		return Certification{}, ErrNotFound
	}
	return c, nil
}

// Complete decides a certification from the identity FranceConnect gave.
// A register outage ends it with the outcome error (the portal may retry).
func (s *Service) Complete(ctx context.Context, c Certification, id Identity) (Certification, error) {
	company, err := s.Register.Company(ctx, c.SIREN)
	if err != nil {
		return s.finish(ctx, c, Decision{Outcome: OutcomeError}, nil)
	}
	return s.finish(ctx, c, Decide(id, company), &id)
}

// Fail ends a certification without an identity: cancelled or error.
func (s *Service) Fail(ctx context.Context, c Certification, o Outcome) (Certification, error) {
	return s.finish(ctx, c, Decision{Outcome: o}, nil)
}

func (s *Service) finish(ctx context.Context, c Certification, d Decision, id *Identity) (Certification, error) {
	// the certification completes on its portal's time; its event waits
	// on the pusher's (the component's) time, or it would wait for the
	// portal's offset to pass
	now, done := s.Now(), s.nowFor(c.PortalID)
	c.Status, c.Outcome, c.Mismatches, c.CompletedAt, c.Flow = StatusCompleted, d.Outcome, d.Mismatches, &done, nil
	if d.Dirigeant != nil {
		c.Dirigeant = &Dirigeant{GivenName: strings.Join(d.Dirigeant.GivenNames, " "), FamilyName: d.Dirigeant.FamilyName,
			Birthdate: d.Dirigeant.Birthdate, Role: d.Dirigeant.Role}
	}
	if id != nil {
		c.FCSub = id.Sub
		if d.Outcome == OutcomeCertified || d.Outcome == OutcomeCloseMatch {
			c.Identity = id // kept for the re-checks, and only then
		}
	}
	data := pspevent.Certification{CertificationID: c.ID, SIREN: c.SIREN, Purpose: string(c.Purpose), AccountRef: c.AccountRef,
		Outcome: string(c.Outcome), Mismatches: c.Mismatches}
	if c.Outcome == OutcomeCertified && c.Dirigeant != nil {
		data.Dirigeant = &pspevent.Dirigeant{GivenName: c.Dirigeant.GivenName, FamilyName: c.Dirigeant.FamilyName,
			Birthdate: c.Dirigeant.Birthdate, Role: c.Dirigeant.Role}
		data.FCSub = c.FCSub
	}
	e := Event{ID: s.NewID(), PortalID: c.PortalID, Type: EventCertificationCompleted, Data: pspevent.Fields(data), CreatedAt: now, NextAttempt: now}
	if err := s.Store.Complete(ctx, c, e); err != nil {
		if errors.Is(err, ErrAlreadyComplete) {
			done, gerr := s.Store.Certification(ctx, c.ID)
			if gerr != nil {
				return c, gerr
			}
			return done, ErrAlreadyComplete
		}
		return c, fmt.Errorf("complete: %w", err)
	}
	s.wake()
	return c, nil
}

func (s *Service) wake() {
	if s.Wake != nil {
		s.Wake()
	}
}

// Recheck is the answer to a re-check.
type Recheck struct {
	StillDirigeant bool
	Outcome        Outcome
	CheckedAt      time.Time
}

// Verify re-checks, without a new login, that the person certified by a
// portal's certification is still a dirigeant; if no longer, the
// certification is revoked and dirigeant.revoked pushed. Returns
// ErrNothingToRecheck for a certification that never certified anyone,
// ErrUnavailable when the register fails.
func (s *Service) Verify(ctx context.Context, portalID, id string) (Recheck, error) {
	c, err := s.Get(ctx, portalID, id)
	if err != nil {
		return Recheck{}, err
	}
	if c.Status != StatusCompleted || c.Identity == nil {
		return Recheck{}, fmt.Errorf("la certification %s n'a certifié aucun dirigeant (ou attend encore la connexion) : il n'y a pas d'identité à revérifier: %w",
			id, ErrNothingToRecheck)
	}
	return s.recheck(ctx, c)
}

func (s *Service) recheck(ctx context.Context, c Certification) (Recheck, error) {
	company, err := s.Register.Company(ctx, c.SIREN)
	if err != nil {
		return Recheck{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	d := Decide(*c.Identity, company)
	r := Recheck{StillDirigeant: d.Outcome == OutcomeCertified || d.Outcome == OutcomeCloseMatch, Outcome: d.Outcome, CheckedAt: s.Now()}
	if !r.StillDirigeant && c.RevokedAt == nil {
		if err := s.revoke(ctx, c, d.Outcome); err != nil && !errors.Is(err, ErrConflict) {
			return r, err
		}
	}
	return r, nil
}

func (s *Service) revoke(ctx context.Context, c Certification, why Outcome) error {
	now := s.Now()
	c.RevokedAt = &now
	e := Event{ID: s.NewID(), PortalID: c.PortalID, Type: EventDirigeantRevoked, CreatedAt: now, NextAttempt: now,
		Data: pspevent.Fields(pspevent.Revocation{CertificationID: c.ID, SIREN: c.SIREN, Reason: string(why)})}
	if err := s.Store.Revoke(ctx, c, e); err != nil {
		return err
	}
	s.wake()
	return nil
}

// RecheckAll re-checks every certified certification (the background
// re-check) and returns how many it revoked. A register outage stops it.
func (s *Service) RecheckAll(ctx context.Context) (int, error) {
	return s.RecheckPortal(ctx, "")
}

// RecheckPortal is RecheckAll for one portal's certifications ("": every
// portal's): a team of a shared sandbox re-checks its own only.
func (s *Service) RecheckPortal(ctx context.Context, portalID string) (int, error) {
	list, err := s.Store.Certified(ctx)
	if err != nil {
		return 0, err
	}
	revoked := 0
	for _, c := range list {
		if c.Identity == nil || (portalID != "" && c.PortalID != portalID) {
			continue
		}
		r, err := s.recheck(ctx, c)
		if err != nil {
			return revoked, err
		}
		if !r.StillDirigeant {
			revoked++
		}
	}
	return revoked, nil
}
