package franceconnect_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Fuzz targets for the request parsing this package writes itself: any
// input gets FranceConnect's answer (a page, a redirection, a JSON error),
// never a panic or a 500.

func FuzzAuthorize(f *testing.F) {
	m, _ := newMock(f)
	for _, seed := range []string{
		"",
		"client_id=sandbox-fs&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcallback&response_type=code&scope=openid&state=s&nonce=0123456789012345678901&acr_values=eidas1",
		"client_id=sandbox-fs&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcallback&response_type=code+id_token&scope=openid&state=s&nonce=0123456789012345678901&acr_values=eidas3+inconnu&claims=%7B%22id_token%22%3A%7B%22amr%22%3Anull%7D%7D",
		"client_id=sandbox-fs-pkce&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&response_type=code&scope=openid&state=&nonce=0123456789012345678901&acr_values=&code_challenge=x&code_challenge_method=plain",
		"client_id=%ZZ&&&=",
		"prompt=login+consent&idp_hint=x&ui_locales=fr",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, raw string, post bool) {
		var req *http.Request
		if post {
			req = httptest.NewRequest(http.MethodPost, "http://localhost/api/v2/authorize", strings.NewReader(raw))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(http.MethodGet, "http://localhost/api/v2/authorize", nil)
			req.URL.RawQuery = raw
		}
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusSeeOther, http.StatusBadRequest:
		default:
			t.Fatalf("authorize %q: status %d\n%s", raw, rec.Code, rec.Body)
		}
	})
}

func FuzzToken(f *testing.F) {
	m, _ := newMock(f)
	for _, seed := range []string{
		"",
		"grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2Flocalhost%2Fcallback&client_id=sandbox-fs&client_secret=sandbox-fs-secret",
		"grant_type=authorization_code&code=abc&code=def&redirect_uri=x&client_id=sandbox-fs-pkjwt&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c",
		"grant_type=refresh_token&refresh_token=x&client_id=sandbox-fs&client_secret=sandbox-fs-secret",
		"grant_type=client_credentials&client_id=sandbox-fs&client_secret=sandbox-fs-secret",
		"%%%",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "http://localhost/api/v2/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest && rec.Code != http.StatusUnauthorized {
			t.Fatalf("token %q: status %d\n%s", body, rec.Code, rec.Body)
		}
		if !strings.Contains(rec.Body.String(), `"error_uri"`) {
			t.Fatalf("token %q: not a FranceConnect error: %s", body, rec.Body)
		}
	})
}

func FuzzUserinfo(f *testing.F) {
	m, _ := newMock(f)
	for _, seed := range []string{"", "Bearer ", "Bearer abc", "bearer " + strings.Repeat("a", 43), "Basic x", "Bearer \x00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, auth string) {
		req := httptest.NewRequest(http.MethodGet, "http://localhost/api/v2/userinfo", nil)
		req.Header["Authorization"] = []string{auth}
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("userinfo %q: status %d", auth, rec.Code)
		}
	})
}

func FuzzSessionEnd(f *testing.F) {
	m, _ := newMock(f)
	for _, seed := range []string{"", "id_token_hint=a.b.c", "id_token_hint=eyJhbGciOiJub25lIn0.e30.&state=x", "post_logout_redirect_uri=%%"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest(http.MethodGet, "http://localhost/api/v2/session/end", nil)
		req.URL.RawQuery = raw
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("session/end %q: status %d", raw, rec.Code)
		}
	})
}
