package franceconnect

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ory/fosite"
)

const maxTokenBody = 64 << 10

// tokenResponse is FranceConnect's token answer: exactly these five keys
// (docs/franceconnect.md, « Jeton »).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	IDToken     string `json:"id_token"`
	Scope       string `json:"scope"`
	TokenType   string `json:"token_type"`
}

func (m *Mock) token(p *profile) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxTokenBody)
		if err := r.ParseForm(); err != nil {
			invalidRequest("unable to parse the request body").write(w)
			return
		}
		// node-oidc-provider's order (docs/franceconnect.md, « Jeton »): the
		// client is authenticated first, then grant_type, the other
		// parameters, and the code. fosite would look at grant_type first and
		// word some answers differently, so these checks run before it.
		ctx := withAssertionGrace(r.Context())
		c, oe := m.authenticateClient(ctx, p, r)
		if oe != nil {
			oe.write(w)
			return
		}
		if oe := m.checkCodeRequest(c, r.PostForm); oe != nil {
			oe.write(w)
			return
		}
		ar, err := p.oauth.NewAccessRequest(ctx, r, &session{})
		if err != nil {
			m.tokenError(err).write(w)
			return
		}
		resp, err := p.oauth.NewAccessResponse(ctx, ar)
		if err != nil {
			m.tokenError(err).write(w)
			return
		}
		sess, _ := ar.GetSession().(*session)
		if sess == nil {
			m.log.Error("token: session lost", "client", c.fixture.ClientID)
			oidcError{status: 500, code: "server_error", description: "oops! something went wrong", ycode: "Y000500"}.write(w)
			return
		}
		// iat and exp on the client's clock, like the access token's expiry
		idt, err := m.idToken(c, sess, m.store.now(c.fixture.ClientID))
		if err != nil {
			m.log.Error("token: id_token", "err", err)
			oidcError{status: 500, code: "server_error", description: "oops! something went wrong", ycode: "Y000500"}.write(w)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		_ = json.NewEncoder(w).Encode(tokenResponse{
			AccessToken: resp.GetAccessToken(), ExpiresIn: int(AccessTokenTTL.Seconds()), IDToken: idt,
			Scope: strings.Join(ar.GetGrantedScopes(), " "), TokenType: "Bearer",
		})
	}
}

// Client authentication methods as node-oidc-provider names them.
const (
	authPost      = "client_secret_post"
	authBasic     = "client_secret_basic"
	authAssertion = "private_key_jwt"
	authNone      = "none"
)

// authenticateClient identifies and authenticates the client the way
// node-oidc-provider does, with its words and FranceConnect's Y-codes:
// duplicated authentication parameters, two mechanisms at once, none, an
// unknown client, a method other than the registered one; then fosite checks
// the secret or the assertion. ctx must carry withAssertionGrace, since
// fosite authenticates the client again in NewAccessRequest.
func (m *Mock) authenticateClient(ctx context.Context, p *profile, r *http.Request) (*clientEntry, *oidcError) {
	f := r.PostForm
	if oe := rejectDupes(f, "client_id", "client_secret", "client_assertion", "client_assertion_type"); oe != nil {
		return nil, oe
	}
	id, method := f.Get("client_id"), authNone
	_, hasSecret := f["client_secret"]
	hasHeader := r.Header.Get("Authorization") != "" // an empty header is no header
	if hasSecret {
		method = authPost
	}
	if hasHeader {
		user, ok := basicUser(r.Header.Get("Authorization"))
		if !ok {
			return nil, &oidcError{status: 400, code: "invalid_request", description: "invalid authorization header value format", ycode: "Y04F62CD"}
		}
		if hasSecret {
			return nil, &oidcError{status: 400, code: "invalid_request", description: oneMechanism, ycode: "Y04DADA6"}
		}
		id, method = user, authBasic
	}
	if _, ok := f["client_assertion"]; ok {
		if hasSecret || hasHeader {
			return nil, &oidcError{status: 400, code: "invalid_request", description: oneMechanism, ycode: "Y047E9E5"}
		}
		if id == "" {
			id = assertionSubject(f.Get("client_assertion"))
		}
		method = authAssertion
	}
	if id == "" {
		return nil, &oidcError{status: 400, code: "invalid_request", description: "no client authentication mechanism provided", ycode: "Y044FEB3"}
	}
	c, ok := m.client(id)
	if !ok || !c.fixture.IsActive() || c.profile != p {
		return nil, &oidcError{status: 401, code: "invalid_client", description: "client authentication failed", detail: "client not found", ycode: "Y0479FCE"}
	}
	if method != c.fixture.TokenEndpointAuthMethod {
		return nil, &oidcError{status: 401, code: "invalid_client", description: "client authentication failed",
			detail: "the provided authentication mechanism does not match the registered client authentication method", ycode: "Y044D82C"}
	}
	if _, err := p.fosite.AuthenticateClient(ctx, r, f); err != nil {
		oe := m.tokenError(err)
		return nil, &oe
	}
	return c, nil
}

