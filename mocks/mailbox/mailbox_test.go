package mailbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

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

// TestHostileStructureAnsweredAtOnce: a message built to make the parse
// costly (multipart nested far deeper than mail goes, thousands of parts)
// is refused with 554 5.6.0 as soon as its structure passes the limits;
// big headers are taken; and the mailbox takes the next message as usual.
// One deadline bounds the whole exchange: a parse that goes on fails the
// test within seconds instead of hanging it.
func TestHostileStructureAnsweredAtOnce(t *testing.T) {
	addr, api := testserver.Mailbox(t)
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name string
		msg  []byte
		code int // 0: taken
	}{
		{"multipart nested 8,000 levels (450 KB)", nested(8000), 554},
		{"multipart nested 11 levels, one more than allowed", nested(11), 554},
		{"multipart nested 10 levels", nested(10), 0},
		{"20,000 parts side by side", siblings(20_000, 10), 554},
		{"1,001 parts", siblings(1001, 10), 554},
		{"1,000 parts", siblings(1000, 10), 0},
		{"50,000 header fields", withHeaders(fields(50_000)), 0},
		{"a header folded over 50,000 lines", withHeaders("X-Long: debut\r\n" + strings.Repeat(" suite\r\n", 50_000)), 0},
		{"20,000 encoded words in the subject", []byte("Subject: " + strings.Repeat("=?utf-8?q?mot_=C3=A9crit?=\r\n ", 20_000) +
			"fin\r\nContent-Type: text/plain\r\n\r\ncorps\r\n"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := send(ctx, addr, tc.msg)
			var reply *textproto.Error
			switch {
			case tc.code == 0:
				if err != nil {
					t.Fatalf("refused, or no answer before the deadline: %v", err)
				}
			case errors.As(err, &reply) && reply.Code == tc.code && strings.HasPrefix(reply.Msg, "5.6.0 "):
			default:
				t.Fatalf("answer %v, want %d 5.6.0 before the deadline", err, tc.code)
			}
		})
	}
	if err := send(ctx, addr, plain("ensuite", "Bonjour", 200)); err != nil {
		t.Fatalf("an ordinary message after them: %v", err)
	}
	if list := messages(t, api, ""); len(list) == 0 || list[0].Subject != "ensuite" {
		t.Fatalf("the ordinary message is not the newest one: %d messages", len(list))
	}
}

// messages lists the mailbox's messages (newest first), with the header
// given as "Name: value" lines, or fails the test.
func messages(t testing.TB, api, header string) []mailbox.Message {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, api+"/api/messages", nil)
	if name, value, ok := strings.Cut(header, ": "); ok {
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Messages []mailbox.Message }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/messages: %d %v", resp.StatusCode, err)
	}
	return out.Messages
}
