package franceconnect

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// defaultPassword is the password of every persona that sets none, as on
// FranceConnect's mock identity providers.
const defaultPassword = "123"

func (m *Mock) interaction(r *http.Request) (*interaction, bool) {
	v, ok := m.interactions.Load(chi.URLParam(r, "uid"))
	if !ok {
		return nil, false
	}
	it := v.(*interaction)
	if m.now().Sub(it.created) > interactionTTL {
		m.interactions.Delete(it.uid)
		return nil, false
	}
	return it, true
}

type loginPage struct {
	Title    string
	Service  string
	Profile  string
	Action   string
	AbortURL string
	Personas []fixtures.Persona
	Login    string
	Error    string
}

// loginPage shows the mock identity provider: every listed persona, and a
// form to type a login and a password, as a person would.
func (m *Mock) loginPage(w http.ResponseWriter, r *http.Request) {
	it, ok := m.interaction(r)
	if !ok {
		m.renderError(w, http.StatusBadRequest, "Y000410", "")
		return
	}
	m.renderLogin(w, http.StatusOK, it, "", "")
}

func (m *Mock) renderLogin(w http.ResponseWriter, status int, it *interaction, login, problem string) {
	if status == http.StatusOK && login == "" && problem == "" && m.loginPages.serve(w, m, it) {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	m.render(w, status, "login.html", m.loginPageData(it, it.uid, login, problem))
}

func (m *Mock) loginPageData(it *interaction, uid, login, problem string) loginPage {
	p := it.client.profile
	title := "FranceConnect"
	if p.name == "plus" {
		title = "FranceConnect+"
	}
	return loginPage{
		Title: title, Service: it.client.fixture.Name, Profile: p.name,
		Action:   p.prefix + "/interaction/" + uid + "/login",
		AbortURL: p.prefix + "/interaction/" + uid + "/abort",
		Personas: m.listedPersonas, Login: login, Error: problem,
	}
}

// loginPages holds the login page of each profile and service with the
// interaction's uid cut out, rendered once: the page is otherwise the
// same for every interaction (the personas listed are the fixtures' own,
// fixed at start; run-time personas are not listed), and html/template
// over every persona on each request was 40 % of the mock's CPU (issue
// 14). A page with a login or an error message is rendered in full.
type loginPages struct {
	pages   sync.Map // loginPageKey → *cutPage
	n       atomic.Int32
	buffers sync.Pool // *[]byte, where a page is put together
}

// maxLoginPages bounds the cache: clients added at run time may bring new
// service names; beyond, pages are rendered per request.
const maxLoginPages = 256

type loginPageKey struct{ profile, service string }

// cutPage is a rendered page split where the interaction's uid goes.
type cutPage struct {
	parts [][]byte
	size  int
}

// uidMarker stands for the uid while the page is rendered once: letters
// and digits only, which html/template writes unchanged in a URL.
const uidMarker = "uidMarker0c5e7f1a9b3d"

func (c *loginPages) serve(w http.ResponseWriter, m *Mock, it *interaction) bool {
	if !plainUID(it.uid) {
		return false
	}
	key := loginPageKey{it.client.profile.name, it.client.fixture.Name}
	v, ok := c.pages.Load(key)
	if !ok {
		if c.n.Load() >= maxLoginPages {
			return false
		}
		pg, err := m.cutLoginPage(it)
		if err != nil {
			m.log.Error("render", "page", "login.html", "err", err)
			return false
		}
		if v, ok = c.pages.LoadOrStore(key, pg); !ok {
			c.n.Add(1)
		}
	}
	pg := v.(*cutPage)
	size := pg.size + (len(pg.parts)-1)*len(it.uid)
	bp, _ := c.buffers.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	page := (*bp)[:0]
	for i, part := range pg.parts {
		if i > 0 {
			page = append(page, it.uid...)
		}
		page = append(page, part...)
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(size))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(page) // one write: the page is larger than the connection's buffer
	*bp = page
	c.buffers.Put(bp)
	return true
}

func (c *loginPages) clear() {
	c.pages.Clear()
	c.n.Store(0)
}

// cutLoginPage renders the login page of it's profile and service with
// uidMarker for the uid, and cuts it there. The marker must appear exactly
// where the uid goes (every persona's form, the typed-login form, the
// abort link), or the page is not cached.
func (m *Mock) cutLoginPage(it *interaction) (*cutPage, error) {
	var buf bytes.Buffer
	if err := pages().ExecuteTemplate(&buf, "login.html", m.loginPageData(it, uidMarker, "", "")); err != nil {
		return nil, err
	}
	parts := bytes.Split(buf.Bytes(), []byte(uidMarker))
	if want := len(m.listedPersonas) + 3; len(parts) != want {
		return nil, fmt.Errorf("login page: %d places for the uid, want %d", len(parts)-1, want-1)
	}
	return &cutPage{parts: parts, size: buf.Len() - (len(parts)-1)*len(uidMarker)}, nil
}

// plainUID reports whether uid is written unchanged in the page (the
// mock's own uids, base64url, always are).
func plainUID(uid string) bool {
	if uid == "" {
		return false
	}
	for i := range len(uid) {
		c := uid[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// login checks the typed login and password, then completes the
// authorization (or shows the page again with an error).
func (m *Mock) login(w http.ResponseWriter, r *http.Request) {
	it, ok := m.interaction(r)
	if !ok {
		m.renderError(w, http.StatusBadRequest, "Y000410", "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		m.renderLogin(w, http.StatusBadRequest, it, "", "Le formulaire envoyé est illisible.")
		return
	}
	login := r.PostForm.Get("login")
	persona, found := m.persona(login)
	want := ""
	if found {
		want = persona.Password
	}
	if want == "" {
		want = defaultPassword
	}
	if !found || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("password")), []byte(want)) != 1 {
		m.renderLogin(w, http.StatusUnauthorized, it, login, "Identifiant ou mot de passe incorrect.")
		return
	}
	m.complete(w, r, it, persona, false)
}

// abort ends the interaction: the person went back to the service
// (access_denied), or left an error page (server_error).
func (m *Mock) abort(w http.ResponseWriter, r *http.Request) {
	it, ok := m.interaction(r)
	if !ok {
		m.renderError(w, http.StatusBadRequest, "Y000410", "")
		return
	}
	m.endInteraction(it)
	if r.URL.Query().Get("reason") == "error" {
		m.redirectWithError(w, r, it.client.profile, it, "server_error",
			"authentication aborted due to a technical error on the authorization server", false)
		return
	}
	m.redirectWithError(w, r, it.client.profile, it, "access_denied", "User auth aborted", false)
}
