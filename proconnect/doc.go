// Package proconnect is the reference ProConnect core's domain: company
// identifiers today; the certification of a dirigeant, its outcomes, the
// matching of the identité pivot against the register's dirigeants and the
// use cases (DESIGN §4) as the core lands.
//
// It has no net/http and no storage: the HTTP layer and the stores depend on
// it, never the reverse. The mocks use its identifier validation so that the
// whole sandbox agrees on what a valid SIREN is.
package proconnect
