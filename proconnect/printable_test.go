package proconnect_test

import (
	"context"
	"errors"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// TestStartRefusesControlCharacters: a NUL or another control character,
// or invalid UTF-8, in what a portal sends is the portal's mistake (400),
// whatever the store (PostgreSQL refuses NUL in text and JSON: it would
// have been a 500 there and a 201 in memory).
func TestStartRefusesControlCharacters(t *testing.T) {
	s := &proconnect.Service{}
	ok := proconnect.StartRequest{SIREN: "901001008", State: "etat", Purpose: proconnect.PurposeRegistration}
	for name, tc := range map[string]struct {
		r     func(proconnect.StartRequest) proconnect.StartRequest
		field string
	}{
		"NUL in state":       {func(r proconnect.StartRequest) proconnect.StartRequest { r.State = "ab\x00cd"; return r }, "state"},
		"newline in state":   {func(r proconnect.StartRequest) proconnect.StartRequest { r.State = "ab\ncd"; return r }, "state"},
		"NUL in account_ref": {func(r proconnect.StartRequest) proconnect.StartRequest { r.AccountRef = "x\x00"; return r }, "account_ref"},
		"bad UTF-8 in state": {func(r proconnect.StartRequest) proconnect.StartRequest { r.State = "\xff\xfe"; return r }, "state"},
		"NUL in redirect_uri": {func(r proconnect.StartRequest) proconnect.StartRequest {
			r.RedirectURI = "http://localhost/\x00"
			return r
		}, "redirect_uri"},
	} {
		_, err := s.Start(context.Background(), "portail-demo", tc.r(ok))
		var v *proconnect.ValidationError
		if !errors.As(err, &v) || v.Field != tc.field || !errors.Is(err, proconnect.ErrInvalid) {
			t.Errorf("%s: %v, want a validation error on %s", name, err, tc.field)
		}
	}
	for _, s := range []string{"", "état éâ", "901001008-compte/42"} {
		if !proconnect.Printable(s) {
			t.Errorf("Printable(%q) = false", s)
		}
	}
}
