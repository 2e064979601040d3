// Package mailbox is the sandbox's mail catcher: an SMTP server
// (emersion/go-smtp) that keeps every message it receives, and an HTTP API
// and page to read them — list by recipient, read one (headers, text, HTML,
// the links it contains), clear. The ProConnect core sends its mail to it over
// real SMTP, so scenarios read the very mail a dirigeant would receive.
//
// It is not a mail server: it relays nothing and authenticates no one.
package mailbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
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
func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unreadable message: " + err.Error()}
	}
	msg.From, msg.AuthUser = s.from, s.user
	msg.To = append([]string(nil), s.to...)
	s.m.add(msg)
	return nil
}
func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

var reLink = regexp.MustCompile(`https?://[^\s"'<>]+`)

// parse reads headers, the text and HTML parts, and the links.
func parse(raw []byte) (*Message, error) {
	mm, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(mm.Header.Get("Subject"))
	if err != nil {
		subject = mm.Header.Get("Subject")
	}
	msg := &Message{Subject: subject, Headers: map[string][]string(mm.Header), Size: len(raw), Date: time.Now().UTC()}
	if d, err := mm.Header.Date(); err == nil {
		msg.Date = d.UTC()
	}
	if err := readPart(mm.Header.Get("Content-Type"), mm.Header.Get("Content-Transfer-Encoding"), mm.Body, msg); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, l := range reLink.FindAllString(msg.Text+" "+msg.HTML, -1) {
		l = strings.TrimRight(html.UnescapeString(l), ".,;)")
		if !seen[l] {
			seen[l] = true
			msg.Links = append(msg.Links, l)
		}
	}
	if msg.Links == nil {
		msg.Links = []string{}
	}
	return msg, nil
}

func readPart(contentType, encoding string, body io.Reader, msg *Message) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, lineBreakDropper{body})
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := readPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, msg); err != nil {
				return err
			}
		}
	}
	b, err := io.ReadAll(io.LimitReader(body, 10<<20))
	if err != nil {
		return err
	}
	switch mt {
	case "text/html":
		msg.HTML += string(b)
	case "text/plain":
		msg.Text += string(b)
	}
	return nil
}

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

var page = template.Must(template.New("p").Parse(`<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Boîte aux lettres — bac à sable</title><style>body{font-family:Marianne,Arial,sans-serif;max-width:900px;margin:24px auto}
td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}pre{background:#f0f0f0;padding:12px;white-space:pre-wrap}</style></head><body>
<h1>Boîte aux lettres du bac à sable</h1>
{{if .Msg}}<p><a href="/">← tous les messages</a></p><h2>{{.Msg.Subject}}</h2><p>De {{.Msg.From}} à {{range .Msg.To}}{{.}} {{end}}</p>
<pre>{{.Msg.Text}}</pre>{{if .Msg.HTML}}<h3>Version HTML</h3><iframe sandbox title="version HTML" style="width:100%;height:240px;border:1px solid #ddd" srcdoc="{{.Msg.HTML}}"></iframe>{{end}}{{if .Msg.Links}}<h3>Liens</h3><ul>{{range .Msg.Links}}<li><a href="{{.}}">{{.}}</a></li>{{end}}</ul>{{end}}
{{else}}<table><tr><th>Reçu</th><th>À</th><th>Objet</th></tr>{{range .List}}<tr><td>{{.Date.Format "15:04:05"}}</td>
<td>{{range .To}}{{.}} {{end}}</td><td><a href="/messages/{{.ID}}">{{.Subject}}</a></td></tr>{{else}}<tr><td colspan="3">Aucun message.</td></tr>{{end}}</table>{{end}}
</body></html>`))

func (m *Mailbox) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(m.kit.Middleware)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"List": m.list(r.URL.Query().Get("to"))})
	})
	r.Get("/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		msg, ok := m.get(chi.URLParam(r, "id"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, map[string]any{"Msg": msg})
	})
	r.Get("/api/messages", func(w http.ResponseWriter, r *http.Request) {
		list := m.list(r.URL.Query().Get("to"))
		if list == nil {
			list = []*Message{}
		}
		control.JSON(w, http.StatusOK, map[string]any{"messages": list})
	})
	r.Get("/api/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		msg, ok := m.get(chi.URLParam(r, "id"))
		if !ok {
			problem.Write(w, http.StatusNotFound, "unknown-message", "Unknown message", "No message with that id.", nil)
			return
		}
		control.JSON(w, http.StatusOK, msg)
	})
	r.Delete("/api/messages", func(w http.ResponseWriter, _ *http.Request) {
		m.clear()
		w.WriteHeader(http.StatusNoContent)
	})
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(m.kit.Guard)
		m.kit.Mount(r, func() { m.clear(); m.refusing.Store(0) })
		// POST {"messages": N}: the next N messages are refused with 451,
		// as by a mail server that is down; 0 brings it back.
		r.Post("/smtp-outage", func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				Messages *int64 `json:"messages"`
			}
			if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&in); err != nil || in.Messages == nil || *in.Messages < 0 {
				problem.Write(w, http.StatusBadRequest, "invalid-body", "Invalid body", `Send {"messages": N} with N ≥ 0: the number of messages to refuse.`, nil)
				return
			}
			m.refusing.Store(*in.Messages)
			control.JSON(w, http.StatusOK, map[string]any{"refusing": *in.Messages})
		})
	})
	return r
}

// lineBreakDropper removes CR and LF, which base64 bodies wrap with.
type lineBreakDropper struct{ r io.Reader }

func (d lineBreakDropper) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	k := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[k] = c
			k++
		}
	}
	return k, err
}
