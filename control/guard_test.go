package control_test

import "testing"

// TestBearerSchemeIsCaseInsensitive: the scheme of Authorization is
// case-insensitive (RFC 9110 §11.1, RFC 6750 §2.1); the token is not.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	_, h := newComponent(t, "tok")
	for auth, want := range map[string]int{
		"Bearer tok":  204,
		"bearer tok":  204,
		"BEARER tok":  204,
		"bEaReR tok":  204,
		"Bearer  tok": 204, // 1*SP
		"Bearer TOK":  401,
		"Bearer tok2": 401,
		"Bearer to":   401,
		"Bearertok":   401,
		"Basic tok":   401,
		"tok":         401,
		"Bearer":      401,
		"Bearer ":     401,
		"":            401,
	} {
		if rec := do(h, "POST", "/__sandbox/reset", "", "Authorization", auth); rec.Code != want {
			t.Errorf("Authorization %q: %d, want %d", auth, rec.Code, want)
		}
	}
}
