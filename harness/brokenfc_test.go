package harness_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/franceconnect"
)

// tamperToken rewrites the token endpoint's JSON answer.
func tamperToken(next http.Handler, change func(map[string]any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/token") || strings.HasPrefix(r.URL.Path, "/__sandbox/") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &body) == nil {
			change(body)
			b, _ := json.Marshal(body)
			rec.Body = bytes.NewBuffer(b)
			rec.Header().Del("Content-Length")
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// TestSuiteFailsBrokenProviders proves the franceconnect suite strict: the
// FranceConnect mock with one defect at a time, put in front of it, must
// fail, and for the right reason.
func TestSuiteFailsBrokenProviders(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the broken-provider runs take a few seconds")
	}
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change func(map[string]any)
		reason string // a failed scenario's error contains this
	}{
		{"signs the id_token with a broken signature", func(b map[string]any) {
			if tok, ok := b["id_token"].(string); ok && strings.Count(tok, ".") == 2 {
				i := strings.LastIndexByte(tok, '.')
				b["id_token"] = tok[:i+1] + strings.Repeat("A", len(tok)-i-1)
			}
		}, "signature"},
		{"answers a token response with a key FranceConnect never sends", func(b map[string]any) {
			b["refresh_token"] = "jamais-chez-franceconnect"
		}, "refresh_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			base := "http://" + ln.Addr().String()
			fc, err := franceconnect.New(franceconnect.Config{PublicURL: base, Fixtures: set})
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: tamperToken(fc, tc.change)}
			go func() { _ = srv.Serve(ln) }()
			defer srv.Close()
			var out bytes.Buffer
			res, err := harness.Run(context.Background(), harness.RunOptions{Suites: []string{"franceconnect"},
				Tags: "~@fcplus", Format: "progress", Concurrency: 4, Output: &out, NoColors: true,
				Target: harness.Target{FranceConnectURL: base}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Passed || res.FailedCount == 0 {
				t.Fatalf("the suite passed a provider that %s", tc.name)
			}
			for _, r := range res.Scenarios {
				if r.Status == harness.StatusFailed && strings.Contains(r.Error, tc.reason) {
					return
				}
			}
			t.Fatalf("%d scenarios failed, none mentioning %q:\n%s", res.FailedCount, tc.reason, out.String())
		})
	}
}
