package control

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

// TokenChallenge is the WWW-Authenticate challenge sent with a 401 for want
// of the control token (RFC 6750 §3).
const TokenChallenge = `Bearer realm="sandbox-control"`

// HasToken says whether s is the kit's token, compared in constant time
// (of hashes, so that the length does not show either). False when no token
// is set.
func (k *Kit) HasToken(s string) bool {
	if k.Token == "" {
		return false
	}
	got, want := sha256.Sum256([]byte(s)), sha256.Sum256([]byte(k.Token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// Authorized says whether r may pass the guards: no token is set, or r
// carries it as "Authorization: Bearer <token>", the scheme in any case
// (RFC 9110 §11.1).
func (k *Kit) Authorized(r *http.Request) bool {
	if k.Token == "" {
		return true
	}
	scheme, credentials, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && k.HasToken(strings.TrimLeft(credentials, " "))
}

// RequireToken refuses every request without the token when one is set
// (401 problem+json): Guard for the routes of a component that show what a
// shared sandbox holds, such as the mail catcher's messages.
func (k *Kit) RequireToken(next http.Handler) http.Handler {
	if k.Token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k.Authorized(r) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", TokenChallenge)
		problem.Write(w, http.StatusUnauthorized, "control-token", "Control API token required",
			"This sandbox is shared: send the control token given at start-up as 'Authorization: Bearer <token>'.", nil)
	})
}
