package piste_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/benchcpu"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/piste"
)

// BenchmarkToken measures client_credentials tokens (ES256 JWTs) over
// loopback at concurrency 8, each answer decoded as a client reads it (the
// token and its lifetime); run with -cpu 2.
func BenchmarkToken(b *testing.B) {
	base := newPISTE(b)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(transport.CloseIdleConnections)
	client := &http.Client{Transport: transport}
	body := url.Values{"grant_type": {"client_credentials"}, "scope": {"proconnect"}}.Encode()
	b.SetParallelism((8 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu := time.Now(), benchcpu.Self()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, base+"/api/oauth/token", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("portail-demo", "portail-demo-secret")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			var answer struct {
				AccessToken string `json:"access_token"`
				ExpiresIn   int64  `json:"expires_in"`
				TokenType   string `json:"token_type"`
			}
			err = json.NewDecoder(resp.Body).Decode(&answer)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || err != nil || answer.AccessToken == "" || answer.ExpiresIn <= 0 {
				b.Errorf("status %d, %v, %+v", resp.StatusCode, err, answer)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "tokens/s")
	benchcpu.Report(b, cpu)
}

// BenchmarkTokenHandler measures the mock's own work for one token (the
// Kit, routing, form, client authentication, claims, signature, answer),
// without the network: on a shared machine it moves less than
// BenchmarkToken, whose client and net/http are most of the cost.
func BenchmarkTokenHandler(b *testing.B) {
	m, err := piste.New(piste.Config{PublicURL: "http://localhost:7103", Fixtures: testserver.Fixtures(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		askToken(b, m)
	}
}
