package sirene_test

import (
	"net/http"
	"testing"
)

// TestRNEBodiesAreOneJSONValue: the RNE's JSON bodies (login, contact email)
// are one JSON object; trailing data is refused in the RNE's own error
// format, trailing white space is not.
func TestRNEBodiesAreOneJSONValue(t *testing.T) {
	r := newRegister(t)
	login := `{"username":"sandbox","password":"sandbox-rne-password"}`
	for _, tail := range []string{"{}", " x", "}", ` {"username":"other"}`} {
		status, body := r.do(t, http.MethodPost, "/api/sso/login", "", login+tail)
		if status != http.StatusUnauthorized || jsonPath(t, body, "errorCode") != "invalid_request" {
			t.Errorf("login followed by %q: %d %s, want the RNE's 401 invalid_request", tail, status, body)
		}
	}
	if status, body := r.do(t, http.MethodPost, "/api/sso/login", "", login+" \r\n"); status != http.StatusOK {
		t.Errorf("login followed by white space: %d %s", status, body)
	}
	tok := r.rneLogin(t)
	const path = "/api/companies/901010009/contact-email"
	email := `{"contact_email":"nadia@benali.example.test"}`
	for _, tail := range []string{"{}", " x", "]"} {
		status, body := r.do(t, http.MethodPut, path, tok, email+tail)
		if status != http.StatusBadRequest || jsonPath(t, body, "errorCode") != "invalid_request" {
			t.Errorf("contact email followed by %q: %d %s, want the RNE's 400 invalid_request", tail, status, body)
		}
	}
	if status, body := r.do(t, http.MethodPut, path, tok, email+"\n"); status != http.StatusOK {
		t.Errorf("contact email followed by a newline: %d %s", status, body)
	}
}
