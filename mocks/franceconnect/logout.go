package franceconnect

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-jose/go-jose/v4"
)

var logoutParams = []string{"id_token_hint", "state", "post_logout_redirect_uri", "client_id", "logout_hint", "ui_locales"}

// sessionEnd logs the person out of FranceConnect and sends them back to the
// service with its state (docs/franceconnect.md, « Déconnexion »).
func (m *Mock) sessionEnd(p *profile) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			m.renderError(w, http.StatusBadRequest, "Y000400", "")
			return
		}
		for k, v := range q {
			if !slices.Contains(logoutParams, k) || len(v) != 1 {
				m.renderError(w, http.StatusBadRequest, "Y000400", "")
				return
			}
		}
		c, ok := m.verifyIDTokenHint(p, q.Get("id_token_hint"))
		if !ok || (q.Get("client_id") != "" && q.Get("client_id") != c.fixture.ClientID) {
			m.renderError(w, http.StatusBadRequest, "Y000400", "")
			return
		}
		target := q.Get("post_logout_redirect_uri")
		if target != "" && !c.fixture.PostLogoutRedirectURIs.Allows(target) {
			m.renderError(w, http.StatusBadRequest, "Y000400", "")
			return
		}
		m.endSSO(r)
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
		if target == "" {
			m.render(w, http.StatusOK, "logout.html", map[string]string{"Service": c.fixture.Name})
			return
		}
		v := url.Values{}
		if st, ok := q["state"]; ok {
			v.Set("state", st[0])
		}
		dest := target
		if len(v) > 0 {
			dest = withParams(target, v, false)
		}
		http.Redirect(w, r, dest, http.StatusSeeOther)
	}
}

// verifyIDTokenHint checks that hint is an id_token this profile issued (an
// expired one is fine) and returns its client.
func (m *Mock) verifyIDTokenHint(p *profile, hint string) (*clientEntry, bool) {
	if hint == "" {
		return nil, false
	}
	jws, err := jose.ParseSigned(hint, []jose.SignatureAlgorithm{jose.ES256, jose.RS256, jose.HS256})
	if err != nil || len(jws.Signatures) != 1 {
		return nil, false
	}
	var claims struct {
		Aud string `json:"aud"`
		Iss string `json:"iss"`
	}
	if json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims) != nil || claims.Iss != p.issuer {
		return nil, false
	}
	c, ok := m.client(claims.Aud)
	if !ok {
		return nil, false
	}
	h := jws.Signatures[0].Header
	if h.Algorithm == string(jose.HS256) {
		_, err := jws.Verify([]byte(c.fixture.ClientSecret))
		return c, err == nil
	}
	for _, k := range m.keys.verificationKeys() {
		if k.KeyID == h.KeyID {
			_, err := jws.Verify(k)
			return c, err == nil
		}
	}
	return nil, false
}

// revoke serves POST /token/revocation through fosite.
func (m *Mock) revoke(p *profile) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxTokenBody)
		if err := r.ParseForm(); err != nil {
			invalidRequest("unable to parse the request body").write(w)
			return
		}
		if r.PostForm.Get("token") == "" {
			missingParameter("token").write(w)
			return
		}
		if err := p.oauth.NewRevocationRequest(r.Context(), r); err != nil {
			m.tokenError(err).write(w)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
	}
}
