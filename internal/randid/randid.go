// Package randid makes the random identifiers the components hand out
// (certifications, flows, sessions, interactions): 128 bits from the
// system's cryptographic source, URL-safe, unguessable. One generator for
// the core and the mocks alike.
package randid

import (
	"crypto/rand"
	"encoding/base64"
)

// New returns 22 URL-safe characters carrying 128 random bits.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
