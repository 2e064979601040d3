package franceconnect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// BenchmarkCodeFlow measures complete authorization-code flows against the
// mock over loopback: authorize, login, token, userinfo, with the client
// verifying the id_token and the userinfo signatures (ES256), as a service
// does. flows/s is the figure to quote; run with -cpu 2.
func BenchmarkCodeFlow(b *testing.B) {
	for _, conc := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			_, base := newMock(b)
			issuer := base + "/api/v2"
			ctx := context.Background()
			keys := oidc.NewRemoteKeySet(ctx, issuer+"/jwks")
			verifier := oidc.NewVerifier(issuer, keys, &oidc.Config{ClientID: "sandbox-fs", SupportedSigningAlgs: []string{"ES256"}})
			transport := &http.Transport{MaxIdleConnsPerHost: 64}
			b.Cleanup(transport.CloseIdleConnections)
			client := &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			authURL := issuer + "/authorize?" + url.Values{
				"client_id": {"sandbox-fs"}, "redirect_uri": {"http://localhost:8080/callback"}, "response_type": {"code"},
				"scope": {"openid identite_pivot email"}, "state": {"bench-state"}, "nonce": {"bench-nonce-0123456789abcdef"},
				"acr_values": {"eidas1"},
			}.Encode()
			flow := func() error {
				resp, err := client.Get(authURL)
				if err != nil {
					return err
				}
				drain(resp)
				interaction := resp.Header.Get("Location")
				resp, err = client.PostForm(base+interaction+"/login", url.Values{"login": {"angela"}, "password": {"123"}})
				if err != nil {
					return err
				}
				drain(resp)
				back, err := url.Parse(resp.Header.Get("Location"))
				if err != nil || back.Query().Get("code") == "" {
					return fmt.Errorf("no code: %v %s", err, resp.Header.Get("Location"))
				}
				resp, err = client.PostForm(issuer+"/token", url.Values{"grant_type": {"authorization_code"},
					"code": {back.Query().Get("code")}, "redirect_uri": {"http://localhost:8080/callback"},
					"client_id": {"sandbox-fs"}, "client_secret": {"sandbox-fs-secret"}})
				if err != nil {
					return err
				}
				var tok struct {
					AccessToken string `json:"access_token"`
					IDToken     string `json:"id_token"`
				}
				err = json.NewDecoder(resp.Body).Decode(&tok)
				drain(resp)
				if err != nil {
					return err
				}
				idt, err := verifier.Verify(ctx, tok.IDToken)
				if err != nil || idt.Nonce != "bench-nonce-0123456789abcdef" {
					return fmt.Errorf("id_token: %v", err)
				}
				req, _ := http.NewRequest(http.MethodGet, issuer+"/userinfo", nil)
				req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
				resp, err = client.Do(req)
				if err != nil {
					return err
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if _, err := keys.VerifySignature(ctx, string(body)); err != nil {
					return fmt.Errorf("userinfo: %v", err)
				}
				return nil
			}
			if err := flow(); err != nil { // warm the JWKS cache and the connections
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			if conc == 1 {
				for b.Loop() {
					if err := flow(); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism((conc + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := flow(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "flows/s")
		})
	}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

var _ = strings.TrimSpace
