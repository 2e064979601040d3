package control

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkMiddlewareTokenCall measures the middleware around a token call
// (a form in, JSON out), without and with the exchange's details recorded:
// what the flow picture costs every exchange of a sandbox.
func BenchmarkMiddlewareTokenCall(b *testing.B) {
	answer := `{"access_token":"` + strings.Repeat("a", 600) + `","token_type":"Bearer","expires_in":60,"scope":"openid"}`
	for _, details := range []bool{false, true} {
		name := "journal"
		if details {
			name = "journal+details"
		}
		b.Run(name, func(b *testing.B) {
			k := NewKit("piste", nil, "")
			k.Details = details
			h := k.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, answer)
			}))
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "http://localhost/api/oauth/token",
					strings.NewReader("grant_type=client_credentials&scope=proconnect"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Authorization", "Basic cG9ydGFpbDpzZWNyZXQ=")
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		})
	}
}
