// Package httpapi is the HTTP side of the reference ProConnect core: the
// ProConnect API (docs/api-proconnect.md) (protected by PISTE access tokens), the
// browser's way through FranceConnect (go-oidc and x/oauth2, no PKCE), the
// register client (INSEE Sirene, RNE), the PSP event pusher (ES256 JWS from a
// durable outbox, retried with backoff), the background re-check, and the
// OpenAPI documents it serves.
//
// It decodes, validates, calls the proconnect use cases and encodes; the
// decisions are the domain's.
package httpapi
