package proconnect

import (
	"context"
	"errors"
	"fmt"
)

// Directory says whether SIRENE knows a SIREN, without reading its
// dirigeants: what the core can know of a company before anyone logs in.
type Directory interface {
	// Known reports whether SIRENE has a legal unit with this SIREN (a
	// closed or non-diffusible unit is known). Returns ErrUnavailable when
	// SIRENE cannot say.
	Known(ctx context.Context, siren string) (bool, error)
}

// ErrCompanyNotFound: SIRENE has no legal unit with this SIREN, so no
// login can certify anyone for it (docs/api-proconnect.md, « Une
// entreprise inconnue »).
var ErrCompanyNotFound = errors.New("company not found")

// CompanyNotFoundError is ErrCompanyNotFound for one SIREN.
type CompanyNotFoundError struct{ SIREN string }

func (e *CompanyNotFoundError) Error() string {
	return fmt.Sprintf("SIRENE has no company with the SIREN %s", e.SIREN)
}

// Is makes errors.Is(err, ErrCompanyNotFound) true.
func (e *CompanyNotFoundError) Is(target error) bool { return target == ErrCompanyNotFound }

// checkKnown refuses, before any certification exists, a SIREN that SIRENE
// does not know, and says whether SIRENE confirmed it. A SIRENE that cannot
// say lets the certification go on (confirmed false): the login link asks
// again (RefuseUnknown), and after the login the register is read anyway.
func (s *Service) checkKnown(ctx context.Context, siren string) (confirmed bool, err error) {
	if s.Directory == nil {
		return false, nil
	}
	known, err := s.Directory.Known(ctx, siren)
	switch {
	case err != nil:
		return false, nil
	case !known:
		return false, &CompanyNotFoundError{SIREN: siren}
	}
	return true, nil
}

// RefuseUnknown ends a pending certification with company_not_found, before
// the person is sent to FranceConnect, when SIRENE now says it has no such
// company (it could not say when the certification was created: once it
// confirmed the company, it is not asked again); the
// outcome is pushed to the portal as for any other. It returns the
// certification and whether it was ended.
func (s *Service) RefuseUnknown(ctx context.Context, c Certification) (Certification, bool, error) {
	if c.Flow != nil && c.Flow.Known {
		return c, false, nil // SIRENE confirmed it at the creation
	}
	if _, err := s.checkKnown(ctx, c.SIREN); !errors.Is(err, ErrCompanyNotFound) {
		return c, false, nil
	}
	done, err := s.Fail(ctx, c, OutcomeCompanyNotFound)
	return done, true, err
}
