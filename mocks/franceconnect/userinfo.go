package franceconnect

import (
	"encoding/json"
	"net/http"
	"strings"
)

// userinfo answers a signed JWT (application/jwt) with the claims of the
// granted scopes plus aud, exp (the access token's expiry), iat and iss
// (docs/franceconnect.md, « Userinfo »).
func (m *Mock) userinfo(p *profile) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := bearer(r)
		if token == "" && r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
			if r.ParseForm() == nil {
				token = r.PostForm.Get("access_token")
			}
		}
		if token == "" {
			token = r.URL.Query().Get("access_token")
		}
		if token == "" {
			oidcError{status: 401, code: "invalid_token", description: "no access token provided",
				detail: "no access token provided", ycode: "Y04146A2"}.write(w)
			return
		}
		var (
			sess *session
			c    *clientEntry
		)
		e, ok := m.store.accessEntry(token)
		if ok {
			sess = e.session()
			c, ok = m.client(e.grant.client.GetID())
		}
		if !ok || sess == nil || c.profile != p {
			oidcError{status: 401, code: "invalid_token", description: "invalid token provided",
				detail: "access token not found", ycode: "Y040001"}.write(w)
			return
		}
		// the client's clock (the component's, plus what the control API
		// moved this client ahead): the clock of its tokens' expiries
		now := m.store.now(c.fixture.ClientID)
		claims := userClaims(sess, claimsFor(p.scopes, e.grant.scopes))
		claims["aud"] = c.fixture.ClientID
		claims["iss"] = p.issuer
		claims["iat"] = now.Unix()
		// node-oidc-provider issues the userinfo JWT to expire with the
		// access token, not a fixed time after the call.
		claims["exp"] = e.expiry().Unix()
		payload, err := json.Marshal(claims)
		if err == nil {
			var jwt string
			if jwt, err = m.seal(c, c.fixture.UserinfoSignedAlg, payload); err == nil {
				w.Header().Set("Content-Type", "application/jwt; charset=utf-8")
				w.Header().Set("Cache-Control", "no-store")
				_, _ = w.Write([]byte(jwt))
				return
			}
		}
		m.log.Error("userinfo", "err", err)
		oidcError{status: 500, code: "server_error", description: "oops! something went wrong", ycode: "Y000500"}.write(w)
	}
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
