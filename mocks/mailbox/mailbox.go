package mailbox

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
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
	// MaxBytes bounds the memory the kept messages take, all together
	// (oldest dropped first; see footprint); default 64 MiB. A mail of the
	// core takes under 3 KB here (2.7 KB for a contact address check), so
	// the 10,000 of MaxMessages take under 30 MiB: the count stays the
	// limit the sandbox's own mail meets, while 64 MiB still holds six
	// messages of the largest size SMTP takes (10 MiB). The mailbox shares
	// its process with the core, whose GC target (GOGC=100 unless set)
	// lets the heap grow to twice what is live: 64 MiB kept can mean 128 MiB
	// of heap, more with a higher GOGC. A message
	// that alone takes more than MaxBytes is refused (552 5.3.4), so what
	// is kept never passes it.
	MaxBytes int64
}

// Mailbox is the mail catcher: an http.Handler, and an SMTP server started
// by Serve.
type Mailbox struct {
	cfg  Config
	kit  *control.Kit
	log  *slog.Logger
	mu   sync.RWMutex // guards msgs, bytes, seq (control-rate traffic: mails are few)
	msgs []kept       // oldest first
	// bytes is the sum of the kept messages' footprints.
	bytes   int64
	seq     uint64
	smtp    *smtp.Server
	handler http.Handler
	// lnMu guards closed and lns: go-smtp's Close only closes the
	// listeners its Serve has already taken, so a Close that comes first
	// would leave a later Serve accepting for ever.
	lnMu   sync.Mutex
	closed bool
	lns    []net.Listener
	// pass is the page cookie's value when a control token is set.
	pass string
	// refusing counts the next messages the SMTP server refuses with a
	// temporary error (451), to play a mail server that is down.
	refusing atomic.Int64
	// portalRefusing is refusing for one portal's mail (tenant.go):
	// portal → *atomic.Int64.
	portalRefusing sync.Map
}

// New builds the mailbox.
func New(cfg Config) *Mailbox {
	if cfg.Kit == nil {
		cfg.Kit = control.NewKit("mailbox", nil, "")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Kit.Log == nil {
		cfg.Kit.Log = cfg.Logger
	}
	if cfg.MaxMessages <= 0 {
		cfg.MaxMessages = 10000
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 64 << 20
	}
	m := &Mailbox{cfg: cfg, kit: cfg.Kit, log: cfg.Logger}
	cfg.Kit.PortalCalls = smtpOutageAllowed
	if cfg.Kit.Token != "" {
		m.pass = pagePass(cfg.Kit.Token)
	}
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

// ServeSMTP serves SMTP on ln until Close (at once if Close came first).
func (m *Mailbox) ServeSMTP(ln net.Listener) error {
	m.lnMu.Lock()
	if m.closed {
		m.lnMu.Unlock()
		_ = ln.Close()
		return nil
	}
	m.lns = append(m.lns, ln)
	m.lnMu.Unlock()
	err := m.smtp.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the SMTP server, whether or not ServeSMTP has started.
func (m *Mailbox) Close() error {
	m.lnMu.Lock()
	m.closed = true
	lns := m.lns
	m.lnMu.Unlock()
	// go-smtp marks itself closed before it closes the listeners it took,
	// so that their Accept failing ends Serve without an error; then the
	// listeners it had not taken yet are closed here
	err := m.smtp.Close()
	for _, ln := range lns {
		_ = ln.Close() // already closed by go-smtp: net.ErrClosed, ignored
	}
	return err
}

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
// as soon as it shows; go-smtp then discards the rest of the data, which
// is neither parsed nor kept.
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
	if err := s.m.refusePortal(msg); err != nil {
		return err
	}
	return s.m.add(msg)
}
func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// kept is a message and its footprint.
type kept struct {
	msg  *Message
	size int64
}

// footprint is what msg takes in memory, near enough: its strings, and an
// allowance for the string, slice and map headers that hold them. The raw
// message is not kept (parse reads it as it arrives).
func footprint(msg *Message) int64 {
	const str, field, fixed = 16, 64, 512 // a string header; a header field's map entry; the rest
	n := fixed + len(msg.ID) + len(msg.From) + len(msg.Subject) + len(msg.AuthUser) + len(msg.Text) + len(msg.HTML)
	for _, s := range msg.To {
		n += str + len(s)
	}
	for _, s := range msg.Links {
		n += str + len(s)
	}
	for k, vs := range msg.Headers {
		n += field + len(k)
		for _, v := range vs {
			n += str + len(v)
		}
	}
	return int64(n)
}

// errTooBig is the answer to a message that alone takes more than MaxBytes.
var errTooBig = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
	Message: "message too big for the sandbox mailbox's memory cap"}

// add keeps msg, dropping the oldest messages until both caps hold.
// Returns errTooBig, keeping nothing, if msg alone passes MaxBytes.
func (m *Mailbox) add(msg *Message) error {
	size := footprint(msg)
	if size > m.cfg.MaxBytes {
		return errTooBig
	}
	m.mu.Lock()
	m.seq++
	msg.ID = strconv.FormatUint(m.seq, 10)
	m.msgs = append(m.msgs, kept{msg, size})
	m.bytes += size
	drop := 0
	for len(m.msgs)-drop > m.cfg.MaxMessages || m.bytes > m.cfg.MaxBytes {
		m.bytes -= m.msgs[drop].size
		drop++
	}
	// slices.Delete clears the vacated tail: no dropped message stays
	// reachable from the array
	m.msgs = slices.Delete(m.msgs, 0, drop)
	m.mu.Unlock()
	m.log.Info("mail received", "to", msg.To, "subject", msg.Subject)
	return nil
}

// Usage is how many messages the mailbox keeps and the memory they take
// (the sum of their footprints, at most MaxBytes).
func (m *Mailbox) Usage() (messages int, bytes int64) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.msgs), m.bytes
}

// list returns the messages (newest first), for one recipient when to != "".
func (m *Mailbox) list(to string) []*Message {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*Message
	for i := len(m.msgs) - 1; i >= 0; i-- {
		if msg := m.msgs[i].msg; to == "" || slices.ContainsFunc(msg.To, func(r string) bool { return strings.EqualFold(r, to) }) {
			out = append(out, msg)
		}
	}
	return out
}

func (m *Mailbox) get(id string) (*Message, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, k := range m.msgs {
		if k.msg.ID == id {
			return k.msg, true
		}
	}
	return nil, false
}

// freeOSAbove is what clear must free to hand memory back to the system.
const freeOSAbove = 8 << 20

// clear forgets every message. When that frees more than freeOSAbove, the
// memory goes back to the system at once: debug.FreeOSMemory runs a full
// collection and returns every free page, which blocks this call for it
// (80 ms, median, after 30 messages of 9.9 MB: BenchmarkLargeMessages) and
// takes CPU from the core's goroutines meanwhile — a fair price for a rare
// admin call.
// Without it the runtime hands pages back slowly, and the heap stays sized
// for a multiple of what was kept (twice at the sandbox's GOGC=100).
func (m *Mailbox) clear() {
	m.mu.Lock()
	freed := m.bytes
	m.msgs, m.bytes = nil, 0
	m.mu.Unlock()
	if freed > freeOSAbove {
		debug.FreeOSMemory()
	}
}
