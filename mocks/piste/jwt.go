package piste

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/oauth2"

	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/internal/es256"
)

// tokenStrategy issues PISTE's access tokens, ES256 JWTs, with the claims
// fosite's JWT strategy (oauth2.DefaultJWTStrategy) puts in them for the
// client_credentials grant: aud, client_id, exp, iat, iss, jti, scope (the
// granted scopes, space-separated), sub (the client). It signs them itself:
// fosite's generic path builds a claims map, a go-jose signer per token and
// encodes both through reflection, about a third of a token's cost outside
// the signature (issue 14); es256 signs with the fixture key. Everything else — validating an access token,
// the other token kinds PISTE does not issue — is fosite's.
type tokenStrategy struct {
	*oauth2.DefaultJWTStrategy
	signer *es256.Signer
	issuer string
}

var _ oauth2.CoreStrategy = (*tokenStrategy)(nil)

func newTokenStrategy(fallback *oauth2.DefaultJWTStrategy, key *ecdsa.PrivateKey, kid, issuer string) (*tokenStrategy, error) {
	signer, err := es256.New(key, kid, "JWT")
	if err != nil {
		return nil, fmt.Errorf("piste: %w", err)
	}
	return &tokenStrategy{DefaultJWTStrategy: fallback, signer: signer, issuer: issuer}, nil
}

// accessClaims are an access token's claims, in the order fosite's map
// gave them (sorted keys).
type accessClaims struct {
	Aud      []string `json:"aud"`
	ClientID string   `json:"client_id"`
	Exp      int64    `json:"exp"`
	Iat      int64    `json:"iat"`
	Iss      string   `json:"iss"`
	JTI      string   `json:"jti"`
	Scope    string   `json:"scope"`
	Sub      string   `json:"sub"`
}

// GenerateAccessToken returns the signed JWT and its signature part, which
// fosite uses as the token's storage key (PISTE stores nothing).
func (s *tokenStrategy) GenerateAccessToken(_ context.Context, r fosite.Requester) (token, signature string, err error) {
	exp := r.GetSession().GetExpiresAt(fosite.AccessToken)
	if exp.IsZero() {
		return "", "", errors.New("piste: the access token has no expiry") // fosite's grant handler sets it
	}
	aud := []string(r.GetGrantedAudience())
	if aud == nil {
		aud = []string{}
	}
	id := r.GetClient().GetID()
	claims, err := json.Marshal(accessClaims{Aud: aud, ClientID: id, Exp: exp.Unix(), Iat: time.Now().Unix(),
		Iss: s.issuer, JTI: uuid.NewString(), Scope: strings.Join(r.GetGrantedScopes(), " "), Sub: id})
	if err != nil {
		return "", "", fmt.Errorf("piste: token claims: %w", err)
	}
	token, sigAt, err := s.signer.Sign(claims)
	if err != nil {
		return "", "", fmt.Errorf("piste: signing the token: %w", err)
	}
	return token, token[sigAt:], nil
}

// AccessTokenSignature is the token's signature part, as fosite's JWT
// strategy has it.
func (s *tokenStrategy) AccessTokenSignature(_ context.Context, token string) string {
	if i := strings.LastIndexByte(token, '.'); i >= 0 {
		return token[i+1:]
	}
	return ""
}

// tokenAnswer is the RFC 6749 §5.1 answer fosite's WriteAccessResponse
// writes for this grant, with the same members.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
	TokenType   string `json:"token_type"`
}

// writeAccessResponse writes resp as fosite's WriteAccessResponse does
// (same headers, same JSON members), without going through a map.
func writeAccessResponse(w http.ResponseWriter, resp fosite.AccessResponder) {
	a := tokenAnswer{AccessToken: resp.GetAccessToken(), TokenType: resp.GetTokenType()}
	a.ExpiresIn, _ = resp.GetExtra("expires_in").(int64)
	a.Scope, _ = resp.GetExtra("scope").(string)
	js, err := json.Marshal(a)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "The token answer could not be encoded.")
		return
	}
	h := w.Header()
	h["Cache-Control"] = []string{"no-store"}
	h["Pragma"] = []string{"no-cache"}
	h["Content-Type"] = []string{"application/json;charset=UTF-8"}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(js)
}
