// Package secrets compares the sandbox's client secrets for fosite. They
// are public test values: hashing them (fosite's default is bcrypt, tens of
// milliseconds a token request) would protect nothing and cost every flow.
package secrets

import (
	"context"
	"crypto/subtle"
	"errors"

	"github.com/ory/fosite"
)

// Hasher compares secrets in constant time and stores them as they are.
type Hasher struct{}

var _ fosite.Hasher = Hasher{}

// ErrMismatch is returned by Compare for a wrong secret.
var ErrMismatch = errors.New("secret mismatch")

// Compare returns ErrMismatch unless data is the stored secret.
func (Hasher) Compare(_ context.Context, stored, data []byte) error {
	if subtle.ConstantTimeCompare(stored, data) != 1 {
		return ErrMismatch
	}
	return nil
}

// Hash returns the secret itself.
func (Hasher) Hash(_ context.Context, data []byte) ([]byte, error) { return data, nil }
