package franceconnect_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/franceconnect"
)

// codeFor logs persona in for client and returns the code, with extra
// authorize parameters (PKCE) on top of a correct request.
func codeFor(tb testing.TB, base, client string, extra url.Values) string {
	tb.Helper()
	q := url.Values{"client_id": {client}, "redirect_uri": {callback}, "response_type": {"code"},
		"scope": {"openid identite_pivot email"}, "state": {"state-0123"}, "nonce": {nonce()}, "acr_values": {"eidas1"}}
	for k, v := range extra {
		q[k] = v
	}
	back := login(tb, browser(tb), base, base+"/api/v2/authorize?"+q.Encode(), "angela", "123")
	code := back.Query().Get("code")
	if code == "" {
		tb.Fatalf("no code: %s", back)
	}
	return code
}

// tokenCall is one request to the token endpoint.
type tokenCall struct {
	form  url.Values
	basic [2]string // id, secret: an Authorization: Basic header
	raw   string    // a raw Authorization header
}

type tokenAnswer struct {
	status int
	body   map[string]any
}

func (a tokenAnswer) ycode() string {
	u, _ := url.Parse(a.body["error_uri"].(string))
	if u == nil {
		return ""
	}
	return u.Query().Get("code")
}

func postToken(tb testing.TB, base string, c tokenCall) tokenAnswer {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v2/token", strings.NewReader(c.form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.basic[0] != "" {
		req.SetBasicAuth(url.QueryEscape(c.basic[0]), url.QueryEscape(c.basic[1]))
	}
	if c.raw != "" {
		req.Header.Set("Authorization", c.raw)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		tb.Fatalf("token answer %d is not JSON: %s", resp.StatusCode, b)
	}
	return tokenAnswer{resp.StatusCode, body}
}

