package franceconnect

import (
	"encoding/json"
	"errors"
	"net/http"
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
		f := r.PostForm
		for _, k := range []string{"grant_type", "code", "redirect_uri"} {
			if len(f[k]) > 1 {
				invalidRequest("parameter '" + k + "' must only be provided once").write(w)
				return
			}
		}
		switch gt := f.Get("grant_type"); {
		case gt == "":
			missingParameter("grant_type").write(w)
			return
		case gt != "authorization_code":
			oidcError{status: 400, code: "unsupported_grant_type", description: "unsupported grant_type requested",
				detail: gt, ycode: "Y048017B"}.write(w)
			return
		}
		if f.Get("code") == "" {
			missingParameter("code").write(w)
			return
		}
		if f.Get("redirect_uri") == "" {
			missingParameter("redirect_uri").write(w)
			return
		}
		ctx := r.Context()
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
		c, ok := m.client(ar.GetClient().GetID())
		if sess == nil || !ok {
			m.log.Error("token: session or client lost", "client", ar.GetClient().GetID())
			oidcError{status: 500, code: "server_error", description: "oops! something went wrong", ycode: "Y000500"}.write(w)
			return
		}
		idt, err := m.idToken(c, sess, m.now())
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
		detail := "invalid secret provided"
		switch {
		case strings.Contains(hint, "does not exist"):
			detail = "client not found"
		case strings.Contains(hint, "client authentication method"):
			detail = "client authentication method not allowed"
		case strings.Contains(rfc.DebugField, "assertion") || strings.Contains(hint, "assertion") || strings.Contains(hint, "JSON Web Token"):
			detail = "invalid client assertion"
		}
		return oidcError{status: 401, code: "invalid_client", description: "client authentication failed", detail: detail, ycode: "Y0434A7B"}
	case rfc.ErrorField == fosite.ErrInvalidGrant.ErrorField:
		switch {
		case strings.Contains(hint, "redirect_uri"):
			return invalidGrant("authorization code redirect_uri mismatch", "Y04F8199")
		case strings.Contains(hint, "Client ID"):
			return invalidGrant("authorization code client mismatch", "Y049E20B")
		case strings.Contains(hint, "PKCE") || strings.Contains(hint, "code_verifier"):
			return invalidGrant("PKCE verification failed", "Y049E20B")
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
