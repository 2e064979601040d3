package httpapi

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// The dirigeant's own pages: referencing a contact email, and answering a
// collaborator's access request. Both go through FranceConnect and require a
// full match against the register; what a login proves lives in a short
// session (cookie), never longer than flowTTL.

const (
	flowTTL       = 15 * time.Minute
	sessionCookie = "pc_dirigeant"
)

type flowKind string

const (
	flowContact flowKind = "contact"
	flowAccess  flowKind = "access"
)

// flow is a FranceConnect login under way for a dirigeant page.
type flow struct {
	kind            flowKind
	siren           string
	accessID, token string
	nonce           string
	created         time.Time
}

// dirigeantSession is what a login proved: the person, for one company
// (and one access request).
type dirigeantSession struct {
	kind            flowKind
	siren           string
	accessID, token string
	identity        proconnect.Identity
	created         time.Time
}

type field struct{ Name, Label, Type, Value string }
type button struct{ Name, Value, Label string }
type fact struct{ Label, Value string }

type form struct {
	Title, Message, Error, Action string
	Hidden, Inputs                []field
	Buttons                       []button
	Facts                         []fact
}

func (c *Core) showForm(w http.ResponseWriter, status int, f form) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pages().ExecuteTemplate(w, "form", f)
}

// startFlow sends the browser to FranceConnect for a dirigeant page.
func (c *Core) startFlow(w http.ResponseWriter, r *http.Request, f *flow) {
	state := flowPrefix + newID()
	f.nonce, f.created = newID()+newID(), c.kit.Clock.Now()
	if err := c.putFlow(r.Context(), state, f); err != nil {
		control.NoteCause(r.Context(), fmt.Errorf("store a login flow: %w", err))
		c.showPage(w, http.StatusServiceUnavailable, "Service indisponible", "La connexion n'a pas pu commencer. Recommencez.")
		return
	}
	http.Redirect(w, r, c.fc.authURL(&proconnect.LoginState{State: state, Nonce: f.nonce}), http.StatusSeeOther)
}

