// Package proconnect will hold the reference ProConnect core's domain: the
// certification of a dirigeant, its outcomes, the matching of the identité
// pivot against the register's dirigeants, and the use cases (DESIGN §4).
//
// It is empty today: the core is built with the register and PISTE mocks it
// depends on (see the README's status section). The folder exists so that
// the layout of STYLE.md holds from the first commit.
package proconnect
