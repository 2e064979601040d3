// Command oidcdriver is an outside OpenID Connect relying party that drives
// complete authorization-code flows against any OpenID provider and reports
// how many it completed per second and, given the provider's process id,
// what they cost the provider in CPU time and memory.
//
// Per flow it acts as a fresh browser plus a confidential client: it opens
// the authorization URL, loads the provider's login page and submits its
// form (one small adapter per provider says which form and which fields),
// follows redirects to the callback, exchanges the code with
// client_secret_post (RFC 6749 §2.3.1), verifies the id_token against the
// provider's JWKS with go-oidc, checks the nonce, and calls userinfo
// (go-oidc verifies its signature when it is a JWT, OpenID Connect Core
// §5.3.2).
//
// It is a measuring tool, not a test of the provider's conformance: it does
// only what a typical service does. See bench/README.md.
package main