func assertion(tb testing.TB, base, client string, key any, kid string) string {
	tb.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"iss": client, "sub": client, "aud": base + "/api/v2/token",
		"jti": base64.RawURLEncoding.EncodeToString(b), "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	jws, err := s.Sign(claims)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestTokenErrors: the token endpoint's errors, with node-oidc-provider
// v9.1.2's order (the client before the code) and FranceConnect's Y-codes.
// Every case tokenError maps from fosite is here too, so that a fosite
// upgrade that rewords a hint shows.
func TestTokenErrors(t *testing.T) {
	m, base := newMock(t)
	set := testserver.Fixtures(t)
	pk, ok := set.Key("fs-pkjwt-1")
	if !ok {
		t.Fatal("no key fs-pkjwt-1")
	}
	if err := m.AddClient(fixtures.Client{ClientID: "single-uri", ClientSecret: "single-uri-secret",
		RedirectURIs: fixtures.RedirectURIs{"http://127.0.0.1/callback"}, Scopes: []string{"openid", "identite_pivot", "email"}}); err != nil {
		t.Fatal(err)
	}
	post := func(client, secret, code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callback},
			"client_id": {client}, "client_secret": {secret}}
	}
	fs := func(code string) url.Values { return post("sandbox-fs", "sandbox-fs-secret", code) }
	without := func(f url.Values, keys ...string) url.Values {
		for _, k := range keys {
			f.Del(k)
		}
		return f
	}
	with := func(f url.Values, k string, v ...string) url.Values { f[k] = v; return f }
	fsCode := func() string { return codeFor(t, base, "sandbox-fs", nil) }
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	const (
		authFailed = "client authentication failed"
		mismatch   = authFailed + " (the provided authentication mechanism does not match the registered client authentication method)"
		oneMech    = "client authentication must only be provided using one mechanism (undefined)"
	)
	cases := []struct {
		name   string
		call   func() tokenCall
		status int
		error  string
		desc   string
		ycode  string
	}{
		{"wrong secret", func() tokenCall { return tokenCall{form: post("sandbox-fs", "wrong", fsCode())} },
			401, "invalid_client", authFailed + " (invalid secret provided)", "Y0434A7B"},
		{"unknown client", func() tokenCall { return tokenCall{form: post("nobody", "x", "code")} },
			401, "invalid_client", authFailed + " (client not found)", "Y0479FCE"},
		{"inactive client", func() tokenCall {
			return tokenCall{form: post("sandbox-fs-inactive", "sandbox-fs-inactive-secret", "code")}
		}, 401, "invalid_client", authFailed + " (client not found)", "Y0479FCE"},
		{"client_secret_post client without a secret", func() tokenCall {
			return tokenCall{form: without(fs(fsCode()), "client_secret")}
		}, 401, "invalid_client", mismatch, "Y044D82C"},
		{"client_secret_post client with Basic only", func() tokenCall {
			return tokenCall{form: without(fs(fsCode()), "client_secret", "client_id"), basic: [2]string{"sandbox-fs", "sandbox-fs-secret"}}
		}, 401, "invalid_client", mismatch, "Y044D82C"},
		{"private_key_jwt client with a secret", func() tokenCall {
			return tokenCall{form: post("sandbox-fs-pkjwt", "secret", "code")}
		}, 401, "invalid_client", mismatch, "Y044D82C"},
		{"Basic and client_secret at once", func() tokenCall {
			return tokenCall{form: fs(fsCode()), basic: [2]string{"sandbox-fs", "sandbox-fs-secret"}}
		}, 400, "invalid_request", oneMech, "Y04DADA6"},
		{"assertion and client_secret at once", func() tokenCall {
			f := with(post("sandbox-fs-pkjwt", "secret", "code"), "client_assertion", assertion(t, base, "sandbox-fs-pkjwt", pk.Signer, pk.KID))
			return tokenCall{form: with(f, "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")}
		}, 400, "invalid_request", oneMech, "Y047E9E5"},
		{"no client authentication", func() tokenCall {
			return tokenCall{form: without(fs("code"), "client_id", "client_secret")}
		}, 400, "invalid_request", "no client authentication mechanism provided (undefined)", "Y044FEB3"},
		{"malformed Authorization header", func() tokenCall {
			return tokenCall{form: without(fs("code"), "client_secret"), raw: "Bearer abc"}
		}, 400, "invalid_request", "invalid authorization header value format (undefined)", "Y04F62CD"},
		{"bad client and empty code: the client first", func() tokenCall {
			return tokenCall{form: post("sandbox-fs", "wrong", "")}
		}, 401, "invalid_client", authFailed + " (invalid secret provided)", "Y0434A7B"},
		{"bad client and no grant_type: the client first", func() tokenCall {
			return tokenCall{form: without(post("nobody", "x", ""), "grant_type")}
		}, 401, "invalid_client", authFailed + " (client not found)", "Y0479FCE"},
		{"bad client and unknown code: the client first", func() tokenCall {
			return tokenCall{form: post("sandbox-fs", "wrong", "unknown-code")}
		}, 401, "invalid_client", authFailed + " (invalid secret provided)", "Y0434A7B"},
		{"duplicated client_secret", func() tokenCall {
			return tokenCall{form: with(fs("code"), "client_secret", "a", "b")}
		}, 400, "invalid_request", "'client_secret' parameter must not be provided twice (undefined)", "Y0496E4A"},
		{"duplicated code", func() tokenCall { return tokenCall{form: with(fs("code"), "code", "a", "b")} },
			400, "invalid_request", "'code' parameter must not be provided twice (undefined)", "Y0496E4A"},
		{"duplicated code and redirect_uri", func() tokenCall {
			return tokenCall{form: with(with(fs("code"), "code", "a", "b"), "redirect_uri", callback, callback)}
		}, 400, "invalid_request", "'code' and 'redirect_uri' parameters must not be provided twice (undefined)", "Y0496E4A"},
		{"no grant_type", func() tokenCall { return tokenCall{form: without(fs("code"), "grant_type")} },
			400, "invalid_request", "missing required parameter 'grant_type' (undefined)", "Y048017B"},
		{"unsupported grant_type", func() tokenCall {
			return tokenCall{form: with(fs("code"), "grant_type", "refresh_token")}
		}, 400, "unsupported_grant_type", "unsupported grant_type requested (undefined)", "Y04C2044"},
		{"empty code", func() tokenCall { return tokenCall{form: fs("")} },
			400, "invalid_request", "missing required parameter 'code' (undefined)", "Y048017B"},
		{"no redirect_uri with several registered", func() tokenCall {
			return tokenCall{form: without(fs(fsCode()), "redirect_uri")}
		}, 400, "invalid_request", "missing required parameter 'redirect_uri' (undefined)", "Y048017B"},
		{"neither code nor redirect_uri", func() tokenCall {
			return tokenCall{form: without(fs(""), "redirect_uri")}
		}, 400, "invalid_request", "missing required parameters 'code' and 'redirect_uri' (undefined)", "Y048017B"},
		{"unknown code", func() tokenCall { return tokenCall{form: fs("unknown-code")} },
			400, "invalid_grant", "grant request is invalid (authorization code not found)", "Y049E20B"},
		{"another client's code", func() tokenCall {
			return tokenCall{form: post("sandbox-fs-rs256", "sandbox-fs-rs256-secret", fsCode())}
		}, 400, "invalid_grant", "grant request is invalid (client mismatch)", "Y047A2EA"},
		{"code_verifier without code_challenge", func() tokenCall {
			return tokenCall{form: with(fs(fsCode()), "code_verifier", verifier)}
		}, 400, "invalid_grant", "grant request is invalid (PKCE verification failed)", "Y0446550"},
		{"code_verifier of 42 characters", func() tokenCall {
			return tokenCall{form: with(fs(fsCode()), "code_verifier", strings.Repeat("v", 42))}
		}, 400, "invalid_request", "code_verifier must be a string with a minimum length of 43 characters (undefined)", "Y04F7D1A"},
		{"wrong code_verifier (PKCE client)", func() tokenCall {
			code := codeFor(t, base, "sandbox-fs-pkce", url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}})
			return tokenCall{form: with(post("sandbox-fs-pkce", "sandbox-fs-pkce-secret", code), "code_verifier", strings.Repeat("w", 43))}
		}, 400, "invalid_grant", "grant request is invalid (PKCE verification failed)", "Y0446550"},
		{"other redirect_uri", func() tokenCall {
			return tokenCall{form: with(fs(fsCode()), "redirect_uri", "http://127.0.0.1:9999/other")}
		}, 400, "invalid_grant", "grant request is invalid (authorization code redirect_uri mismatch)", "Y04F8199"},
		{"code already used", func() tokenCall {
			code := fsCode()
			if a := postToken(t, base, tokenCall{form: fs(code)}); a.status != 200 {
				t.Fatalf("first exchange: %d %v", a.status, a.body)
			}
			return tokenCall{form: fs(code)}
		}, 400, "invalid_grant", "grant request is invalid (authorization code already consumed)", "Y0416228"},
		{"assertion replayed", func() tokenCall {
			a := assertion(t, base, "sandbox-fs-pkjwt", pk.Signer, pk.KID)
			f := func() url.Values {
				return url.Values{"grant_type": {"authorization_code"}, "code": {codeFor(t, base, "sandbox-fs-pkjwt", nil)},
					"redirect_uri": {callback}, "client_assertion": {a},
					"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}
			}
			if ans := postToken(t, base, tokenCall{form: f()}); ans.status != 200 {
				t.Fatalf("first use of the assertion: %d %v", ans.status, ans.body)
			}
			return tokenCall{form: f()}
		}, 401, "invalid_client", authFailed + " (client assertion tokens must only be used once)", "Y0434A7B"},
		{"assertion signed by another key", func() tokenCall {
			return tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {"code"}, "redirect_uri": {callback},
				"client_assertion":      {assertion(t, base, "sandbox-fs-pkjwt", otherKey, pk.KID)},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}}
		}, 401, "invalid_client", authFailed + " (invalid client assertion)", "Y0434A7B"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := postToken(t, base, tc.call())
			if a.status != tc.status || a.body["error"] != tc.error || a.body["error_description"] != tc.desc || a.ycode() != tc.ycode {
				t.Errorf("got %d %v %q %s, want %d %s %q %s", a.status, a.body["error"], a.body["error_description"], a.ycode(),
					tc.status, tc.error, tc.desc, tc.ycode)
			}
		})
	}
}

