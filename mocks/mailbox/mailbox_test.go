package mailbox_test

import (
	"encoding/json"
	"net/http"
	"net/smtp"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/mailbox"
)

func TestReceivesAndServesMail(t *testing.T) {
	smtpAddr, api := testserver.Mailbox(t)

	body := "From: ProConnect <noreply@proconnect.example.test>\r\nTo: angela@example.test\r\n" +
		"Subject: =?utf-8?q?V=C3=A9rifiez_votre_adresse?=\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=b1\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Bonjour, cliquez : http://localhost:7100/contact/verifier?jeton=3Dabc&x=3D1 merci=\r\n.\r\n" +
		"--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p><a href=\"http://localhost:7100/contact/verifier?jeton=abc&amp;x=1\">V\xc3\xa9rifier</a></p>\r\n--b1--\r\n"
	if err := smtp.SendMail(smtpAddr, nil, "noreply@proconnect.example.test", []string{"angela@example.test"}, []byte(body)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(api + "/api/messages?to=ANGELA@example.test")
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Messages []mailbox.Message }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if len(out.Messages) != 1 {
		t.Fatalf("%d messages", len(out.Messages))
	}
	msg := out.Messages[0]
	if msg.Subject != "Vérifiez votre adresse" || !strings.Contains(msg.Text, "Bonjour") || !strings.Contains(msg.HTML, "<a href") {
		t.Fatalf("message %+v", msg)
	}
	if len(msg.Links) != 1 || msg.Links[0] != "http://localhost:7100/contact/verifier?jeton=abc&x=1" {
		t.Fatalf("links %v", msg.Links)
	}
	if resp, _ := http.Get(api + "/api/messages?to=other@example.test"); resp != nil {
		var o struct{ Messages []mailbox.Message }
		_ = json.NewDecoder(resp.Body).Decode(&o)
		resp.Body.Close()
		if len(o.Messages) != 0 {
			t.Fatal("filter by recipient")
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, api+"/api/messages", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
		t.Fatalf("clear: %v", err)
	}
	if resp, _ := http.Get(api + "/api/messages/1"); resp == nil || resp.StatusCode != 404 {
		t.Fatal("cleared message still there")
	}
}

func TestOutageRefusesThenRecovers(t *testing.T) {
	smtpAddr, api := testserver.Mailbox(t)

	for _, bad := range []string{`{}`, `{"messages":-1}`, `nope`} {
		resp, err := http.Post(api+"/__sandbox/smtp-outage", "application/json", strings.NewReader(bad))
		if err != nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: %v %v", bad, resp.StatusCode, err)
		}
	}
	resp, err := http.Post(api+"/__sandbox/smtp-outage", "application/json", strings.NewReader(`{"messages":2}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("outage: %v", err)
	}
	send := func() error {
		return smtp.SendMail(smtpAddr, nil, "a@example.test", []string{"b@example.test"}, []byte("Subject: x\r\n\r\nbody\r\n"))
	}
	for i := range 2 {
		err := send()
		if err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("message %d during the outage: %v, want a 451", i+1, err)
		}
	}
	if err := send(); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

func TestBase64Part(t *testing.T) {
	smtpAddr, api := testserver.Mailbox(t)
	// "Bonjour, voici le lien : http://localhost:7100/x?a=1" in base64, wrapped
	body := "Subject: b64\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"Qm9uam91ciwgdm9pY2kgbGUg\r\nbGllbiA6IGh0dHA6Ly9sb2NhbGhvc3Q6NzEwMC94P2E9MQ==\r\n"
	if err := smtp.SendMail(smtpAddr, nil, "a@example.test", []string{"b@example.test"}, []byte(body)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(api + "/api/messages/1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var msg mailbox.Message
	_ = json.NewDecoder(resp.Body).Decode(&msg)
	if msg.Text != "Bonjour, voici le lien : http://localhost:7100/x?a=1" || len(msg.Links) != 1 {
		t.Fatalf("%q %v", msg.Text, msg.Links)
	}
}