// flowCallback finishes a dirigeant page's login: the person must be proven
// dirigeant of the company, or nothing happens.
func (c *Core) flowCallback(w http.ResponseWriter, r *http.Request, f *flow) {
	q := r.URL.Query()
	if c.kit.Clock.Now().Sub(f.created) > flowTTL {
		c.showPage(w, http.StatusGone, "Connexion expirée", "La connexion a pris trop de temps. Recommencez.")
		return
	}
	if q.Get("error") != "" {
		c.showPage(w, http.StatusOK, "Connexion abandonnée", "Vous n'êtes pas allé au bout de la connexion FranceConnect : rien n'a changé.")
		return
	}
	id, err := c.fc.identity(r.Context(), q.Get("code"), f.nonce)
	if err != nil {
		control.NoteCause(r.Context(), fmt.Errorf("FranceConnect exchange: %w", err))
		c.showPage(w, http.StatusBadGateway, "FranceConnect indisponible", "La connexion n'a pas pu être vérifiée. Recommencez.")
		return
	}
	d, err := c.svc.ProveDirigeant(r.Context(), id, f.siren)
	if err != nil {
		control.NoteCause(r.Context(), err)
		c.showPage(w, http.StatusServiceUnavailable, "Registre indisponible", "Le registre des entreprises ne répond pas. Recommencez plus tard.")
		return
	}
	if d.Outcome != proconnect.OutcomeCertified {
		why, ok := outcomeWords[d.Outcome]
		if !ok {
			why = "le registre ne vous liste pas parmi ses dirigeants"
		}
		c.showPage(w, http.StatusForbidden, "Vous n'êtes pas reconnu comme dirigeant",
			fmt.Sprintf("ProConnect ne peut pas vous reconnaître comme dirigeant de l'entreprise %s : %s. Rien n'a changé.", f.siren, why))
		return
	}
	sid := newID()
	s := &dirigeantSession{kind: f.kind, siren: f.siren, accessID: f.accessID, token: f.token, identity: id, created: c.kit.Clock.Now()}
	if err := c.putSession(r.Context(), sid, s); err != nil {
		control.NoteCause(r.Context(), fmt.Errorf("store a dirigeant session: %w", err))
		c.showPage(w, http.StatusServiceUnavailable, "Service indisponible", "La connexion n'a pas pu être enregistrée. Recommencez.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if f.kind == flowAccess {
		http.Redirect(w, r, "/demandes/"+url.PathEscape(f.accessID)+"/decision", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/contact/courriel", http.StatusSeeOther)
}

// session returns the dirigeant session of a request for kind, checking the
// form's csrf field on POST.
func (c *Core) session(r *http.Request, kind flowKind) (string, *dirigeantSession, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", nil, false
	}
	s, err := c.loadSession(r.Context(), ck.Value)
	if err != nil {
		if !errors.Is(err, proconnect.ErrNotFound) {
			control.NoteCause(r.Context(), fmt.Errorf("read a dirigeant session: %w", err))
		}
		return "", nil, false
	}
	if s.kind != kind || c.kit.Clock.Now().Sub(s.created) > flowTTL {
		return "", nil, false
	}
	if r.Method == http.MethodPost && r.PostFormValue("csrf") != ck.Value {
		return "", nil, false
	}
	return ck.Value, s, true
}

// --- contact email ---

func (c *Core) contactHome(w http.ResponseWriter, r *http.Request) {
	c.showForm(w, http.StatusOK, form{Title: "Référencer le courriel de contact de votre entreprise",
		Message: "Dirigeant d'une entreprise, vous pouvez indiquer un courriel de contact vérifié, référencé au registre et utilisé par les portails pour vous joindre. Connectez-vous avec FranceConnect : ProConnect vérifie que vous êtes dirigeant.",
		Action:  "/contact/connexion", Inputs: []field{{Name: "siren", Label: "Numéro SIREN", Type: "text", Value: r.URL.Query().Get("siren")}},
		Buttons: []button{{Name: "go", Value: "1", Label: fcLogin}}})
}

func (c *Core) contactLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	siren := strings.TrimSpace(r.PostFormValue("siren"))
	if !insee.ValidSIREN(siren) {
		c.showForm(w, http.StatusBadRequest, form{Title: "Numéro SIREN invalide", Error: "Le numéro SIREN compte 9 chiffres et une clé valide.",
			Action: "/contact/connexion", Inputs: []field{{Name: "siren", Label: "Numéro SIREN", Type: "text", Value: siren}},
			Buttons: []button{{Name: "go", Value: "1", Label: fcLogin}}})
		return
	}
	// a company SIRENE does not know: said here, before FranceConnect (a
	// SIRENE that cannot say lets the login go on)
	if known, err := c.register.Known(r.Context(), siren); err == nil && !known {
		c.showForm(w, http.StatusNotFound, form{Title: "Entreprise introuvable",
			Error:  "Aucune entreprise n'est enregistrée sous le numéro SIREN " + siren + " dans le répertoire SIRENE. Vérifiez le numéro.",
			Action: "/contact/connexion", Inputs: []field{{Name: "siren", Label: "Numéro SIREN", Type: "text", Value: siren}},
			Buttons: []button{{Name: "go", Value: "1", Label: "Se connecter avec FranceConnect"}}})
		return
	}
	c.startFlow(w, r, &flow{kind: flowContact, siren: siren})
}

func (c *Core) contactForm(w http.ResponseWriter, r *http.Request) {
	sid, s, ok := c.session(r, flowContact)
	if !ok {
		c.showPage(w, http.StatusForbidden, "Session expirée", "Reconnectez-vous depuis la page /contact.")
		return
	}
	c.showForm(w, http.StatusOK, c.emailForm(sid, s, "", ""))
}

func (c *Core) emailForm(sid string, s *dirigeantSession, value, problem string) form {
	return form{Title: "Votre courriel de contact", Error: problem,
		Message: "Vous êtes reconnu dirigeant de l'entreprise " + s.siren + ". Indiquez le courriel de contact à référencer : un lien de vérification y sera envoyé.",
		Action:  "/contact/courriel", Hidden: []field{{Name: "csrf", Value: sid}},
		Inputs:  []field{{Name: "email", Label: "Courriel de contact", Type: "email", Value: value}},
		Buttons: []button{{Name: "go", Value: "1", Label: "Recevoir le lien de vérification"}}}
}

func (c *Core) contactSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	sid, s, ok := c.session(r, flowContact)
	if !ok {
		c.showPage(w, http.StatusForbidden, "Session expirée", "Reconnectez-vous depuis la page /contact.")
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	_, err := c.svc.RequestContactVerification(r.Context(), s.siren, email, s.identity.Sub, func(token string) proconnect.Mail {
		return c.contactMail(s.siren, email, token)
	})
	var ve *proconnect.ValidationError
	switch {
	case errors.As(err, &ve):
		c.showForm(w, http.StatusBadRequest, c.emailForm(sid, s, email, "Cette adresse n'est pas valide."))
	case err != nil:
		control.NoteCause(r.Context(), fmt.Errorf("contact verification: %w", err))
		c.showPage(w, http.StatusInternalServerError, "Erreur", "La demande n'a pas pu être enregistrée. Recommencez.")
	default:
		c.dropSession(r.Context(), sid)
		c.showPage(w, http.StatusOK, "Courriel envoyé", "Un lien de vérification a été envoyé à "+email+". Il est valable 24 heures et ne sert qu'une fois.")
	}
}

func (c *Core) contactMail(siren, email, token string) proconnect.Mail {
	link := c.cfg.PublicURL + "/contact/verifier?jeton=" + url.QueryEscape(token)
	text := fmt.Sprintf("Bonjour,\n\nVous avez demandé à référencer %s comme courriel de contact de l'entreprise %s.\n\n"+
		"Pour confirmer cette adresse, ouvrez ce lien (valable 24 heures, une seule fois) :\n%s\n\n"+
		"Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\nProConnect (bac à sable)\n", email, siren, link)
	html := fmt.Sprintf(`<p>Bonjour,</p><p>Vous avez demandé à référencer <strong>%s</strong> comme courriel de contact de l'entreprise %s.</p>`+
		`<p><a href="%s">Confirmer cette adresse</a> (lien valable 24 heures, une seule fois).</p>`+
		`<p>Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.</p><p>ProConnect (bac à sable)</p>`,
		template.HTMLEscapeString(email), siren, template.HTMLEscapeString(link))
	return proconnect.Mail{Subject: "Vérifiez le courriel de contact de votre entreprise", Text: text, HTML: html}
}

func (c *Core) contactVerify(w http.ResponseWriter, r *http.Request) {
	v, err := c.svc.VerifyContact(r.Context(), r.URL.Query().Get("jeton"))
	switch {
	case errors.Is(err, proconnect.ErrNotFound):
		c.showPage(w, http.StatusNotFound, "Lien invalide", "Ce lien de vérification n'existe pas.")
	case errors.Is(err, proconnect.ErrConflict):
		c.showPage(w, http.StatusConflict, "Lien déjà utilisé", "Ce lien a déjà servi : l'adresse est déjà vérifiée.")
	case errors.Is(err, proconnect.ErrExpired):
		c.showPage(w, http.StatusGone, "Lien expiré", "Ce lien a expiré. Recommencez depuis la page /contact.")
	case err != nil:
		control.NoteCause(r.Context(), err)
		c.showPage(w, http.StatusServiceUnavailable, "Registre indisponible", "Le registre n'a pas pu enregistrer l'adresse ; le lien reste valable, réessayez plus tard.")
	default:
		c.showPage(w, http.StatusOK, "Adresse vérifiée", v.Email+" est désormais le courriel de contact de l'entreprise "+v.SIREN+", référencé au registre.")
	}
}

// --- access requests, the dirigeant's side ---

func (c *Core) accessPage(w http.ResponseWriter, r *http.Request) {
	id, token := chi.URLParam(r, "id"), r.URL.Query().Get("jeton")
	a, err := c.svc.AccessForDecision(r.Context(), id, token)
	if !c.accessProblem(w, r, a, err) {
		return
	}
	f := c.accessFacts(r.Context(), a)
	f.Title = "Demande d'accès à examiner"
	f.Message = "Connectez-vous avec FranceConnect : ProConnect vérifie que vous êtes dirigeant de l'entreprise avant que vous répondiez."
	f.Action = "/demandes/" + url.PathEscape(id) + "/connexion"
	f.Hidden = []field{{Name: "jeton", Value: token}}
	f.Buttons = []button{{Name: "go", Value: "1", Label: fcLogin}}
	c.showForm(w, http.StatusOK, f)
}

func (c *Core) accessFacts(ctx context.Context, a proconnect.AccessRequest) form {
	portalName := a.PortalID
	if p, ok, _ := c.portals.get(ctx, a.PortalID); ok && p.Name != "" { // the store failing: the client_id will do
		portalName = p.Name
	}
	col := a.Collaborator
	return form{Facts: []fact{{"Demandeur", col.GivenName + " " + col.FamilyName + " (" + col.Email + ")"},
		{"Portail", portalName}, {"Entreprise (SIREN)", a.SIREN},
		{"Demande expirant le", parisTime(c.zone, a.ExpiresAt)}}}
}

// accessProblem shows the page of an unusable request and returns false.
func (c *Core) accessProblem(w http.ResponseWriter, r *http.Request, a proconnect.AccessRequest, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, proconnect.ErrNotFound):
		c.showPage(w, http.StatusNotFound, "Lien invalide", "Ce lien de demande d'accès n'existe pas.")
	case errors.Is(err, proconnect.ErrConflict):
		c.showPage(w, http.StatusConflict, "Demande déjà traitée", "Cette demande d'accès a déjà reçu une réponse : elle est "+accessStatusWords[a.Status]+".")
	case errors.Is(err, proconnect.ErrExpired):
		c.showPage(w, http.StatusGone, "Demande expirée", "Cette demande d'accès a expiré sans réponse.")
	default:
		control.NoteCause(r.Context(), err)
		c.showPage(w, http.StatusInternalServerError, "Erreur", "La demande n'a pas pu être lue.")
	}
	return false
}

