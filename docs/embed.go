// Package docs holds the project's documentation; the portal contract is
// embedded because the conformance suite reads its requirements from it
// (one source for the text people read and the matrix the suite prints).
package docs

import _ "embed"

// PortalContract is docs/contrat-portail.md.
//
//go:embed contrat-portail.md
var PortalContract string