const oneMechanism = "client authentication must only be provided using one mechanism"

// basicUser returns the client_id of a Basic Authorization header, or false
// when the header is not Basic base64(id:secret), form-encoded as RFC 6749,
// section 2.3.1 asks.
func basicUser(h string) (string, bool) {
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "basic") {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		return "", false
	}
	user, _, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", false
	}
	id, err := url.QueryUnescape(user)
	return id, err == nil && id != ""
}

// assertionSubject reads, without verifying it, the sub of a client
// assertion: the client it names when client_id is not sent. fosite
// verifies the assertion afterwards.
func assertionSubject(a string) string {
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return ""
	}
	return claims.Sub
}

// checkCodeRequest checks, in node-oidc-provider's order, what comes after
// client authentication: grant_type, duplicated parameters, the presence of
// code and redirect_uri (which may be left out when the client has a single
// registered one: the code's own is then used), and of the code, that it
// exists, is this client's, and that a code_verifier is at least 43
// characters and comes with a code_challenge. fosite checks the rest (redirect_uri, PKCE, reuse).
func (m *Mock) checkCodeRequest(c *clientEntry, f url.Values) *oidcError {
	if oe := rejectDupes(f, "grant_type"); oe != nil {
		return oe
	}
	switch gt := f.Get("grant_type"); {
	case gt == "":
		return missingParameters("grant_type")
	case gt != "authorization_code":
		return &oidcError{status: 400, code: "unsupported_grant_type", description: "unsupported grant_type requested", ycode: "Y04C2044"}
	}
	var keys []string
	for k := range f {
		keys = append(keys, k)
	}
	if oe := rejectDupes(f, keys...); oe != nil {
		return oe
	}
	entry, _ := m.store.codeEntry(f.Get("code"))
	if _, sent := f["redirect_uri"]; !sent && len(c.fixture.RedirectURIs) == 1 {
		uri := c.fixture.RedirectURIs[0]
		if entry != nil && entry.client.GetID() == c.fixture.ClientID {
			// Authorize matched the code's redirect_uri against this single
			// one (with the sandbox's any-port rule on localhost).
			uri = entry.redirectURI
		}
		f.Set("redirect_uri", uri)
	}
	var missing []string
	for _, k := range []string{"code", "redirect_uri"} {
		if f.Get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return missingParameters(missing...)
	}
	switch {
	case entry == nil:
		return ptr(invalidGrant("authorization code not found", "Y049E20B"))
	case entry.client.GetID() != c.fixture.ClientID:
		return ptr(invalidGrant("client mismatch", "Y047A2EA"))
	}
	if v, sent := f["code_verifier"]; sent && len(v[0]) < minVerifierLength {
		return &oidcError{status: 400, code: "invalid_request",
			description: "code_verifier must be a string with a minimum length of 43 characters", ycode: "Y04F7D1A"}
	}
	if _, sent := f["code_verifier"]; sent && !m.store.hasChallenge(f.Get("code")) {
		return ptr(invalidGrant("PKCE verification failed", "Y0446550"))
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// minVerifierLength is RFC 7636's shortest code_verifier, checked before
// the comparison.
const minVerifierLength = 43

// rejectDupes answers node-oidc-provider's error for parameters among keys
// sent more than once: "'code' parameter must not be provided twice",
// "'code' and 'scope' parameters must not be provided twice". Several are
// listed in alphabetical order (a form does not keep its order here).
func rejectDupes(f url.Values, keys ...string) *oidcError {
	var dupes []string
	for _, k := range keys {
		if len(f[k]) > 1 {
			dupes = append(dupes, k)
		}
	}
	if len(dupes) == 0 {
		return nil
	}
	slices.Sort(dupes)
	noun := "parameter"
	if len(dupes) > 1 {
		noun = "parameters"
	}
	return &oidcError{status: 400, code: "invalid_request", description: formatList(dupes) + " " + noun + " must not be provided twice", ycode: "Y0496E4A"}
}

// missingParameters is node-oidc-provider's answer for absent or empty
// required parameters: "missing required parameter 'code'", or
// "missing required parameters 'code' and 'redirect_uri'".
func missingParameters(names ...string) *oidcError {
	noun := "parameter"
	if len(names) > 1 {
		noun = "parameters"
	}
	return &oidcError{status: 400, code: "invalid_request", description: "missing required " + noun + " " + formatList(names), ycode: "Y048017B"}
}

// formatList quotes names and joins them in English: 'a'; 'a' and 'b';
// 'a', 'b', and 'c'.
func formatList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	switch len(q) {
	case 1:
		return q[0]
	case 2:
		return q[0] + " and " + q[1]
	}
	return strings.Join(q[:len(q)-1], ", ") + ", and " + q[len(q)-1]
}

func invalidRequest(detail string) oidcError {
	return oidcError{status: 400, code: "invalid_request", description: "invalid_request", detail: detail, ycode: "Y048017B"}
}

func missingParameter(name string) oidcError {
	return oidcError{status: 400, code: "invalid_request", description: "missing required parameter '" + name + "'", ycode: "Y048017B"}
}

func invalidGrant(detail, ycode string) oidcError {
	return oidcError{status: 400, code: "invalid_grant", description: "grant request is invalid", detail: detail, ycode: ycode}
}

// tokenError turns fosite's error into FranceConnect's words
// (docs/franceconnect.md, « Jeton »). fosite's hints are matched here only, and each case
// is covered by a test so that a fosite upgrade that rewords one shows.
func (m *Mock) tokenError(err error) oidcError {
	var rfc *fosite.RFC6749Error
	if !errors.As(err, &rfc) {
		m.log.Error("token", "err", err)
		return oidcError{status: 500, code: "server_error", description: "oops! something went wrong", ycode: "Y000500"}
	}
	hint := rfc.HintField
	switch {
	case errors.Is(err, errCodeConsumed) || strings.Contains(hint, "already been used"):
		return invalidGrant("authorization code already consumed", "Y0416228")
	case rfc.ErrorField == fosite.ErrJTIKnown.ErrorField:
		// A replayed private_key_jwt assertion: node-oidc-provider, which
		// FranceConnect runs, answers invalid_client.
		return oidcError{status: 401, code: "invalid_client", description: "client authentication failed",
			detail: "client assertion tokens must only be used once", ycode: "Y0434A7B"}
	case rfc.ErrorField == fosite.ErrInvalidClient.ErrorField:
		detail, ycode := "invalid secret provided", "Y0434A7B"
		switch {
		case strings.Contains(hint, "does not exist"):
			detail, ycode = "client not found", "Y0479FCE"
		case strings.Contains(hint, "client authentication method"):
			detail, ycode = "the provided authentication mechanism does not match the registered client authentication method", "Y044D82C"
		case strings.Contains(rfc.DebugField, "assertion") || strings.Contains(hint, "assertion") || strings.Contains(hint, "JSON Web Token"):
			detail = "invalid client assertion"
		}
		return oidcError{status: 401, code: "invalid_client", description: "client authentication failed", detail: detail, ycode: ycode}
	case rfc.ErrorField == fosite.ErrInvalidGrant.ErrorField:
		switch {
		case strings.Contains(hint, "redirect_uri"):
			return invalidGrant("authorization code redirect_uri mismatch", "Y04F8199")
		case strings.Contains(hint, "Client ID"):
			return invalidGrant("client mismatch", "Y047A2EA")
		case strings.Contains(hint, "PKCE") || strings.Contains(hint, "code_verifier"):
			return invalidGrant("PKCE verification failed", "Y0446550")
		}
		return invalidGrant("authorization code not found", "Y049E20B")
	case rfc.ErrorField == fosite.ErrInvalidRequest.ErrorField:
		detail := hint
		if detail == "" {
			detail = rfc.DescriptionField
		}
		return invalidRequest(detail)
	case rfc.ErrorField == fosite.ErrUnauthorizedClient.ErrorField:
		return oidcError{status: 400, code: "unauthorized_client", description: "unauthorized_client", detail: hint, ycode: "Y048017B"}
	}
	if rfc.CodeField >= 500 {
		m.log.Error("token", "err", err, "debug", rfc.DebugField)
		return oidcError{status: 500, code: "server_error", description: "oops! something went wrong", ycode: "Y000500"}
	}
	return oidcError{status: rfc.CodeField, code: rfc.ErrorField, description: rfc.ErrorField, detail: hint, ycode: "Y048017B"}
}
