package control_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// TestRequireToken: with a token set, only a request that carries it as a
// bearer passes (the scheme in any case, RFC 9110 §11.1); the others get a
// 401 problem with its challenge. Without a token, everything passes.
func TestRequireToken(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, tc := range []struct {
		token, authorization string
		want                 int
	}{
		{"jeton", "Bearer jeton", http.StatusNoContent},
		{"jeton", "bearer jeton", http.StatusNoContent},
		{"jeton", "BEARER  jeton", http.StatusNoContent},
		{"jeton", "", http.StatusUnauthorized},
		{"jeton", "Bearer", http.StatusUnauthorized},
		{"jeton", "Bearer ", http.StatusUnauthorized},
		{"jeton", "Bearer jeton2", http.StatusUnauthorized},
		{"jeton", "Bearer jeto", http.StatusUnauthorized},
		{"jeton", "Basic amV0b246", http.StatusUnauthorized},
		{"jeton", "jeton", http.StatusUnauthorized},
		{"", "", http.StatusNoContent},
		{"", "Bearer n-importe", http.StatusNoContent},
	} {
		k := control.NewKit("test", nil, tc.token)
		req := httptest.NewRequest(http.MethodGet, "/api/messages", nil)
		if tc.authorization != "" {
			req.Header.Set("Authorization", tc.authorization)
		}
		rec := httptest.NewRecorder()
		k.RequireToken(ok).ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("token %q, Authorization %q: %d, want %d", tc.token, tc.authorization, rec.Code, tc.want)
			continue
		}
		if rec.Code != http.StatusUnauthorized {
			continue
		}
		var p struct{ Type string }
		if rec.Header().Get("WWW-Authenticate") != control.TokenChallenge || rec.Header().Get("Content-Type") != "application/problem+json" ||
			json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Type == "" {
			t.Errorf("Authorization %q: the 401 is not a problem with its challenge: %v %s", tc.authorization, rec.Header(), rec.Body)
		}
	}
}

func TestHasToken(t *testing.T) {
	k := control.NewKit("test", nil, "jeton")
	if !k.HasToken("jeton") || k.HasToken("jeton ") || k.HasToken("") || k.HasToken("JETON") {
		t.Fatal("HasToken accepts another token, or refuses its own")
	}
	if control.NewKit("test", nil, "").HasToken("") {
		t.Fatal("a kit without token has the empty one")
	}
}

// TestGuardTakesTheSchemeInAnyCase: the control routes take "bearer" as
// they take "Bearer" (RFC 9110 §11.1), and still refuse a wrong token.
func TestGuardTakesTheSchemeInAnyCase(t *testing.T) {
	_, h := newComponent(t, "tok")
	for auth, want := range map[string]int{"bearer tok": http.StatusNoContent, "BEARER tok": http.StatusNoContent, "bearer nope": http.StatusUnauthorized} {
		if rec := do(h, "POST", "/__sandbox/reset", "", "Authorization", auth); rec.Code != want {
			t.Errorf("reset with %q: %d, want %d", auth, rec.Code, want)
		}
	}
}
