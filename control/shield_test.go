package control_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// send serves one request to h exactly as given: no default header, and the
// Host of target (http://HOST/path).
func send(h http.Handler, method, target, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// wantProblem fails the test unless rec is a problem+json answer with status.
func wantProblem(t *testing.T, what string, rec *httptest.ResponseRecorder, status int) map[string]any {
	t.Helper()
	if rec.Code != status || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s: %d %s %s, want a %d problem", what, rec.Code, rec.Header().Get("Content-Type"), rec.Body, status)
		return nil
	}
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Errorf("%s: the problem is not JSON: %s", what, rec.Body)
	}
	return p
}

// newShieldedComponent is newComponent with a control route of its own that
// reads no body (it must not be able to forget the JSON rule), and the names
// an assembled sandbox gives its kits.
func newShieldedComponent(t *testing.T) (*control.Kit, http.Handler) {
	t.Helper()
	k := control.NewKit("test", nil, "")
	k.AllowedHosts = []string{"proconnect", "franceconnect.example"}
	k.PublicOrigins = []string{"http://localhost:7100", "https://franceconnect.example"}
	r := chi.NewRouter()
	r.Use(k.Middleware)
	r.Get("/hello", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) })
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(k.Guard)
		k.Mount(r, nil)
		r.Put("/own", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	})
	return k, r
}

// TestControlWritesAreJSON: a control write that carries a body must say
// application/json, and one that says a form's type is refused even empty:
// a cross-site page can send those without a preflight.
func TestControlWritesAreJSON(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		name, method, path, ct, body string
		want                         int
	}{
		{"form reset", "POST", "/__sandbox/reset", form, "x=1", 415},
		{"empty form reset", "POST", "/__sandbox/reset", form, "", 415},
		{"multipart reset", "POST", "/__sandbox/reset", "multipart/form-data; boundary=x", "", 415},
		{"text/plain JSON", "POST", "/__sandbox/faults", "text/plain", `{"path":"/hello","status":503}`, 415},
		{"fault without Content-Type", "POST", "/__sandbox/faults", "", `{"path":"/hello","status":503}`, 415},
		{"another type", "DELETE", "/__sandbox/faults", "application/xml", "<x/>", 415},
		{"JSON-like prefix", "POST", "/__sandbox/faults", "application/jsonp", `{"path":"/hello","status":503}`, 415},
		{"form on a component's own route", "PUT", "/__sandbox/own", form, "", 415},
		{"form PATCH on no route", "PATCH", "/__sandbox/nothing", form, "a=b", 415},
		{"bodyless reset, as curl -X POST", "POST", "/__sandbox/reset", "", "", 204},
		{"bodyless delete", "DELETE", "/__sandbox/faults", "", "", 204},
		{"bodyless own route", "PUT", "/__sandbox/own", "", "", 204},
		{"empty JSON reset", "POST", "/__sandbox/reset", "application/json", "", 204},
		{"JSON fault", "POST", "/__sandbox/faults", "application/json; charset=utf-8", `{"path":"/hello","status":503}`, 201},
		{"JSON in capitals", "POST", "/__sandbox/faults", "Application/JSON", `{"path":"/hello","status":503}`, 201},
		{"reads are not writes", "GET", "/__sandbox/faults", form, "", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, h := newShieldedComponent(t)
			hdr := map[string]string{}
			if tc.ct != "" {
				hdr["Content-Type"] = tc.ct
			}
			rec := send(h, tc.method, "http://localhost:7100"+tc.path, tc.body, hdr)
			if tc.want == 415 {
				p := wantProblem(t, tc.name, rec, 415)
				if d, _ := p["detail"].(string); p != nil && !strings.Contains(d, "application/json") {
					t.Errorf("the detail does not say what to send: %q", d)
				}
				if n := len(k.Faults.List()); n != 0 {
					t.Errorf("a refused write changed the state: %d faults", n)
				}
				return
			}
			if rec.Code != tc.want {
				t.Errorf("%d %s, want %d", rec.Code, rec.Body, tc.want)
			}
		})
	}
}

// TestDecodeJSONRequiresJSON: DecodeJSON (also used outside /__sandbox/)
// wants the Content-Type.
func TestDecodeJSONRequiresJSON(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v struct {
			A int `json:"a"`
		}
		if control.DecodeJSON(w, r, &v) {
			w.WriteHeader(http.StatusNoContent)
		}
	})
	cases := []struct {
		name, ct, body string
		want           int
	}{
		{"no Content-Type", "", `{"a":1}`, 415},
		{"form", "application/x-www-form-urlencoded", `{"a":1}`, 415},
		{"JSON-like prefix", "application/jsonx", `{"a":1}`, 415},
		{"empty", "", "", 400},
		{"unknown field", "application/json", `{"b":1}`, 400},
		{"one object", "application/json", `{"a":1}`, 204},
		{"trailing white space", "application/json; charset=utf-8", "{\"a\":1} \r\n\t\n", 204},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.ct != "" {
				hdr["Content-Type"] = tc.ct
			}
			rec := send(h, "POST", "http://localhost/api", tc.body, hdr)
			if tc.want == 204 {
				if rec.Code != 204 {
					t.Errorf("%d %s, want 204", rec.Code, rec.Body)
				}
				return
			}
			wantProblem(t, tc.name, rec, tc.want)
		})
	}
}