// TestTokenWithoutRedirectURI: redirect_uri may be left out when the client
// has a single registered one (node-oidc-provider's
// allowOmittingSingleRegisteredRedirectUri); and the checks made before
// fosite let good requests through: PKCE with the right verifier, a
// private_key_jwt client that leaves out client_id.
func TestTokenWithoutRedirectURI(t *testing.T) {
	m, base := newMock(t)
	if err := m.AddClient(fixtures.Client{ClientID: "single-uri", ClientSecret: "single-uri-secret",
		RedirectURIs: fixtures.RedirectURIs{"http://127.0.0.1/callback"}, Scopes: []string{"openid", "identite_pivot", "email"}}); err != nil {
		t.Fatal(err)
	}
	code := codeFor(t, base, "single-uri", nil)
	a := postToken(t, base, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {"single-uri"}, "client_secret": {"single-uri-secret"}}})
	if a.status != 200 || a.body["id_token"] == nil {
		t.Errorf("single redirect_uri left out: %d %v", a.status, a.body)
	}
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	code = codeFor(t, base, "sandbox-fs-pkce", url.Values{"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}})
	a = postToken(t, base, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callback},
		"client_id": {"sandbox-fs-pkce"}, "client_secret": {"sandbox-fs-pkce-secret"}, "code_verifier": {verifier}}})
	if a.status != 200 {
		t.Errorf("PKCE with the right verifier: %d %v", a.status, a.body)
	}
	pk, _ := testserver.Fixtures(t).Key("fs-pkjwt-1")
	f := url.Values{"grant_type": {"authorization_code"}, "code": {codeFor(t, base, "sandbox-fs-pkjwt", nil)}, "redirect_uri": {callback},
		"client_assertion":      {assertion(t, base, "sandbox-fs-pkjwt", pk.Signer, pk.KID)},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}
	if a := postToken(t, base, tokenCall{form: f}); a.status != 200 {
		t.Errorf("assertion without client_id: %d %v", a.status, a.body)
	}
}

