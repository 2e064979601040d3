// Package franceconnect is a mock of FranceConnect v2 (eidas1, under
// /api/v2) and FranceConnect+ (eidas2/eidas3, under /plus/api/v2), built on
// ory/fosite, that behaves like the real service closely enough that a
// service provider built against it works against FranceConnect: the strict
// authorize parameter list and its Y-code pages, the five-key token answer
// and its errors, id_token and userinfo JWTs with FranceConnect's header and
// claim set, pairwise subs, single-use codes bound to the client and the
// redirect_uri, FranceConnect's lifetimes, logout, revocation, JWE for FC+.
// docs/franceconnect.md is the catalogue it follows.
//
// fosite issues and exchanges authorization codes, runs PKCE for the clients
// that opt in (a sandbox-only convenience) and revokes tokens; the rest
// (FranceConnect's own validation, error wording, JWTs) is here, because
// fosite's defaults differ from FranceConnect on each of those points.
//
// It is not an identity provider federation: one mock identity provider per
// platform serves the fixture personas, on a login page a person (or the
// harness's browser driver) fills in. Under /__sandbox/ it mounts the control
// API (personas and clients at run time, queued logins, the headless session,
// key rotation, clock, faults, journal).
package franceconnect