// TestHostIsChecked: a page on a domain its owner points at 127.0.0.1 (DNS
// rebinding) reaches the sandbox with its own name in Host; only the names
// the sandbox is known by get in, on every route.
func TestHostIsChecked(t *testing.T) {
	_, h := newShieldedComponent(t)
	allowed := []string{"localhost:7100", "localhost", "LocalHost.:7100", "127.0.0.1:7100", "10.1.2.3", "[::1]:7100", "[::1]",
		"fc.localhost:7101", "a.b.localhost", "proconnect:7100", "PROCONNECT", "franceconnect.example:443"}
	for _, host := range allowed {
		rec := send(h, "GET", "http://"+host+"/hello", "", nil)
		if rec.Code != 200 {
			t.Errorf("Host %s: %d %s, want 200", host, rec.Code, rec.Body)
		}
	}
	refused := []string{"evil.test:7100", "evil.test", "localhost.evil.test", "evillocalhost", "proconnect.evil.test",
		"127.0.0.1.nip.io:7100", "franceconnect.example.evil.test", "localhost:7100@evil.test"}
	for _, host := range refused {
		for _, path := range []string{"/hello", "/__sandbox/journal", "/__sandbox/healthz"} {
			req := httptest.NewRequest("GET", "http://localhost"+path, nil)
			req.Host = host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if p := wantProblem(t, "Host "+host+" "+path, rec, http.StatusMisdirectedRequest); p != nil {
				d, _ := p["detail"].(string)
				if !strings.Contains(d, host) || !strings.Contains(d, "public URL") {
					t.Errorf("Host %s: the detail says neither the host nor how to allow it: %q", host, d)
				}
			}
		}
	}
	// a write with a refused Host changes nothing
	req := httptest.NewRequest("POST", "http://evil.test/__sandbox/faults", strings.NewReader(`{"path":"/hello","status":503}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMisdirectedRequest {
		t.Fatalf("a fault from evil.test: %d", rec.Code)
	}
	if rec := send(h, "GET", "http://localhost/hello", "", nil); rec.Code != 200 {
		t.Fatalf("a refused fault was queued: %d", rec.Code)
	}
}

// TestCrossSiteControlWritesAreRefused: a browser says where a request
// comes from (Origin, Sec-Fetch-Site); a control write from another site is
// refused, one from the component itself or from a component's public page
// is not. Reads stay open (a browser does not let the page read them).
func TestCrossSiteControlWritesAreRefused(t *testing.T) {
	cases := []struct {
		name, host string
		hdr        map[string]string
		want       int
	}{
		{"another site", "localhost:7100", map[string]string{"Origin": "http://evil.test"}, 403},
		{"another site on a port", "127.0.0.1:7100", map[string]string{"Origin": "http://evil.test:7100"}, 403},
		{"an opaque origin", "localhost:7100", map[string]string{"Origin": "null"}, 403},
		{"a garbled origin", "localhost:7100", map[string]string{"Origin": "::"}, 403},
		{"an allowed name, not a sandbox page", "localhost:7100", map[string]string{"Origin": "http://localhost:9999"}, 403},
		{"another scheme", "localhost:7100", map[string]string{"Origin": "https://localhost:7100"}, 403},
		{"a rebinding page's own origin", "localhost:7100", map[string]string{"Origin": "http://127.0.0.1.nip.io:7100"}, 403},
		{"cross-site fetch metadata", "localhost:7100", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"cross-site metadata, own origin", "localhost:7100", map[string]string{"Origin": "http://localhost:7100", "Sec-Fetch-Site": "cross-site"}, 403},
		{"its own origin", "127.0.0.1:7100", map[string]string{"Origin": "http://127.0.0.1:7100"}, 204},
		{"its own origin, default port", "proconnect", map[string]string{"Origin": "http://PROCONNECT:80"}, 204},
		{"a component's public page", "127.0.0.1:7100", map[string]string{"Origin": "http://localhost:7100", "Sec-Fetch-Site": "same-site"}, 204},
		{"a public page behind TLS", "127.0.0.1:7101", map[string]string{"Origin": "https://franceconnect.example:443"}, 204},
		{"same origin metadata", "localhost:7100", map[string]string{"Sec-Fetch-Site": "same-origin"}, 204},
		{"typed by the user", "localhost:7100", map[string]string{"Sec-Fetch-Site": "none"}, 204},
		{"no browser", "localhost:7100", nil, 204},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, h := newShieldedComponent(t)
			rec := send(h, "POST", "http://"+tc.host+"/__sandbox/reset", "", tc.hdr)
			if tc.want == 403 {
				wantProblem(t, tc.name, rec, 403)
			} else if rec.Code != tc.want {
				t.Errorf("%d %s, want %d", rec.Code, rec.Body, tc.want)
			}
			if rec := send(h, "GET", "http://"+tc.host+"/__sandbox/faults", "", tc.hdr); rec.Code != 200 {
				t.Errorf("a read with the same headers: %d", rec.Code)
			}
		})
	}
}