func (c *Core) accessLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id, token := chi.URLParam(r, "id"), r.PostFormValue("jeton")
	a, err := c.svc.AccessForDecision(r.Context(), id, token)
	if !c.accessProblem(w, r, a, err) {
		return
	}
	c.startFlow(w, r, &flow{kind: flowAccess, siren: a.SIREN, accessID: a.ID, token: token})
}

func (c *Core) accessDecisionPage(w http.ResponseWriter, r *http.Request) {
	sid, s, ok := c.session(r, flowAccess)
	if !ok || s.accessID != chi.URLParam(r, "id") {
		c.showPage(w, http.StatusForbidden, "Session expirée", "Rouvrez le lien reçu par courriel.")
		return
	}
	a, err := c.svc.AccessForDecision(r.Context(), s.accessID, s.token)
	if !c.accessProblem(w, r, a, err) {
		return
	}
	f := c.accessFacts(r.Context(), a)
	f.Title = "Accepter ou refuser la demande d'accès"
	f.Message = "Vous êtes reconnu dirigeant de l'entreprise " + a.SIREN + "."
	f.Action = "/demandes/" + url.PathEscape(a.ID) + "/decision"
	f.Hidden = []field{{Name: "csrf", Value: sid}}
	f.Buttons = []button{{Name: "choix", Value: "accepter", Label: "Accepter"}, {Name: "choix", Value: "refuser", Label: "Refuser"}}
	c.showForm(w, http.StatusOK, f)
}

