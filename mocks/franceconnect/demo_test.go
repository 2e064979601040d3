package franceconnect_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

var rePersonaButton = regexp.MustCompile(`<form method="post" action="([^"]+)"><input type="hidden" name="login" value="angela">`)

// TestDemoShowsDecodedTokens walks the newcomer's path: /demo, the login
// page, a persona button, and the page with the decoded id_token and
// userinfo, which the built-in client verified.
func TestDemoShowsDecodedTokens(t *testing.T) {
	_, base := newMock(t)
	b := browser(t)
	follow := func(resp *http.Response) *http.Response {
		t.Helper()
		for resp.StatusCode == http.StatusSeeOther {
			loc, _ := resp.Request.URL.Parse(resp.Header.Get("Location"))
			resp.Body.Close()
			next, err := b.Get(loc.String())
			if err != nil {
				t.Fatal(err)
			}
			resp = next
		}
		return resp
	}
	resp, err := b.Get(base + "/demo")
	if err != nil {
		t.Fatal(err)
	}
	resp = follow(resp)
	var page bytes.Buffer
	_, _ = page.ReadFrom(resp.Body)
	resp.Body.Close()
	m := rePersonaButton.FindStringSubmatch(page.String())
	if m == nil {
		t.Fatalf("no button for angela on the login page:\n%s", page.String())
	}
	resp, err = b.PostForm(base+m[1], url.Values{"login": {"angela"}, "password": {"123"}})
	if err != nil {
		t.Fatal(err)
	}
	resp = follow(resp)
	page.Reset()
	_, _ = page.ReadFrom(resp.Body)
	resp.Body.Close()
	body := page.String()
	for _, want := range []string{`id="id-token-header"`, "&#34;alg&#34;: &#34;ES256&#34;", "&#34;acr&#34;: &#34;eidas1&#34;",
		"&#34;given_name&#34;: &#34;Angela Claire Louise&#34;", "&#34;birthplace&#34;: &#34;75107&#34;", "&#34;amr&#34;"} {
		if !strings.Contains(body, want) {
			t.Errorf("demo page lacks %s", want)
		}
	}
	if strings.Contains(body, `id="demo-error"`) {
		t.Fatalf("demo error:\n%s", body)
	}
}

// TestResetForgetsRunTimeAdditions checks that a reset removes clients
// added at run time and keeps the fixtures.
func TestResetForgetsRunTimeAdditions(t *testing.T) {
	m, base := newMock(t)
	if err := m.AddClient(fixtures.Client{ClientID: "temp", ClientSecret: "s", RedirectURIs: fixtures.RedirectURIs{"http://localhost/callback"},
		Scopes: []string{"openid"}}); err != nil {
		t.Fatal(err)
	}
	authorize := func(client string) int {
		q := url.Values{"client_id": {client}, "redirect_uri": {"http://localhost:1/callback"}, "response_type": {"code"},
			"scope": {"openid"}, "state": {"s"}, "nonce": {nonce()}, "acr_values": {"eidas1"}}
		resp, err := browser(t).Get(base + "/api/v2/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := authorize("temp"); c != http.StatusSeeOther {
		t.Fatalf("added client: %d", c)
	}
	resp, err := http.Post(base+"/__sandbox/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := authorize("temp"); c != http.StatusBadRequest {
		t.Fatalf("after reset, the added client still works: %d", c)
	}
	if c := authorize("sandbox-fs"); c != http.StatusSeeOther {
		t.Fatalf("after reset, the fixture client fails: %d", c)
	}
	resp, err = http.Post(base+"/__sandbox/clients", "application/json", strings.NewReader(`{"client_id":"x","redirect_uris":["nope"],"scopes":["profile"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var problem map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&problem)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(problem["detail"].(string), `redirect_uris[0]: "nope" is not an absolute URL`) {
		t.Fatalf("bad client: %d %v", resp.StatusCode, problem)
	}
}
