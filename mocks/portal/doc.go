// Package portal is the reference portal (a "PSP"): a correct ProConnect
// integration, small enough to copy. A person types a SIREN; the portal gets
// a PISTE token (cached until it expires), asks ProConnect for a
// certification, sends the browser to it, and shows the outcome on its return
// page. Its PSP API receives ProConnect's events and verifies everything
// the portal contract (docs/contrat-portail.md) asks of a portal (ES256 signature from ProConnect's JWKS, kid,
// typ, iss, aud, exp, jti), applying a duplicate once. It exposes the
// status_url of the portal contract (docs/contrat-portail.md, section 5).
//
// Defects turns single checks off: the conformance suite's own tests use such
// broken portals to prove the suite fails each on the right scenario. A real
// portal has none.
package portal
