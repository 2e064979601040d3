package proconnect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
)

// ContactRegister is where verified contact emails are referenced.
type ContactRegister interface {
	// ContactEmail returns the referenced contact email of siren. Returns
	// ErrNotFound when there is none, ErrUnavailable on a provider failure.
	ContactEmail(ctx context.Context, siren string) (email string, updated time.Time, err error)
	// SetContactEmail references email for siren.
	SetContactEmail(ctx context.Context, siren, email string) error
}

// ErrNoContactEmail: the company has no contact email to ask its dirigeant.
var ErrNoContactEmail = errors.New("no contact email referenced for this company")

// Lifetimes of the mailed links.
const (
	ContactLinkTTL   = 24 * time.Hour
	AccessRequestTTL = 7 * 24 * time.Hour
)

// HashToken is how a mailed link's token is kept: never in clear.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ValidEmail reports whether s is a single plain address.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254 && strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".")
}

// validName accepts a person's name as it goes into a mail: present, short,
// printable.
func validName(s string) bool {
	if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > 200 || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

// ProveDirigeant decides whether id is a dirigeant of siren: the same
// matching as a certification, and only a full match counts.
func (s *Service) ProveDirigeant(ctx context.Context, id Identity, siren string) (Decision, error) {
	company, err := s.Register.Company(ctx, siren)
	if err != nil {
		return Decision{Outcome: OutcomeError}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return Decide(id, company), nil
}

// RequestContactVerification mails a single-use link to the address a
// dirigeant (sub) gave for siren; compose writes the mail around the token.
func (s *Service) RequestContactVerification(ctx context.Context, siren, email, sub string, compose func(token string) Mail) (ContactVerification, error) {
	if !ValidEmail(email) {
		return ContactVerification{}, &ValidationError{"email", "n'est pas une adresse de courriel valide"}
	}
	token := s.NewID() + s.NewID()
	now := s.Now()
	v := ContactVerification{ID: HashToken(token), SIREN: siren, Email: email, Sub: sub, CreatedAt: now, ExpiresAt: now.Add(ContactLinkTTL)}
	m := compose(token)
	m.ID, m.To, m.CreatedAt, m.NextAttempt = s.NewID(), email, now, now
	if err := s.Store.CreateContactVerification(ctx, v, m); err != nil {
		return v, err
	}
	s.wakeMailer()
	return v, nil
}

// VerifyContact uses a contact link's token: the email is referenced in the
// register, then contact_email.changed is pushed to the portals that
// certified the company. Returns ErrNotFound, ErrConflict (used), ErrExpired,
// ErrUnavailable (the register failed: the link stays usable).
func (s *Service) VerifyContact(ctx context.Context, token string) (ContactVerification, error) {
	id := HashToken(token)
	v, err := s.Store.ContactVerification(ctx, id)
	switch {
	case err != nil:
		return v, err
	case v.UsedAt != nil:
		return v, ErrConflict
	case s.Now().After(v.ExpiresAt):
		return v, ErrExpired
	}
	if err := s.Contacts.SetContactEmail(ctx, v.SIREN, v.Email); err != nil {
		return v, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if v, err = s.Store.UseContactVerification(ctx, id, s.Now()); err != nil {
		return v, err
	}
	portals, err := s.Store.PortalsForSIREN(ctx, v.SIREN)
	if err != nil {
		return v, err
	}
	now := s.Now()
	var events []Event
	for _, p := range portals {
		events = append(events, Event{ID: s.NewID(), PortalID: p, Type: EventContactEmailChanged, CreatedAt: now, NextAttempt: now,
			Data: pspevent.Fields(pspevent.ContactEmail{SIREN: v.SIREN, ContactEmail: v.Email})})
	}
	if len(events) > 0 {
		if err := s.Store.AddEvents(ctx, events); err != nil {
			return v, err
		}
		s.wake()
	}
	return v, nil
}

// RequestAccess files a collaborator's request and mails the dirigeant at
// the company's contact email; compose writes that mail around the token. A
// pending request of the same portal, company and email is returned as is
// (existing true). Returns ErrNoContactEmail.
func (s *Service) RequestAccess(ctx context.Context, portalID, siren string, c Collaborator, state string,
	compose func(a AccessRequest, token string) Mail) (a AccessRequest, existing bool, err error) {
	switch {
	case !insee.ValidSIREN(siren):
		return a, false, &ValidationError{"siren", "n'est pas un SIREN valide (9 chiffres et une clé de Luhn valide)"}
	case !ValidEmail(c.Email):
		return a, false, &ValidationError{"collaborator.email", "n'est pas une adresse de courriel valide"}
	case !validName(c.GivenName):
		return a, false, &ValidationError{"collaborator.given_name", "obligatoire : 1 à 200 caractères, sans caractère de contrôle"}
	case !validName(c.FamilyName):
		return a, false, &ValidationError{"collaborator.family_name", "obligatoire : 1 à 200 caractères, sans caractère de contrôle"}
	case len(state) > maxStateLength:
		return a, false, &ValidationError{"state", fmt.Sprintf("dépasse %d caractères", maxStateLength)}
	case !Printable(state):
		return a, false, &ValidationError{"state", notPrintable}
	}
	if a, err := s.Store.PendingAccessRequest(ctx, portalID, siren, c.Email); err == nil {
		return a, true, nil
	}
	contact, _, err := s.Contacts.ContactEmail(ctx, siren)
	if errors.Is(err, ErrNotFound) {
		where := ""
		if s.ContactPage != "" {
			where = " sur " + s.ContactPage
		}
		return a, false, fmt.Errorf("l'entreprise %s n'a pas de courriel de contact vérifié : demandez à son dirigeant d'en référencer un%s, puis recommencez: %w",
			siren, where, ErrNoContactEmail)
	}
	if err != nil {
		return a, false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	token := s.NewID() + s.NewID()
	now := s.nowFor(portalID)
	a = AccessRequest{ID: s.NewID(), PortalID: portalID, SIREN: siren, Collaborator: c, State: state, Status: AccessPending,
		TokenHash: HashToken(token), ContactEmail: contact, CreatedAt: now, ExpiresAt: now.Add(AccessRequestTTL)}
	m := compose(a, token)
	m.ID, m.To, m.CreatedAt, m.NextAttempt = s.NewID(), contact, now, s.Now() // the mailer runs on the component's time
	m.PortalID = portalID
	if err := s.Store.CreateAccessRequest(ctx, a, m); err != nil {
		if errors.Is(err, ErrConflict) { // filed meanwhile by a concurrent call
			if prev, perr := s.Store.PendingAccessRequest(ctx, portalID, siren, c.Email); perr == nil {
				return prev, true, nil
			}
		}
		return a, false, err
	}
	s.wakeMailer()
	return a, false, nil
}

// AccessForDecision returns a request its mailed link may answer. Returns
// ErrNotFound (unknown, or a token that is not the link's), ErrConflict
// (already decided), ErrExpired.
func (s *Service) AccessForDecision(ctx context.Context, id, token string) (AccessRequest, error) {
	a, err := s.Store.AccessRequest(ctx, id)
	if err != nil {
		return a, err
	}
	if token == "" || HashToken(token) != a.TokenHash {
		return AccessRequest{}, ErrNotFound
	}
	switch {
	case a.Status == AccessExpired:
		return a, ErrExpired
	case a.Status != AccessPending:
		return a, ErrConflict
	case s.nowFor(a.PortalID).After(a.ExpiresAt):
		return a, ErrExpired
	}
	return a, nil
}

// DecideAccess records a dirigeant's answer. The person (id) must be proven
// dirigeant of the company: otherwise ErrForbidden, and nothing changes.
func (s *Service) DecideAccess(ctx context.Context, reqID, token string, id Identity, approve bool) (AccessRequest, error) {
	a, err := s.AccessForDecision(ctx, reqID, token)
	if err != nil {
		return a, err
	}
	d, err := s.ProveDirigeant(ctx, id, a.SIREN)
	if err != nil {
		return a, err
	}
	if d.Outcome != OutcomeCertified {
		return a, ErrForbidden
	}
	now := s.nowFor(a.PortalID)
	a.Status, a.DecidedAt, a.DecidedBy = AccessRefused, &now, id.Sub
	typ := EventAccessRefused
	if approve {
		a.Status, typ = AccessApproved, EventAccessApproved
	}
	if err := s.Store.DecideAccessRequest(ctx, a, s.accessEvent(a, typ)); err != nil {
		return a, err
	}
	s.wake()
	return a, nil
}

func (s *Service) accessEvent(a AccessRequest, typ string) Event {
	now := s.Now()
	return Event{ID: s.NewID(), PortalID: a.PortalID, Type: typ, CreatedAt: now, NextAttempt: now,
		Data: pspevent.Fields(pspevent.AccessDecision{AccessRequestID: a.ID, SIREN: a.SIREN, Collaborator: pspevent.Collaborator{
			Email: a.Collaborator.Email, GivenName: a.Collaborator.GivenName, FamilyName: a.Collaborator.FamilyName}})}
}

// ExpireAccessRequests expires the unanswered requests past their expiry and
// pushes access_request.expired; it returns how many.
func (s *Service) ExpireAccessRequests(ctx context.Context) (int, error) {
	return s.ExpirePortalAccessRequests(ctx, "")
}

// ExpirePortalAccessRequests is ExpireAccessRequests for one portal's
// requests ("": every portal's). Each request expires on its portal's own
// time (PortalClock).
func (s *Service) ExpirePortalAccessRequests(ctx context.Context, portalID string) (int, error) {
	list, err := s.Store.ExpiredAccessRequests(ctx, s.latest())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range list {
		now := s.nowFor(a.PortalID)
		if (portalID != "" && a.PortalID != portalID) || !now.After(a.ExpiresAt) {
			continue
		}
		a.Status, a.DecidedAt = AccessExpired, &now
		if err := s.Store.DecideAccessRequest(ctx, a, s.accessEvent(a, EventAccessExpired)); err == nil {
			n++
		} else if !errors.Is(err, ErrConflict) {
			return n, err
		}
	}
	if n > 0 {
		s.wake()
	}
	return n, nil
}

func (s *Service) wakeMailer() {
	if s.WakeMailer != nil {
		s.WakeMailer()
	}
}

// AccessRequestOf returns a portal's access request. Returns ErrNotFound for
// another portal's.
func (s *Service) AccessRequestOf(ctx context.Context, portalID, id string) (AccessRequest, error) {
	a, err := s.Store.AccessRequest(ctx, id)
	if (err == nil && a.PortalID != portalID) || errors.Is(err, ErrNotFound) {
		return AccessRequest{}, fmt.Errorf("aucune demande d'accès %s pour ce portail: %w", id, ErrNotFound)
	}
	return a, err
}
