package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// TestMailNamesItsPortal: a mail sent for a portal names it in the header
// the mail catcher scopes by; a client_id that would break the header is
// left out rather than injected.
func TestMailNamesItsPortal(t *testing.T) {
	for portal, want := range map[string]string{
		"portail-a":           control.PortalHeader + ": portail-a\r\n",
		"":                    "",
		"x\r\nBcc: e@exemple": "",
	} {
		raw, err := compose(proconnect.Mail{ID: "m1", To: "d@exemple.test", Subject: "Demande d'accès", Text: "t", HTML: "<p>t</p>",
			CreatedAt: time.Now(), PortalID: portal})
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
		if got := strings.Contains(head, control.PortalHeader); got != (want != "") || (want != "" && !strings.Contains(head, want)) || strings.Contains(head, "Bcc") {
			t.Errorf("portal %q: header %q, want %q", portal, head, want)
		}
	}
}
