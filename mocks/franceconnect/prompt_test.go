package franceconnect

import (
	"strings"
	"testing"
)

// TestValidPrompt: at least one of login and consent is enough.
func TestValidPrompt(t *testing.T) {
	for in, want := range map[string]bool{
		"login": true, "consent": true, "login consent": true, "consent login": true,
		"login none": true, "consent select_account": true, "none  login": true,
		"": false, "none": false, "select_account": false, "none select_account": false,
		"Login": false, "login\tconsent": false,
		"login " + strings.Repeat("x", 58): true, "login " + strings.Repeat("x", 59): false,
	} {
		if got := validPrompt(in); got != want {
			t.Errorf("validPrompt(%q) = %v, want %v", in, got, want)
		}
	}
}
