package piste_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/piste"
)

func newPISTE(tb testing.TB) string {
	tb.Helper()
	return testserver.Start(tb, func(base string) (http.Handler, error) {
		return piste.New(piste.Config{PublicURL: base, Fixtures: testserver.Fixtures(tb)})
	})
}

type answer struct {
	status int
	body   map[string]any
	raw    string
	header http.Header
}

func post(t *testing.T, u string, form url.Values, user, pass string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(b), header: resp.Header}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func TestClientCredentials(t *testing.T) {
	base := newPISTE(t)
	tokenURL := base + "/api/oauth/token"
	resp, err := http.Get(base + "/api/oauth/jwks")
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	_ = json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()

	for name, a := range map[string]answer{
		"basic": post(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {"proconnect"}}, "portail-demo", "portail-demo-secret"),
		"post": post(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "client_id": {"portail-demo"},
			"client_secret": {"portail-demo-secret"}}, "", ""),
	} {
		t.Run(name, func(t *testing.T) {
			if a.status != 200 || a.body["token_type"] != "bearer" || a.body["expires_in"] == nil {
				t.Fatalf("%d %s", a.status, a.raw)
			}
			jws, err := jose.ParseSigned(a.body["access_token"].(string), []jose.SignatureAlgorithm{jose.ES256})
			if err != nil {
				t.Fatal(err)
			}
			keys := set.Key(jws.Signatures[0].Header.KeyID)
			if len(keys) != 1 {
				t.Fatalf("kid %q not in the JWKS", jws.Signatures[0].Header.KeyID)
			}
			payload, err := jws.Verify(keys[0])
			if err != nil {
				t.Fatal(err)
			}
			var c map[string]any
			_ = json.Unmarshal(payload, &c)
			exp, iat := c["exp"].(float64), c["iat"].(float64)
			if c["client_id"] != "portail-demo" || c["sub"] != "portail-demo" || c["scope"] != "proconnect" ||
				c["iss"] != base || exp-iat != 3600 {
				t.Fatalf("claims %v", c)
			}
			aud, _ := c["aud"].([]any)
			if len(aud) != 1 || aud[0] != piste.DefaultAudience {
				t.Fatalf("aud %v", c["aud"])
			}
		})
	}

	for name, tc := range map[string]struct {
		form       url.Values
		user, pass string
		status     int
		err        string
	}{
		"wrong secret":      {url.Values{"grant_type": {"client_credentials"}}, "portail-demo", "nope", 401, "invalid_client"},
		"unknown client":    {url.Values{"grant_type": {"client_credentials"}}, "nobody", "x", 401, "invalid_client"},
		"no credentials":    {url.Values{"grant_type": {"client_credentials"}}, "", "", 401, "invalid_client"},
		"scope not granted": {url.Values{"grant_type": {"client_credentials"}, "scope": {"admin"}}, "portail-demo", "portail-demo-secret", 400, "invalid_scope"},
		"password grant":    {url.Values{"grant_type": {"password"}, "username": {"x"}, "password": {"y"}}, "portail-demo", "portail-demo-secret", 400, "unsupported_grant_type"},
		"no grant type":     {url.Values{}, "portail-demo", "portail-demo-secret", 400, "invalid_request"},
	} {
		t.Run(name, func(t *testing.T) {
			a := post(t, tokenURL, tc.form, tc.user, tc.pass)
			if a.status != tc.status || a.body["error"] != tc.err || a.body["error_description"] == nil {
				t.Fatalf("%d %s, want %d %s", a.status, a.raw, tc.status, tc.err)
			}
		})
	}
}

// TestJournalClientIsAuthenticated: the journal names a token request's
// client only once its secret was checked; a request with a wrong secret
// keeps the name it claimed apart, so that nobody can fill a portal's own
// journal (what its control token reads, what the suite counts) by
// claiming to be it.
func TestJournalClientIsAuthenticated(t *testing.T) {
	base := newPISTE(t)
	tokenURL := base + "/api/oauth/token"
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"proconnect"}}
	if a := post(t, tokenURL, form, "portail-demo", "pas-le-secret"); a.status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d %s", a.status, a.raw)
	}
	if a := post(t, tokenURL, form, "portail-demo", "portail-demo-secret"); a.status != http.StatusOK {
		t.Fatalf("right secret: %d %s", a.status, a.raw)
	}
	resp, err := http.Get(base + "/__sandbox/journal")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Entries []struct {
			Path, Client, Claimed string
			Status                int
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range out.Entries {
		if e.Path == "/api/oauth/token" {
			got = append(got, fmt.Sprintf("%d client=%q claimed=%q", e.Status, e.Client, e.Claimed))
		}
	}
	want := []string{`401 client="" claimed="portail-demo"`, `200 client="portail-demo" claimed="portail-demo"`}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("journal: %v, want %v", got, want)
	}
}
