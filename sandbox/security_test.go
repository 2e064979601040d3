package sandbox_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// TestEveryComponentShieldsItsControlAPI checks the control API of every
// component of an assembled sandbox, as a browser page of another site (or
// a DNS-rebinding one) would reach it: the Host must be a name the sandbox
// is known by (its components' URLs), a control write must not come from
// another site, and one with a body must be JSON.
func TestEveryComponentShieldsItsControlAPI(t *testing.T) {
	const fcPublic = "http://fc.example.test:7101" // a configured name, as compose's
	stack, _ := sandboxtest.Start(t, sandbox.Config{PublicURLs: map[string]string{"franceconnect": fcPublic}})
	if len(stack.Services) != 7 {
		t.Fatalf("%d components", len(stack.Services))
	}
	for _, svc := range stack.Services {
		t.Run(svc.Name, func(t *testing.T) {
			base := "http://" + svc.Listen
			call := func(method, path, host, body string, hdr ...string) (int, string) {
				t.Helper()
				req, err := http.NewRequest(method, base+path, strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if host != "" {
					req.Host = host
				}
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s %s: %d answered as %s", method, path, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				return resp.StatusCode, string(b)
			}
			// Host
			for _, host := range []string{"evil.test:7100", "evil.test", "fc.example.test.evil.test"} {
				for _, path := range []string{"/__sandbox/journal", "/__sandbox/healthz", "/"} {
					if code, body := call("GET", path, host, ""); code != http.StatusMisdirectedRequest || !strings.Contains(body, host) {
						t.Errorf("GET %s with Host %s: %d %s, want 421 naming the host", path, host, code, body)
					}
				}
			}
			for _, host := range []string{"", "localhost:1", "fc.example.test:9999", "app.localhost"} {
				if code, body := call("GET", "/__sandbox/healthz", host, ""); code != http.StatusOK {
					t.Errorf("healthz with Host %q: %d %s", host, code, body)
				}
			}
			// JSON on control writes
			form := "application/x-www-form-urlencoded"
			if code, _ := call("POST", "/__sandbox/reset", "", "a=1", "Content-Type", form); code != http.StatusUnsupportedMediaType {
				t.Errorf("form POST reset: %d, want 415", code)
			}
			if code, _ := call("POST", "/__sandbox/reset", "", "", "Content-Type", "text/plain"); code != http.StatusUnsupportedMediaType {
				t.Errorf("empty text/plain POST reset: %d, want 415", code)
			}
			if code, _ := call("POST", "/__sandbox/faults", "", `{"path":"/x","status":503}`); code != http.StatusUnsupportedMediaType {
				t.Errorf("fault without Content-Type: %d, want 415", code)
			}
			if _, body := call("GET", "/__sandbox/faults", "", ""); strings.Contains(body, `"/x"`) {
				t.Errorf("a refused fault was queued: %s", body)
			}
			// cross-site control writes
			for _, hdr := range [][]string{{"Origin", "http://evil.test"}, {"Origin", "null"}, {"Sec-Fetch-Site", "cross-site"},
				{"Origin", "http://fc.example.test:1"}} {
				if code, _ := call("POST", "/__sandbox/reset", "", "", hdr...); code != http.StatusForbidden {
					t.Errorf("reset with %s: %s: %d, want 403", hdr[0], hdr[1], code)
				}
			}
			for _, hdr := range [][]string{nil, {"Origin", fcPublic}, {"Origin", base}, {"Sec-Fetch-Site", "same-site"}} {
				if code, body := call("POST", "/__sandbox/reset", "", "", hdr...); code != http.StatusNoContent {
					t.Errorf("reset with %v: %d %s, want 204", hdr, code, body)
				}
			}
		})
	}
}
