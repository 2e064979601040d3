package mailbox

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// Message is one mail received.
type Message struct {
	ID      string              `json:"id"`
	From    string              `json:"from"`
	To      []string            `json:"to"`
	Subject string              `json:"subject"`
	Date    time.Time           `json:"date"`
	Headers map[string][]string `json:"headers,omitempty"`
	Text    string              `json:"text,omitempty"`
	HTML    string              `json:"html,omitempty"`
	Links   []string            `json:"links"`
	// AuthUser is the login the sender gave (SMTP AUTH), if any.
	AuthUser string `json:"auth_user,omitempty"`
	Size     int    `json:"size"`
}

// Config configures the mailbox.
type Config struct {
	Kit    *control.Kit
	Logger *slog.Logger
	// MaxMessages kept (oldest dropped first); default 10,000.
	MaxMessages int
}

// Mailbox is the mail catcher: an http.Handler, and an SMTP server started
// by Serve.
type Mailbox struct {
	cfg     Config
	kit     *control.Kit
	log     *slog.Logger
	mu      sync.RWMutex // guards msgs (control-rate traffic: mails are few)
	msgs    []*Message
	seq     atomic.Uint64
	smtp    *smtp.Server
	handler http.Handler
	// refusing counts the next messages the SMTP server refuses with a
	// temporary error (451), to play a mail server that is down.
	refusing atomic.Int64
}

// New builds the mailbox.
func New(cfg Config) *Mailbox {
	if cfg.Kit == nil {
		cfg.Kit = control.NewKit("mailbox", nil, "")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxMessages <= 0 {
		cfg.MaxMessages = 10000
	}
	m := &Mailbox{cfg: cfg, kit: cfg.Kit, log: cfg.Logger}
	s := smtp.NewServer(backend{m})
	s.Domain = "mailbox.sandbox"
	s.ReadTimeout, s.WriteTimeout = 30*time.Second, 30*time.Second
	s.MaxMessageBytes = 10 << 20
	s.MaxRecipients = 50
	s.AllowInsecureAuth = true
	m.smtp = s
	m.handler = m.routes()
	return m
}

// ServeSMTP serves SMTP on ln until Close.
func (m *Mailbox) ServeSMTP(ln net.Listener) error {
	err := m.smtp.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the SMTP server.
func (m *Mailbox) Close() error { return m.smtp.Close() }

// ServeHTTP serves the HTTP API and pages.
func (m *Mailbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// Kit returns the control state.
func (m *Mailbox) Kit() *control.Kit { return m.kit }

type backend struct{ m *Mailbox }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{m: b.m}, nil }

type session struct {
	m    *Mailbox
	user string // the AUTH login, if any
	from string
	to   []string
}

// AuthMechanisms and Auth accept any login (a catcher checks nothing), so
// a core configured with credentials can be tried against it.
func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, _ string) error {
		s.user = username
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	for {
		n := s.m.refusing.Load()
		if n <= 0 {
			break
		}
		if s.m.refusing.CompareAndSwap(n, n-1) {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mail server down (sandbox fault): try again later"}
		}
	}
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

// Data parses the message as it arrives: a structure beyond the limits
// (see maxDepth) is refused with 554 5.6.0 (RFC 3463: other media error)
// as soon as it shows, and go-smtp discards the rest of the data unread.
func (s *session) Data(r io.Reader) error {
	in := &countingReader{r: r}
	msg, err := parse(in)
	if in.err != nil {
		return in.err
	}
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unreadable message: " + err.Error()}
	}
	// what follows the last part (an epilogue), counted in the size and
	// bounded by the SMTP size limit like the rest
	if _, err := io.Copy(io.Discard, in); err != nil {
		return err
	}
	msg.Size = in.n
	msg.From, msg.AuthUser = s.from, s.user
	msg.To = append([]string(nil), s.to...)
	s.m.add(msg)
	return nil
}
func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (m *Mailbox) add(msg *Message) {
	msg.ID = strconv.FormatUint(m.seq.Add(1), 10)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	if len(m.msgs) > m.cfg.MaxMessages {
		m.msgs = m.msgs[len(m.msgs)-m.cfg.MaxMessages:]
	}
	m.log.Info("mail received", "to", msg.To, "subject", msg.Subject)
}

// list returns the messages (newest first), for one recipient when to != "".
func (m *Mailbox) list(to string) []*Message {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*Message
	for i := len(m.msgs) - 1; i >= 0; i-- {
		if to == "" || slices.ContainsFunc(m.msgs[i].To, func(r string) bool { return strings.EqualFold(r, to) }) {
			out = append(out, m.msgs[i])
		}
	}
	return out
}

func (m *Mailbox) get(id string) (*Message, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, msg := range m.msgs {
		if msg.ID == id {
			return msg, true
		}
	}
	return nil, false
}

func (m *Mailbox) clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = nil
}
