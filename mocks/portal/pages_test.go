package portal

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestHomePageRenderedOnce: the home page, rendered once when the portal
// is built, is served whole on every visit, with its start form.
func TestHomePageRenderedOnce(t *testing.T) {
	p, err := New(Config{PublicURL: "http://localhost:7104", ProConnectURL: "http://localhost:7100",
		PisteURL: "http://localhost:7103", ClientID: "portail-demo", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	var first string
	for i := range 2 {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host = "localhost"
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		body := rec.Body.String()
		switch {
		case rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=utf-8":
			t.Fatalf("visit %d: %d %q", i, rec.Code, rec.Header().Get("Content-Type"))
		case !strings.Contains(body, `<form method="get" action="/demarrer">`) || !strings.Contains(body, "</html>"):
			t.Fatalf("visit %d: no start form, or a cut page: %s", i, body)
		case rec.Header().Get("Content-Length") != strconv.Itoa(len(body)):
			t.Errorf("visit %d: Content-Length %s for %d bytes", i, rec.Header().Get("Content-Length"), len(body))
		case i == 1 && body != first:
			t.Errorf("the second visit differs")
		}
		first = body
	}
}
