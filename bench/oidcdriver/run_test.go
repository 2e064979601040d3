package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/franceconnect"
)

func fcMock(t *testing.T) string {
	t.Helper()
	base := testserver.Start(t, func(base string) (http.Handler, error) {
		return franceconnect.New(franceconnect.Config{PublicURL: base, Fixtures: testserver.Fixtures(t)})
	})
	return base + "/api/v2"
}

// Complete flows against this project's FranceConnect mock: its login page
// (a persona clicked), client_secret_post, the ES256 id_token and the JWT
// userinfo verified. The mock runs in this process, so -pid is ours.
func TestRunAgainstFranceConnectMock(t *testing.T) {
	issuer := fcMock(t)
	var stdout, stderr bytes.Buffer
	rc := run(context.Background(), []string{"oidcdriver", "-issuer", issuer, "-client-id", "sandbox-fs",
		"-client-secret", "sandbox-fs-secret", "-redirect-uri", "http://127.0.0.1:9999/callback", "-adapter", "franceconnect",
		"-flows", "20", "-concurrency", "4", "-rounds", "2", "-pid", strconv.Itoa(os.Getpid()), "-tsv"}, &stdout, &stderr)
	if rc != 0 {
		t.Fatalf("rc = %d, stderr:\n%s", rc, &stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and 2 rounds, got:\n%s", &stdout)
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 7 || f[1] != "20" || f[2] != "0" || f[5] == "-" || f[6] == "-" {
			t.Errorf("round line %q: want 20 flows, 0 errors, CPU and RSS measured", l)
		}
	}
}

func TestRunFailures(t *testing.T) {
	issuer := fcMock(t)
	good := []string{"oidcdriver", "-issuer", issuer, "-client-id", "sandbox-fs", "-client-secret", "sandbox-fs-secret",
		"-redirect-uri", "http://127.0.0.1:9999/callback", "-adapter", "franceconnect", "-flows", "2"}
	with := func(kv ...string) []string {
		args := append([]string(nil), good...)
		for i := 0; i < len(kv); i += 2 {
			for j := range args {
				if args[j] == kv[i] {
					args[j+1] = kv[i+1]
				}
			}
		}
		return args
	}
	tests := []struct {
		name   string
		args   []string
		rc     int
		stderr string
	}{
		{name: "missing flags", args: []string{"oidcdriver", "-issuer", issuer}, rc: 2, stderr: "missing -client-id, -client-secret, -redirect-uri, -adapter"},
		{name: "unknown adapter", args: with("-adapter", "keycloak"), rc: 2, stderr: `-adapter "keycloak": known adapters are franceconnect, none, zitadel`},
		{name: "no provider", args: with("-issuer", "http://127.0.0.1:1/api/v2"), rc: 2, stderr: "discovery:"},
		{name: "wrong secret", args: with("-client-secret", "wrong"), rc: 1, stderr: "token:"},
		{name: "unknown persona", args: append(with(), "-login", "nobody"), rc: 1, stderr: `no persona "nobody"`},
		// Without acr_values, FranceConnect answers its Y030007 page.
		{name: "an error page", args: with("-adapter", "none"), rc: 1, stderr: "GET /api/v2/authorize: status 400"},
		{name: "bad count", args: with("-flows", "0"), rc: 2, stderr: "must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			rc := run(context.Background(), tt.args, &stdout, &stderr)
			if rc != tt.rc || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("rc = %d, stderr %q; want %d and %q", rc, stderr.String(), tt.rc, tt.stderr)
			}
		})
	}
}
