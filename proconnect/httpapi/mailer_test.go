package httpapi

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/mailbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// TestMailerSendsFrenchMultipart sends one mail as the core does and reads
// it back from the catcher: subject, both parts, the link, the login.
func TestMailerSendsFrenchMultipart(t *testing.T) {
	addr, api := testserver.Mailbox(t)
	mr := newMailer(addr, nil, time.Now, nil)
	mr.user, mr.password = "proconnect", "secret"
	link := "http://localhost:7100/demandes/abc?jeton=x%2By&z=1"
	mail := proconnect.Mail{ID: "m1", To: "dirigeant@exemple.test", Subject: "Demande d'accès de Camille Martin à « Démo »",
		Text: "Bonjour,\nouvrez : " + link + "\n", HTML: `<p>Bonjour, <a href="` + strings.ReplaceAll(link, "&", "&amp;") + `">ouvrir</a></p>`,
		CreatedAt: time.Now()}
	if err := mr.attempt(mail); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(api + "/api/messages?to=dirigeant@exemple.test")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Messages []mailbox.Message }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if len(out.Messages) != 1 {
		t.Fatalf("%d messages", len(out.Messages))
	}
	got := out.Messages[0]
	switch {
	case got.Subject != mail.Subject:
		t.Errorf("subject %q", got.Subject)
	case !strings.Contains(got.Text, "ouvrez : "+link) || !strings.Contains(got.HTML, "Bonjour"):
		t.Errorf("parts: %q / %q", got.Text, got.HTML)
	case len(got.Links) == 0 || got.Links[0] != link:
		t.Errorf("links %v", got.Links)
	case got.AuthUser != "proconnect":
		t.Errorf("logged in as %q", got.AuthUser)
	case got.From != mailFromAddr:
		t.Errorf("from %q", got.From)
	}
}

func TestMailerReportsRefusal(t *testing.T) {
	mr := newMailer("", nil, time.Now, nil)
	if err := mr.attempt(proconnect.Mail{To: "a@b.fr"}); err == nil {
		t.Fatal("no SMTP server, no error")
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	if err := newMailer(addr, nil, time.Now, nil).attempt(proconnect.Mail{To: "a@b.fr"}); err == nil {
		t.Fatal("a closed port accepted the mail")
	}
}

// TestLoopbackHost only parses addresses: none is dialled.
func TestLoopbackHost(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:25": true, "[::1]:25": true, "localhost:25": true,
		"smtp.example.fr:587": false, "192.0.2.1:25": false, "nonsense": false} {
		if got := loopbackHost(addr); got != want {
			t.Errorf("loopbackHost(%q) = %v", addr, got)
		}
	}
}
