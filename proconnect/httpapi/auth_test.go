package httpapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// TestTokenVerifierChecksClaims signs PISTE-like tokens with a test key
// served as a JWKS and checks what the core accepts: nbf in the future
// (beyond a minute of leeway) and an expired token are refused, as are a
// wrong issuer or audience; the scheme's case does not matter.
func TestTokenVerifierChecksClaims(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	}))
	defer jwks.Close()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	v := newTokenVerifier(Config{PisteIssuer: "https://piste.test", PisteURL: jwks.URL, Audience: "proconnect-api",
		HTTPClient: http.DefaultClient}, func() time.Time { return now })
	token := func(change func(map[string]any)) string {
		claims := map[string]any{"iss": "https://piste.test", "aud": "proconnect-api", "client_id": "portail",
			"scope": "proconnect", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		change(claims)
		b, _ := json.Marshal(claims)
		jws, err := signer.Sign(b)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := jws.CompactSerialize()
		return raw
	}
	cases := []struct {
		name   string
		scheme string
		change func(map[string]any)
		want   error
	}{
		{"valid", "Bearer", func(map[string]any) {}, nil},
		{"lower-case scheme", "bearer", func(c map[string]any) { c["jti"] = "other" }, nil},
		{"nbf within the leeway", "Bearer", func(c map[string]any) { c["nbf"] = now.Add(30 * time.Second).Unix() }, nil},
		{"nbf in the future", "Bearer", func(c map[string]any) { c["nbf"] = now.Add(5 * time.Minute).Unix() }, errInvalidToken},
		{"expired", "Bearer", func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() }, errInvalidToken},
		{"other issuer", "Bearer", func(c map[string]any) { c["iss"] = "https://evil.test" }, errInvalidToken},
		{"other audience", "Bearer", func(c map[string]any) { c["aud"] = "other-api" }, errInvalidToken},
		{"no client", "Bearer", func(c map[string]any) { delete(c, "client_id") }, errInvalidToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/certifications/x", nil)
			r.Header.Set("Authorization", tc.scheme+" "+token(tc.change))
			_, err := v.verify(context.Background(), r)
			if !errors.Is(err, tc.want) {
				t.Fatalf("verify: %v, want %v", err, tc.want)
			}
		})
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer    ")
	if _, err := v.verify(context.Background(), r); err == nil {
		t.Fatal("a blank bearer token was accepted")
	}
}
