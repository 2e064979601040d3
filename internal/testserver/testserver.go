// Package testserver serves a component on a real loopback port for a test,
// the way the sandbox serves it: the handler is built once its URL is known
// (an issuer, the links it writes), and closed when the test ends.
package testserver

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/mailbox"
)

// Start serves the handler build makes for base (http://127.0.0.1:PORT)
// and returns base.
func Start(tb testing.TB, build func(base string) (http.Handler, error)) string {
	tb.Helper()
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	h, err := build(base)
	if err != nil {
		ts.Close()
		tb.Fatal(err)
	}
	ts.Config.Handler = h
	ts.Start()
	tb.Cleanup(ts.Close)
	return base
}

// Fixtures returns the embedded default fixtures, or fails the test.
func Fixtures(tb testing.TB) *fixtures.Set {
	tb.Helper()
	set, err := fixtures.Default()
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

// Mailbox serves a mail catcher for a test: its SMTP address and its HTTP
// base URL.
func Mailbox(tb testing.TB) (smtpAddr, httpURL string) {
	tb.Helper()
	_, smtpAddr, httpURL = MailboxWith(tb, mailbox.Config{})
	return smtpAddr, httpURL
}

// MailboxWith serves the mail catcher cfg configures for a test, and
// returns it with its SMTP address and its HTTP base URL.
func MailboxWith(tb testing.TB, cfg mailbox.Config) (m *mailbox.Mailbox, smtpAddr, httpURL string) {
	tb.Helper()
	m = mailbox.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go func() { _ = m.ServeSMTP(ln) }()
	tb.Cleanup(func() { m.Close() })
	ts := httptest.NewServer(m)
	tb.Cleanup(ts.Close)
	return m, ln.Addr().String(), ts.URL
}
