package mailbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
	"github.com/proconnect-sandbox/proconnect-sandbox/ui"
)

// passCookie is the cookie a browser gets for the pages once it has given
// the control token.
const passCookie = "sandbox_mailbox"

// pagePass is the value of passCookie for token: a MAC of a fixed label,
// not the token itself. Cookies are not kept apart by port, so the browser
// also sends it to every other service on the host (the core on 7100, a
// portal under test on 8080…); this value opens the mailbox's pages and
// nothing else.
func pagePass(token string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("proconnect-sandbox: the mailbox's pages"))
	return hex.EncodeToString(mac.Sum(nil))
}

// pageGuard lets a request through to the pages when no token is set, or
// when it carries the token as a bearer or the page cookie; else it answers
// 401 with the form to type the token in.
func (m *Mailbox) pageGuard(next http.Handler) http.Handler {
	if m.kit.Token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.kit.Authorized(r) || m.hasPass(r) {
			next.ServeHTTP(w, r)
			return
		}
		m.askToken(w, false)
	})
}

func (m *Mailbox) hasPass(r *http.Request) bool {
	c, err := r.Cookie(passCookie)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(m.pass)) == 1
}

func (m *Mailbox) askToken(w http.ResponseWriter, wrong bool) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("WWW-Authenticate", control.TokenChallenge)
	w.WriteHeader(http.StatusUnauthorized)
	_ = pages().ExecuteTemplate(w, "unlock", map[string]any{"Wrong": wrong})
}

// unlock takes the token typed in the form (POST to the page itself): the
// right one sets the page cookie, for the browser's session, and goes back
// to the page (303).
func (m *Mailbox) unlock(w http.ResponseWriter, r *http.Request) {
	if m.kit.Token != "" {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil || !m.kit.HasToken(r.PostForm.Get("jeton")) {
			m.askToken(w, true)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: passCookie, Value: m.pass, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	http.Redirect(w, r, r.URL.RequestURI(), http.StatusSeeOther)
}

func (m *Mailbox) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(m.kit.Middleware)
	// The pages and the API show the messages, whose links verify an
	// address or answer an access request: with a control token set (a
	// shared sandbox), they need it too.
	r.Group(func(r chi.Router) {
		r.Use(m.pageGuard)
		r.Get("/", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = pages().ExecuteTemplate(w, "list", map[string]any{"List": m.list(r.URL.Query().Get("to"))})
		})
		r.Get("/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
			msg, ok := m.get(chi.URLParam(r, "id"))
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_ = pages().ExecuteTemplate(w, "message", map[string]any{"Msg": msg})
		})
	})
	r.Post("/", m.unlock)
	r.Post("/messages/{id}", m.unlock)
	r.Group(func(r chi.Router) {
		r.Use(m.kit.RequireTokenOrPortal) // a portal's token sees its own mail (tenant.go)
		r.Get("/api/messages", func(w http.ResponseWriter, r *http.Request) {
			list := ownMail(r, m.list(r.URL.Query().Get("to")))
			if list == nil {
				list = []*Message{}
			}
			control.JSON(w, http.StatusOK, map[string]any{"messages": list})
		})
		r.Get("/api/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
			msg, ok := m.get(chi.URLParam(r, "id"))
			if !ok || len(ownMail(r, []*Message{msg})) == 0 {
				problem.Write(w, http.StatusNotFound, "unknown-message", "Unknown message", "No message with that id.", nil)
				return
			}
			control.JSON(w, http.StatusOK, msg)
		})
		r.Delete("/api/messages", func(w http.ResponseWriter, r *http.Request) {
			if _, scoped := control.PortalScope(r.Context()); scoped {
				problem.Write(w, http.StatusForbidden, "control-scope", "Outside this portal's scope",
					"A portal's control token reads its own mail; emptying the mailbox is the sandbox owner's.", nil)
				return
			}
			m.clear()
			w.WriteHeader(http.StatusNoContent)
		})
	})
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(m.kit.Guard)
		m.kit.Mount(r, func() { m.clear(); m.refusing.Store(0); m.portalRefusing.Clear() })
		// POST {"messages": N}: the next N messages are refused with 451,
		// as by a mail server that is down; 0 brings it back.
		r.Post("/smtp-outage", func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				Messages *int64 `json:"messages"`
				// Portal limits the outage to the mail sent for that
				// portal (control.PortalHeader); a portal's token
				// always stops its own only.
				Portal string `json:"portal"`
			}
			if !control.DecodeJSON(w, r, &in) {
				return
			}
			if in.Messages == nil || *in.Messages < 0 {
				problem.Write(w, http.StatusBadRequest, "invalid-body", "Invalid body", `Send {"messages": N} with N ≥ 0: the number of messages to refuse.`, nil)
				return
			}
			if own, scoped := control.PortalScope(r.Context()); scoped && in.Portal == "" {
				in.Portal = own
			}
			if control.ForbidOtherPortal(w, r, in.Portal) {
				return
			}
			if in.Portal != "" {
				m.refusingFor(in.Portal).Store(*in.Messages)
				control.JSON(w, http.StatusOK, map[string]any{"refusing": *in.Messages, "portal": in.Portal})
				return
			}
			m.refusing.Store(*in.Messages)
			control.JSON(w, http.StatusOK, map[string]any{"refusing": *in.Messages})
		})
	})
	return ui.Serve(r)
}