// TestUserinfoExpiresWithTheAccessToken: the userinfo JWT's exp is the
// access token's, not a time after the call.
func TestUserinfoExpiresWithTheAccessToken(t *testing.T) {
	m, base := newMock(t)
	code := codeFor(t, base, "sandbox-fs", nil)
	before := m.Kit().Clock.Now()
	a := postToken(t, base, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {callback}, "client_id": {"sandbox-fs"}, "client_secret": {"sandbox-fs-secret"}}})
	if a.status != 200 {
		t.Fatalf("token: %d %v", a.status, a.body)
	}
	if err := m.Kit().Clock.Advance(40 * time.Second); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+a.body["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("userinfo: %d %s", resp.StatusCode, body)
	}
	jws, err := jose.ParseSigned(string(body), []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var claims struct{ Exp, Iat int64 }
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		t.Fatal(err)
	}
	want := before.Add(franceconnect.AccessTokenTTL).Unix()
	if claims.Exp < want || claims.Exp > want+2 {
		t.Errorf("exp = %d, want the access token's expiry %d (iat %d)", claims.Exp, want, claims.Iat)
	}
	if claims.Exp-claims.Iat > 25 {
		t.Errorf("exp - iat = %d s: exp follows the call, not the access token", claims.Exp-claims.Iat)
	}
}

// TestTokensOfAClientShareItsClock: a client whose clock the control API
// moved ahead gets an id_token and a userinfo JWT whose iat and exp are on
// that clock, like its access token's expiry: the userinfo expires with
// the access token, at the id_token's exp.
func TestTokensOfAClientShareItsClock(t *testing.T) {
	_, base := newMock(t)
	req, _ := http.NewRequest(http.MethodPost, base+"/__sandbox/clients/sandbox-fs/clock", strings.NewReader(`{"advance":"31s"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("client clock: %d", resp.StatusCode)
	}
	code := codeFor(t, base, "sandbox-fs", nil)
	a := postToken(t, base, tokenCall{form: url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {callback}, "client_id": {"sandbox-fs"}, "client_secret": {"sandbox-fs-secret"}}})
	if a.status != 200 {
		t.Fatalf("token: %d %v", a.status, a.body)
	}
	claimsOf := func(jwt string) (c struct{ Exp, Iat int64 }) {
		t.Helper()
		jws, err := jose.ParseSigned(jwt, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatalf("%v: %s", err, jwt)
		}
		_ = json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &c)
		return c
	}
	idt := claimsOf(a.body["id_token"].(string))
	req, _ = http.NewRequest(http.MethodGet, base+"/api/v2/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+a.body["access_token"].(string))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ui := claimsOf(string(body))
	if d := ui.Exp - idt.Exp; d < -1 || d > 1 {
		t.Errorf("userinfo exp %d, id_token exp %d: %+d s apart", ui.Exp, idt.Exp, d)
	}
	if d := ui.Iat - idt.Iat; d < 0 || d > 1 {
		t.Errorf("userinfo iat %d, id_token iat %d: not on one clock", ui.Iat, idt.Iat)
	}
}
