package sirene

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/randid"
)

// INSEE's private API (api-sirene/prive/3.11) takes an OAuth2 bearer token
// obtained by a resource-owner password grant (RFC 6749 §4.3) at INSEE's
// Keycloak realm, whose token path the mock serves as is. The answers of the
// token endpoint follow Keycloak's: RFC 6749 §5.2 error bodies, 401 for a
// client or user that fails authentication.

// INSEETokenPath is the token endpoint of INSEE's authorisation server
// (securitySchemes.OAuth2Auth of the Sirene 3.11 OpenAPI description).
const INSEETokenPath = "/auth/realms/apim-gravitee/protocol/openid-connect/token"

// Well-known demo credentials of the password grant (docs/registre.md,
// « Accès »).
const (
	DemoINSEEClientID     = "sandbox-insee-client"
	DemoINSEEClientSecret = "sandbox-insee-secret"
	DemoINSEEUser         = "sandbox-insee"
	DemoINSEEPassword     = "sandbox-insee-password"
	// INSEETokenTTL is the lifetime of an access token (Keycloak's default
	// access-token lifespan), on the mock's clock.
	INSEETokenTTL = 5 * time.Minute
)

// inseeTokens holds the access tokens handed out, token → expiry (a
// time.Time on the mock's clock). Lookups take no lock.
type inseeTokens struct {
	m      sync.Map
	issued atomic.Uint64
}

// pruneEvery is how many grants pass between two sweeps of expired tokens.
const pruneEvery = 256

func (t *inseeTokens) issue(now time.Time) (string, time.Time) {
	tok, exp := randid.New()+randid.New(), now.Add(INSEETokenTTL)
	t.m.Store(tok, exp)
	if t.issued.Add(1)%pruneEvery == 0 {
		t.m.Range(func(k, v any) bool {
			if !now.Before(v.(time.Time)) {
				t.m.Delete(k)
			}
			return true
		})
	}
	return tok, exp
}

// valid reports whether tok was handed out and has not expired at now.
func (t *inseeTokens) valid(tok string, now time.Time) bool {
	v, ok := t.m.Load(tok)
	return ok && now.Before(v.(time.Time))
}

// oauthError writes an RFC 6749 §5.2 error.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeObject(w, status, object{{"error", code}, {"error_description", description}}, false)
}

// inseeToken is the token endpoint: the password grant only. Checked in
// Keycloak's order: the grant type, then the client, then the user.
func (m *Mock) inseeToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	var form map[string][]string
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded") {
		if err := r.ParseForm(); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed form body")
			return
		}
		form = r.PostForm
	}
	for _, k := range []string{"grant_type", "client_id", "client_secret", "username", "password"} {
		if len(form[k]) > 1 {
			oauthError(w, http.StatusBadRequest, "invalid_request", "duplicated parameter")
			return
		}
	}
	get := func(k string) string {
		if v := form[k]; len(v) == 1 {
			return v[0]
		}
		return ""
	}
	switch get("grant_type") {
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing form parameter: grant_type")
		return
	case "password":
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
		return
	}

	id, secret, basic := r.BasicAuth()
	if basic && get("client_secret") != "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "client authentication must only be provided using one mechanism")
		return
	}
	if !basic {
		id, secret = get("client_id"), get("client_secret")
	}
	want, known := m.inseeClients[id]
	switch {
	case id == "":
		oauthError(w, http.StatusBadRequest, "invalid_client", "Missing client_id parameter")
		return
	case !known:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
		return
	case secret == "":
		oauthError(w, http.StatusUnauthorized, "unauthorized_client", "Client secret not provided in request")
		return
	case subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1:
		oauthError(w, http.StatusUnauthorized, "unauthorized_client", "Invalid client or Invalid client credentials")
		return
	}

	user := get("username")
	if user == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_request", "Missing parameter: username")
		return
	}
	pw, known := m.inseeUsers[user]
	if !known || subtle.ConstantTimeCompare([]byte(pw), []byte(get("password"))) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_grant", "Invalid user credentials")
		return
	}

	tok, _ := m.inseeTokens.issue(m.kit.Clock.Now())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeObject(w, http.StatusOK, object{
		{"access_token", tok},
		{"expires_in", int(INSEETokenTTL / time.Second)},
		{"refresh_expires_in", 0},
		{"token_type", "Bearer"},
		{"not-before-policy", 0},
		{"session_state", randid.New()},
		{"scope", "profile email"},
	}, false)
}

// bearer requires a valid INSEE access token (RFC 6750 §2.1, §3). The body
// is Sirene's ReponseErreur with the description the OpenAPI gives the 401.
func (m *Mock) bearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api-sirene"`)
			inseeError(w, http.StatusUnauthorized, "Jeton d'accès manquant ou invalide")
			return
		}
		if !m.inseeTokens.valid(strings.TrimSpace(h[7:]), m.kit.Clock.Now()) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api-sirene", error="invalid_token", error_description="The access token is invalid or has expired"`)
			inseeError(w, http.StatusUnauthorized, "Jeton d'accès manquant ou invalide")
			return
		}
		next.ServeHTTP(w, r)
	})
}
