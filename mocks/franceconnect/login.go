package franceconnect

import (
	"crypto/subtle"
	"net/http"

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
	p := it.client.profile
	var listed []fixtures.Persona
	for _, per := range m.cfg.Fixtures.Personas {
		if !per.Hidden {
			listed = append(listed, per)
		}
	}
	title := "FranceConnect"
	if p.name == "plus" {
		title = "FranceConnect+"
	}
	w.Header().Set("Cache-Control", "no-store")
	m.render(w, status, "login.html", loginPage{
		Title: title, Service: it.client.fixture.Name, Profile: p.name,
		Action:   p.prefix + "/interaction/" + it.uid + "/login",
		AbortURL: p.prefix + "/interaction/" + it.uid + "/abort",
		Personas: listed, Login: login, Error: problem,
	})
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
	want := persona.Password
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
