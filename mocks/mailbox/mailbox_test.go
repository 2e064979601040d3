package mailbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
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
	if resp, err := client.Do(req); err != nil || resp.StatusCode != 204 {
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
		{"5,000 parts side by side", siblings(5000, 10), 554},
		{"1,001 parts", siblings(1001, 10), 554},
		{"1,000 parts", siblings(1000, 10), 0},
		{"20,000 header fields", withHeaders(fields(20_000)), 0},
		{"a header folded over 20,000 lines", withHeaders("X-Long: debut\r\n" + strings.Repeat(" suite\r\n", 20_000)), 0},
		{"10,000 encoded words in the subject", []byte("Subject: " + strings.Repeat("=?utf-8?q?mot_=C3=A9crit?=\r\n ", 10_000) +
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
	if err := sendTo(ctx, addr, "ensuite@example.test", plain("ensuite", "Bonjour", 200)); err != nil {
		t.Fatalf("an ordinary message after them: %v", err)
	}
	if list := messages(t, api+"/api/messages?to=ensuite@example.test", ""); len(list) != 1 || list[0].Subject != "ensuite" {
		t.Fatalf("the ordinary message is not there: %d messages", len(list))
	}
}

// messages is the list a GET of url answers (newest first), sent with the
// header given as "Name: value" ("" for none), or fails the test.
func messages(t testing.TB, url, header string) []mailbox.Message {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if name, value, ok := strings.Cut(header, ": "); ok {
		req.Header.Set(name, value)
	}
	resp, err := client.Do(req)
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

// TestByteCapDropsOldest: past MaxBytes the oldest messages go first; what
// the mailbox keeps stays under the cap and counts at least what it shows;
// the newest is there; the list and the reads agree; a message larger than
// the whole cap is refused (552) and drops nothing.
func TestByteCapDropsOldest(t *testing.T) {
	const limit, n = 256 << 10, 8
	mb, addr, api := testserver.MailboxWith(t, mailbox.Config{MaxBytes: limit})
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Second)
	defer cancel()
	for i := 1; i <= n; i++ {
		if err := send(ctx, addr, plain(fmt.Sprintf("message %d", i), "Bonjour", 50_000)); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	check := func(when string) []mailbox.Message {
		t.Helper()
		count, kept := mb.Usage()
		list := messages(t, api+"/api/messages", "")
		shown := 0
		for _, m := range list {
			shown += len(m.Text) + len(m.HTML)
			for k, vs := range m.Headers {
				shown += len(k) + len(strings.Join(vs, ""))
			}
		}
		switch {
		case kept > limit:
			t.Fatalf("%s: %d bytes kept, over the cap of %d", when, kept, limit)
		case int64(shown) > kept:
			t.Fatalf("%s: the mailbox counts %d bytes but shows %d", when, kept, shown)
		case count != len(list) || count == 0 || count == n:
			t.Fatalf("%s: %d messages counted, %d listed, of %d sent", when, count, len(list), n)
		}
		for j, m := range list {
			if want := fmt.Sprintf("message %d", n-j); m.Subject != want || m.ID != strconv.Itoa(n-j) {
				t.Fatalf("%s: listed %s %q at %d, want the newest first, %q", when, m.ID, m.Subject, j, want)
			}
			if status := statusOf(t, http.MethodGet, api+"/api/messages/"+m.ID, ""); status != http.StatusOK {
				t.Fatalf("%s: listed message %s reads %d", when, m.ID, status)
			}
		}
		for id := 1; id <= n-len(list); id++ {
			if status := statusOf(t, http.MethodGet, api+"/api/messages/"+strconv.Itoa(id), ""); status != http.StatusNotFound {
				t.Fatalf("%s: dropped message %d reads %d", when, id, status)
			}
		}
		return list
	}
	before := check("full")
	err := send(ctx, addr, plain("trop gros", "Bonjour", limit+1000))
	if reply := (*textproto.Error)(nil); !errors.As(err, &reply) || reply.Code != 552 {
		t.Fatalf("a message over the whole cap: %v, want 552", err)
	}
	if after := check("after the message over the cap"); len(after) != len(before) {
		t.Fatalf("the refused message dropped %d others", len(before)-len(after))
	}
	if status := statusOf(t, http.MethodDelete, api+"/api/messages", ""); status != http.StatusNoContent {
		t.Fatalf("DELETE: %d", status)
	}
	if count, kept := mb.Usage(); count != 0 || kept != 0 {
		t.Fatalf("after DELETE: %d messages, %d bytes", count, kept)
	}
}

// statusOf is the status of a request with no body, with the header given
// as "Name: value" ("" for none).
func statusOf(t testing.TB, method, url, header string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if name, value, ok := strings.Cut(header, ": "); ok {
		req.Header.Set(name, value)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTokenGuardsMessages: with a control token set, the messages (their
// verification links) are read only with it: the API as a bearer (401
// problem+json otherwise), the pages as a bearer or through a form that
// sets an HttpOnly, SameSite=Strict cookie, which is not the token itself
// and does not open the API. The health check stays open.
func TestTokenGuardsMessages(t *testing.T) {
	_, addr, api := testserver.MailboxWith(t, mailbox.Config{Kit: control.NewKit("mailbox", nil, "jeton")})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := send(ctx, addr, plain("Vérifiez votre adresse", "http://localhost:7100/contact/verifier?jeton=secret", 200)); err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values, header ...string) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, api+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for _, h := range header {
			if name, value, ok := strings.Cut(h, ": "); ok {
				req.Header.Add(name, value)
			}
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	// the API
	for _, path := range []string{"/api/messages", "/api/messages/1"} {
		for _, auth := range []string{"", "Authorization: Bearer faux", "Authorization: Basic amV0b246"} {
			resp, body := do(http.MethodGet, path, nil, auth)
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/problem+json" ||
				resp.Header.Get("WWW-Authenticate") != control.TokenChallenge || strings.Contains(body, "secret") {
				t.Fatalf("GET %s with %q: %d %s %v", path, auth, resp.StatusCode, body, resp.Header)
			}
		}
		if resp, body := do(http.MethodGet, path, nil, "Authorization: bearer jeton"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "secret") {
			t.Fatalf("GET %s with the token: %d %s", path, resp.StatusCode, body)
		}
	}
	if resp, _ := do(http.MethodDelete, "/api/messages", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("DELETE without the token: %d", resp.StatusCode)
	}

	// the pages: a form, then a cookie
	for _, path := range []string{"/", "/messages/1"} {
		resp, body := do(http.MethodGet, path, nil)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `<form method="post"`) || !strings.Contains(body, `name="jeton"`) ||
			strings.Contains(body, "secret") || strings.Contains(body, "Vérifiez") {
			t.Fatalf("GET %s without the token: %d %s", path, resp.StatusCode, body)
		}
	}
	resp, body := do(http.MethodPost, "/messages/1", url.Values{"jeton": {"faux"}})
	if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 || !strings.Contains(body, "pas le bon") {
		t.Fatalf("a wrong token typed: %d %v %s", resp.StatusCode, resp.Cookies(), body)
	}
	resp, _ = do(http.MethodPost, "/messages/1", url.Values{"jeton": {"jeton"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/messages/1" || len(resp.Cookies()) != 1 {
		t.Fatalf("the token typed: %d %v", resp.StatusCode, resp.Header)
	}
	c := resp.Cookies()[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Value == "" || strings.Contains(c.Value, "jeton") {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/, and not the token itself", c)
	}
	cookie := "Cookie: " + c.Name + "=" + c.Value
	for _, path := range []string{"/", "/messages/1"} {
		if resp, body := do(http.MethodGet, path, nil, cookie); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Vérifiez") {
			t.Fatalf("GET %s with the cookie: %d %s", path, resp.StatusCode, body)
		}
	}
	if resp, body := do(http.MethodGet, "/", nil, "Authorization: Bearer jeton"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Vérifiez") {
		t.Fatalf("GET / with the token as a bearer: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do(http.MethodGet, "/", nil, "Cookie: "+c.Name+"=x"+c.Value[1:]); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a forged cookie: %d", resp.StatusCode)
	}
	if resp, _ := do(http.MethodGet, "/api/messages", nil, cookie); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the page's cookie opens the API: %d", resp.StatusCode)
	}
	if resp, _ := do(http.MethodGet, "/__sandbox/healthz", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	if resp, _ := do(http.MethodDelete, "/api/messages", nil, "Authorization: Bearer jeton"); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE with the token: %d", resp.StatusCode)
	}
}

// TestOpenWithoutToken: without a control token (the default, on
// loopback), the pages and the API are open as they always were.
func TestOpenWithoutToken(t *testing.T) {
	addr, api := testserver.Mailbox(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := send(ctx, addr, plain("ouvert", "Bonjour", 200)); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/messages/1", "/api/messages", "/api/messages/1"} {
		if status := statusOf(t, http.MethodGet, api+path, ""); status != http.StatusOK {
			t.Errorf("GET %s: %d", path, status)
		}
	}
}

// TestOutageTakesOnlyItsJSON: /__sandbox/smtp-outage takes {"messages": N}
// as the other control calls take their JSON (control.DecodeJSON): another
// field, another media type or data after the object is refused, and sets
// nothing.
func TestOutageTakesOnlyItsJSON(t *testing.T) {
	addr, api := testserver.Mailbox(t)
	for _, tc := range []struct {
		body, contentType string
		want              int
	}{
		{`{"messages":1,"autre":2}`, "application/json", http.StatusBadRequest},
		{`{"messages":1}`, "text/plain", http.StatusUnsupportedMediaType},
		{`{"messages":1}{}`, "application/json", http.StatusBadRequest},
		{`{"messages":1} {"messages":2}`, "application/json", http.StatusBadRequest},
	} {
		t.Run(tc.body+" as "+tc.contentType, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, api+"/__sandbox/smtp-outage", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("%d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := send(ctx, addr, plain("pas de panne", "Bonjour", 200)); err != nil {
		t.Fatalf("a refused call set an outage: %v", err)
	}
}

// TestCloseBeforeServe: a Close that comes before ServeSMTP (a sandbox
// stopped as it starts) makes ServeSMTP return at once, without an error;
// go-smtp alone would accept on the listener for ever.
func TestCloseBeforeServe(t *testing.T) {
	m := mailbox.New(mailbox.Config{Kit: control.NewKit("mailbox", nil, "")})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = m.Close()
	done := make(chan error, 1)
	go func() { done <- m.ServeSMTP(ln) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ServeSMTP after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeSMTP still serving 10 s after Close")
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("the listener still accepts after Close")
	}
}
