package piste_test

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestTokenFormat holds what a client sees of a token beyond its signature
// (TestClientCredentials verifies that against the JWKS): the JOSE header,
// the exact set of claims fosite's JWT strategy gave, a new jti each time,
// and the answer's headers and members (RFC 6749 §5.1).
func TestTokenFormat(t *testing.T) {
	base := newPISTE(t)
	form := url.Values{"grant_type": {"client_credentials"}}
	seen := map[string]bool{}
	for range 2 {
		a := post(t, base+"/api/oauth/token", form, "portail-demo", "portail-demo-secret")
		if a.status != 200 {
			t.Fatalf("%d %s", a.status, a.raw)
		}
		for h, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache", "Content-Type": "application/json;charset=UTF-8"} {
			if got := a.header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		if got := slices.Sorted(maps.Keys(a.body)); !slices.Equal(got, []string{"access_token", "expires_in", "scope", "token_type"}) {
			t.Errorf("answer members %v", got)
		}
		if a.body["expires_in"] != float64(3600) && a.body["expires_in"] != float64(3599) {
			t.Errorf("expires_in %v", a.body["expires_in"])
		}
		if a.body["scope"] != "proconnect" || a.body["token_type"] != "bearer" {
			t.Errorf("answer %s", a.raw)
		}
		parts := strings.Split(a.body["access_token"].(string), ".")
		if len(parts) != 3 {
			t.Fatalf("token %q", a.body["access_token"])
		}
		var header, claims map[string]any
		decode(t, parts[0], &header)
		decode(t, parts[1], &claims)
		if header["alg"] != "ES256" || header["typ"] != "JWT" || header["kid"] == "" || len(header) != 3 {
			t.Errorf("header %v", header)
		}
		if got := slices.Sorted(maps.Keys(claims)); !slices.Equal(got, []string{"aud", "client_id", "exp", "iat", "iss", "jti", "scope", "sub"}) {
			t.Errorf("claims %v", got)
		}
		if sig, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil || len(sig) != 64 {
			t.Errorf("signature: %d bytes, %v", len(sig), err)
		}
		jti, _ := claims["jti"].(string)
		if jti == "" || seen[jti] {
			t.Errorf("jti %q again or empty", jti)
		}
		seen[jti] = true
	}
}

func decode(t *testing.T, part string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
}
