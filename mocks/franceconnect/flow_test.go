package franceconnect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/franceconnect"
)

// newMock serves the mock on a real loopback port and returns its URL.
func newMock(tb testing.TB) (*franceconnect.Mock, string) {
	tb.Helper()
	var m *franceconnect.Mock
	base := testserver.Start(tb, func(base string) (http.Handler, error) {
		var err error
		m, err = franceconnect.New(franceconnect.Config{PublicURL: base, Fixtures: testserver.Fixtures(tb)})
		return m, err
	})
	return m, base
}

// browser is a cookie-keeping client that does not follow redirects, so
// tests see each hop.
func browser(tb testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

const callback = "http://127.0.0.1:9999/callback"

// rp is a relying party configured as a FranceConnect integration must be.
type rp struct {
	conf     oauth2.Config
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

func newRP(tb testing.TB, issuer, clientID, secret string, scopes []string, algs ...string) *rp {
	tb.Helper()
	p, err := oidc.NewProvider(context.Background(), issuer)
	if err != nil {
		tb.Fatal(err)
	}
	ep := p.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInParams // client_secret_post
	return &rp{
		conf:     oauth2.Config{ClientID: clientID, ClientSecret: secret, Endpoint: ep, RedirectURL: callback, Scopes: scopes},
		provider: p,
		verifier: p.Verifier(&oidc.Config{ClientID: clientID, SupportedSigningAlgs: algs}),
	}
}

var reAction = regexp.MustCompile(`<form method="post" action="([^"]+)" id="login-form">`)

// login runs authorize → login page → typed login; it returns the final
// redirection to the service.
func login(tb testing.TB, b *http.Client, base, authURL, persona, password string) *url.URL {
	tb.Helper()
	resp, err := b.Get(authURL)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("authorize: status %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	if strings.HasPrefix(loc, callback) {
		u, _ := url.Parse(loc)
		return u // SSO
	}
	resp, err = b.Get(base + loc)
	if err != nil {
		tb.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := reAction.FindSubmatch(page)
	if m == nil {
		tb.Fatalf("no login form on %s:\n%s", loc, page)
	}
	resp, err = b.PostForm(base+string(m[1]), url.Values{"login": {persona}, "password": {password}})
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("login: status %d", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func nonce() string { return "n-0123456789abcdefghijklmnop" }

func TestFlowWithRelyingPartyLibraries(t *testing.T) {
	_, base := newMock(t)
	cases := []struct {
		persona, client, secret, alg string
		want                         map[string]any
	}{
		{"angela", "sandbox-fs", "sandbox-fs-secret", "ES256", map[string]any{
			"given_name": "Angela Claire Louise", "family_name": "DUBOIS", "birthdate": "1962-08-24",
			"gender": "female", "birthplace": "75107", "birthcountry": "99100", "email": "angela.dubois@example.test",
			"given_name_array": []any{"Angela", "Claire", "Louise"},
		}},
		{"ne-etranger", "sandbox-fs", "sandbox-fs-secret", "ES256", map[string]any{
			"given_name": "Jean", "family_name": "FLEURET", "birthdate": "1992-11-01", "gender": "male",
			"birthplace": "", "birthcountry": "99217",
		}},
		{"jean-philippe", "sandbox-fs-rs256", "sandbox-fs-rs256-secret", "RS256", map[string]any{
			"given_name": "Jean Philippe Pierre Louis", "given_name_array": []any{"Jean Philippe", "Pierre", "Louis"},
			"birthplace": "75107",
		}},
		{"corse", "sandbox-fs", "sandbox-fs-secret", "ES256", map[string]any{"birthplace": "2A004", "gender": "male"}},
		{"jeanne", "sandbox-fs", "sandbox-fs-secret", "ES256", map[string]any{"preferred_username": "MARTIN"}},
	}
	for _, tc := range cases {
		t.Run(tc.persona+"/"+tc.alg, func(t *testing.T) {
			scopes := []string{"openid", "identite_pivot", "email"}
			if tc.persona == "jeanne" {
				scopes = append(scopes, "preferred_username")
			}
			r := newRP(t, base+"/api/v2", tc.client, tc.secret, scopes, tc.alg)
			authURL := r.conf.AuthCodeURL("state-xyz", oauth2.SetAuthURLParam("nonce", nonce()),
				oauth2.SetAuthURLParam("acr_values", "eidas1"))
			back := login(t, browser(t), base, authURL, tc.persona, "123")
			q := back.Query()
			if q.Get("state") != "state-xyz" || q.Get("iss") != base+"/api/v2" || len(q.Get("code")) != 43 {
				t.Fatalf("callback query = %v", q)
			}
			ctx := context.Background()
			tok, err := r.conf.Exchange(ctx, q.Get("code"))
			if err != nil {
				t.Fatal(err)
			}
			raw := tok.Extra("id_token").(string)
			idt, err := r.verifier.Verify(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			var claims map[string]any
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			if idt.Nonce != nonce() || claims["acr"] != "eidas1" || len(claims) != 8 {
				t.Errorf("id_token claims = %v", claims)
			}
			if !regexp.MustCompile(`^[0-9a-f]{64}v1$`).MatchString(idt.Subject) {
				t.Errorf("sub %q is not 64 hex + v1", idt.Subject)
			}
			req, _ := http.NewRequest(http.MethodGet, base+"/api/v2/userinfo", nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/jwt") {
				t.Fatalf("userinfo content type %q: %s", ct, body)
			}
			jwks := oidc.NewRemoteKeySet(ctx, base+"/api/v2/jwks")
			payload, err := jwks.VerifySignature(ctx, string(body))
			if err != nil {
				t.Fatal(err)
			}
			var info map[string]any
			if err := json.Unmarshal(payload, &info); err != nil {
				t.Fatal(err)
			}
			if info["sub"] != idt.Subject || info["aud"] != tc.client || info["iss"] != base+"/api/v2" {
				t.Errorf("userinfo sub/aud/iss = %v %v %v", info["sub"], info["aud"], info["iss"])
			}
			for k, want := range tc.want {
				if fmt.Sprint(info[k]) != fmt.Sprint(want) {
					t.Errorf("userinfo %s = %#v, want %#v", k, info[k], want)
				}
			}
		})
	}
}
