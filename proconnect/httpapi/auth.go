package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// tokenVerifier checks PISTE access tokens: ES256 signature against PISTE's
// JWKS, iss, aud, exp and nbf (with a minute of leeway for clocks apart). A verified token is cached until it expires, so a
// portal's cached token costs one signature check, not one per call.
type tokenVerifier struct {
	issuer, audience string
	keys             *oidc.RemoteKeySet
	now              func() time.Time
	cache            sync.Map // token → *accessToken
	size             atomic.Int64
}

const maxCachedTokens = 10000

type accessToken struct {
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	Issuer   string `json:"iss"`
	Audience any    `json:"aud"`
	Expiry   int64  `json:"exp"`
	// NotBefore, when set, is when the token starts to be valid.
	NotBefore int64 `json:"nbf"`
}

// nbfLeeway is how far ahead of the core's clock a token's nbf may be:
// PISTE's clock and the core's are not the same clock.
const nbfLeeway = 60

func newTokenVerifier(cfg Config, now func() time.Time) *tokenVerifier {
	ctx := oidc.ClientContext(context.Background(), cfg.HTTPClient)
	return &tokenVerifier{issuer: cfg.PisteIssuer, audience: cfg.Audience, now: now,
		keys: oidc.NewRemoteKeySet(ctx, cfg.PisteURL+"/api/oauth/jwks")}
}

var (
	errNoToken      = errors.New("no bearer token")
	errInvalidToken = errors.New("invalid token")
)

// verify returns the token's claims, or errNoToken / errInvalidToken.
func (v *tokenVerifier) verify(ctx context.Context, r *http.Request) (*accessToken, error) {
	h := r.Header.Get("Authorization")
	if len(h) < 8 || !strings.EqualFold(h[:7], "bearer ") {
		return nil, errNoToken
	}
	raw := strings.TrimSpace(h[7:])
	if c, ok := v.cache.Load(raw); ok {
		t := c.(*accessToken)
		if v.now().Unix() >= t.Expiry {
			return nil, errInvalidToken
		}
		return t, nil
	}
	payload, err := v.keys.VerifySignature(ctx, raw)
	if err != nil {
		return nil, errInvalidToken
	}
	var t accessToken
	if json.Unmarshal(payload, &t) != nil || t.Issuer != v.issuer || !hasAudience(t.Audience, v.audience) ||
		t.ClientID == "" || v.now().Unix() >= t.Expiry || t.NotBefore > v.now().Unix()+nbfLeeway {
		return nil, errInvalidToken
	}
	if v.size.Add(1) > maxCachedTokens {
		v.cache.Clear()
		v.size.Store(1)
	}
	v.cache.Store(raw, &t)
	return &t, nil
}

func hasAudience(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		return slices.Contains(a, any(want))
	}
	return false
}

func (t *accessToken) hasScope(s string) bool { return slices.Contains(strings.Fields(t.Scope), s) }
