package httpapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// mailFrom is the sender of the core's mail.
const mailFrom = "ProConnect (bac à sable) <ne-pas-repondre@proconnect.example.test>"
const mailFromAddr = "ne-pas-repondre@proconnect.example.test"

// mailer sends the mail outbox over SMTP; a refused or failed sending is
// retried with the events' backoff, so a mail server down loses nothing.
type mailer struct {
	addr           string
	user, password string
	store          proconnect.Store
	now            func() time.Time
	log            *slog.Logger
	outbox         *drainer[proconnect.Mail]
}

// mailWorkers bound the SMTP sessions open at once; mailLease is how long a
// claimed mail waits for its sending to report before another claim may take
// it (after a crash).
const (
	mailWorkers = 16
	mailLease   = smtpTimeout + 30*time.Second
)

func newMailer(addr string, store proconnect.Store, now func() time.Time, log *slog.Logger) *mailer {
	m := &mailer{addr: addr, store: store, now: now, log: log}
	m.outbox = newDrainer("mail outbox", mailWorkers, 64, log,
		func(ctx context.Context, limit int) ([]proconnect.Mail, error) {
			return store.ClaimMails(ctx, now(), mailLease, limit)
		},
		func(mail proconnect.Mail) string { return mail.ID }, m.send)
	return m
}

func (m *mailer) wake() { m.outbox.wake() }

func (m *mailer) run(ctx context.Context) { m.outbox.run(ctx) }

func (m *mailer) send(ctx context.Context, mail proconnect.Mail) {
	mail.Attempts++
	err := m.attempt(mail)
	now := m.now()
	if err == nil {
		mail.SentAt, mail.LastError = &now, ""
	} else {
		mail.LastError = err.Error()
		mail.NextAttempt = now.Add(backoff(mail.Attempts))
		m.log.Warn("mail not sent", "to", mail.To, "attempt", mail.Attempts, "err", err)
		if now.Sub(mail.CreatedAt) >= proconnect.RetryWindow {
			mail.AbandonedAt = &now
			m.log.Warn("mail abandoned", "to", mail.To, "attempts", mail.Attempts)
		}
	}
	if err := m.store.UpdateMail(ctx, mail); err != nil && ctx.Err() == nil {
		m.log.Error("mail outbox update", "err", err)
	}
}

// smtpTimeout bounds one sending, from the dial to QUIT: a mail server that
// stops answering frees its worker, and the mail is tried again later.
const smtpTimeout = 30 * time.Second

func (m *mailer) attempt(mail proconnect.Mail) error {
	if m.addr == "" {
		return fmt.Errorf("no SMTP server configured")
	}
	raw, err := compose(mail)
	if err != nil {
		return err
	}
	limit := time.Now().Add(smtpTimeout)
	conn, err := dialBounded(m.addr, limit)
	if err != nil {
		return err
	}
	c := smtp.NewClient(conn)
	// TLS when the server offers it; a local catcher usually does not.
	if ok, _ := c.Extension("STARTTLS"); ok {
		c.Close()
		host, _, _ := net.SplitHostPort(m.addr)
		if conn, err = dialBounded(m.addr, limit); err != nil {
			return err
		}
		if c, err = smtp.NewClientStartTLS(conn, &tls.Config{ServerName: host}); err != nil {
			conn.Close()
			return err
		}
	}
	defer c.Close()
	if m.user != "" {
		// AUTH PLAIN sends the password as is: only over TLS, or to a
		// server on this machine.
		if _, isTLS := c.TLSConnectionState(); !isTLS && !loopbackHost(m.addr) {
			return fmt.Errorf("SMTP server %s offers no STARTTLS: the password is not sent in clear", m.addr)
		}
		if err := c.Auth(sasl.NewPlainClient("", m.user, m.password)); err != nil {
			return err
		}
	}
	if err := c.SendMail(mailFromAddr, []string{mail.To}, bytes.NewReader(raw)); err != nil {
		return err
	}
	return c.Quit()
}

// dialBounded connects to addr with every deadline held within limit.
func dialBounded(addr string, limit time.Time) (net.Conn, error) {
	conn, err := (&net.Dialer{Deadline: limit}).Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	bc := boundedConn{Conn: conn, limit: limit}
	_ = bc.SetDeadline(limit)
	return bc, nil
}

// boundedConn keeps the deadlines the SMTP client sets for each command
// (minutes, by default) within the sending's own limit.
type boundedConn struct {
	net.Conn
	limit time.Time
}

func (c boundedConn) SetDeadline(t time.Time) error {
	if t.IsZero() || t.After(c.limit) {
		t = c.limit
	}
	return c.Conn.SetDeadline(t)
}

// compose writes a multipart/alternative message: French text and HTML.
func compose(mail proconnect.Mail) ([]byte, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@proconnect.example.test>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/alternative; boundary=%s\r\n\r\n",
		mime.QEncoding.Encode("utf-8", mailFrom), mail.To, mime.QEncoding.Encode("utf-8", mail.Subject),
		mail.CreatedAt.UTC().Format(time.RFC1123Z), mail.ID, mw.Boundary())
	var out bytes.Buffer
	if mail.PortalID != "" && !strings.ContainsAny(mail.PortalID, "\r\n") {
		out.WriteString(control.PortalHeader + ": " + mail.PortalID + "\r\n")
	}
	out.WriteString(h)
	for _, part := range []struct{ ct, body string }{{"text/plain; charset=utf-8", mail.Text}, {"text/html; charset=utf-8", mail.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ct}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(part.body)); err != nil {
			return nil, err
		}
		qp.Close()
	}
	mw.Close()
	out.Write(buf.Bytes())
	return out.Bytes(), nil
}

// loopbackHost reports whether addr (host:port) names this machine.
func loopbackHost(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