func (c *Core) accessDecide(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	sid, s, ok := c.session(r, flowAccess)
	if !ok || s.accessID != chi.URLParam(r, "id") {
		c.showPage(w, http.StatusForbidden, "Session expirée", "Rouvrez le lien reçu par courriel.")
		return
	}
	choice := r.PostFormValue("choix")
	if choice != "accepter" && choice != "refuser" {
		c.showPage(w, http.StatusBadRequest, "Réponse invalide", "Choisissez d'accepter ou de refuser.")
		return
	}
	a, err := c.svc.DecideAccess(r.Context(), s.accessID, s.token, s.identity, choice == "accepter")
	switch {
	case errors.Is(err, proconnect.ErrForbidden):
		c.showPage(w, http.StatusForbidden, "Vous n'êtes pas reconnu comme dirigeant", "La demande reste en attente.")
		return
	case errors.Is(err, proconnect.ErrUnavailable):
		control.NoteCause(r.Context(), err)
		c.showPage(w, http.StatusServiceUnavailable, "Registre indisponible", "Réessayez plus tard ; la demande reste en attente.")
		return
	case !c.accessProblem(w, r, a, err):
		return
	}
	c.dropSession(r.Context(), sid)
	verb := "acceptée"
	if a.Status == proconnect.AccessRefused {
		verb = "refusée"
	}
	c.showPage(w, http.StatusOK, "Demande "+verb, "La demande de "+a.Collaborator.GivenName+" "+a.Collaborator.FamilyName+" est "+verb+" ; le portail en est informé.")
}
