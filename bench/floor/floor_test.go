package floor

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/benchcpu"
)

// BenchmarkFloorES256 measures one ES256 signature and one verification
// with Go's standard library, as every component signs and checks its JWTs
// (a reference: no sandbox code).
func BenchmarkFloorES256(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte(`{"iss":"http://localhost:7101/api/v2","sub":"floor"}`))
	b.Run("sign", func(b *testing.B) {
		for b.Loop() {
			if _, err := ecdsa.SignASN1(rand.Reader, key, digest[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("verify", func(b *testing.B) {
		sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
				b.Fatal("the signature does not verify")
			}
		}
	})
}

// BenchmarkFloorExchange measures the smallest loopback HTTP exchange (a
// reference: no sandbox code), keep-alive, concurrency 8, with a handler
// that reads the body and writes 11 bytes of JSON; cpu-µs/op is the
// process's CPU time per exchange, client and server together. Run with
// -cpu 2.
func BenchmarkFloorExchange(b *testing.B) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		b.Run(method, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"ok":true}`))
			})}
			go func() { _ = srv.Serve(ln) }()
			b.Cleanup(func() { _ = srv.Close() })
			transport := &http.Transport{MaxIdleConnsPerHost: 64}
			b.Cleanup(transport.CloseIdleConnections)
			client := &http.Client{Transport: transport}
			url := "http://" + ln.Addr().String() + "/floor"
			const form = "grant_type=client_credentials&scope=proconnect"
			b.SetParallelism(4) // 8 at a time on 2 CPUs
			b.ResetTimer()
			cpu := benchcpu.Self()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var resp *http.Response
					var err error
					if method == http.MethodGet {
						resp, err = client.Get(url)
					} else {
						resp, err = client.Post(url, "application/x-www-form-urlencoded", strings.NewReader(form))
					}
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			benchcpu.Report(b, cpu)
		})
	}
}
