// Package piste is a mock of PISTE, the State's API manager, as portals meet
// it in front of the ProConnect API: an OAuth 2.0 token endpoint for the
// client_credentials grant (client_secret_basic and client_secret_post,
// scope), issuing ES256 JWT access tokens (client_id, scope, aud, exp one
// hour later) verifiable with its JWKS, and the registered portals — the
// "base des accès" — from the fixtures and, at run time, the control API.
//
// fosite runs the grant: client authentication, scope checks and RFC 6749
// errors are its own. It is not a gateway: it does not proxy API calls; the
// ProConnect core verifies the tokens itself against the JWKS.
package piste
