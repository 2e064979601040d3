package portal

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/ui"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are parsed on first use, not when the binary starts (issue 14).
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(ui.Templates(ui.Chrome{
		Service: "Portail de démonstration",
		Tagline: "Un service public en ligne, portail de référence de l'intégration ProConnect",
		Sandbox: "Portail de référence pour intégrer ProConnect ; il ne sert jamais en production.",
	}).ParseFS(templateFS, "templates/*.html"))
})

const stateCookie = "portail_state"

var reSIREN = regexp.MustCompile(`^\d{9}$`)

func (p *Portal) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(p.kit.Middleware)
	r.Get("/", p.homePage())
	r.Get("/demarrer", p.start)
	r.Get("/comptes/{ref}/certifier", p.certifyExisting)
	r.Get("/retour", p.back)
	r.Get("/compte/{id}", p.accountPage)
	r.Get("/parcours-alternatif", p.alternativeForm)
	r.Post("/parcours-alternatif", p.alternativeSubmit)
	r.Post("/compte/{id}/verifier", p.recheck)
	r.Post("/api/reverifier/{id}", p.recheckAPI)
	r.Post("/api/psp/events", p.events)
	r.Get("/api/status/{id}", p.status)
	r.Get("/collaborateur", p.collaboratorForm)
	r.Post("/collaborateur", p.collaboratorSubmit)
	r.Get("/collaborateur/{id}", p.collaboratorPage)
	r.Post("/api/acces", p.accessFile)
	r.Get("/api/acces/{id}", p.accessStatus)
	r.Get("/flux", p.flowPage)
	r.Get("/flux/dessin", p.flowDrawing)
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(p.kit.Guard)
		p.kit.Mount(r, func() {
			p.accounts.Clear()
			p.byRef.Clear()
			p.seen.Clear()
			p.requests.Clear()
			p.contacts.Clear()
			p.flowAliases.Clear()
		})
		r.Put("/defects", func(w http.ResponseWriter, r *http.Request) {
			var d Defects
			if !control.DecodeJSON(w, r, &d) {
				return
			}
			p.defects.Store(&d)
			control.JSON(w, http.StatusOK, d)
		})
	})
	return ui.Serve(r)
}

type view struct {
	Title, Message, Detail, Account, Ref, State, Outcome, Dirigeant, SIREN string
	// Kind is the message's alert kind: success, warning, error or info.
	Kind string
	// StateText and OutcomeText say State and Outcome to people; the
	// codes themselves appear only in a small line for developers.
	StateText, OutcomeText string
	Alternative, Error     bool
}

func (p *Portal) render(w http.ResponseWriter, status int, name string, v any) {
	var buf bytes.Buffer
	if err := pages().ExecuteTemplate(&buf, name, v); err != nil {
		p.log.Error("render", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// homePage serves the home page, which has no data: rendered once, on the
// first visit (not at start: issue 14), not on every visit.
func (p *Portal) homePage() http.HandlerFunc {
	rendered := sync.OnceValues(func() ([]byte, error) {
		var buf bytes.Buffer
		err := pages().ExecuteTemplate(&buf, "home.html", nil)
		return buf.Bytes(), err
	})
	return func(w http.ResponseWriter, _ *http.Request) {
		page, err := rendered()
		if err != nil {
			p.render(w, http.StatusOK, "home.html", nil)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Length", strconv.Itoa(len(page)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(page)
	}
}

func (p *Portal) fail(w http.ResponseWriter, status int, title, message string) {
	p.render(w, status, "result.html", view{Title: title, Message: message, Error: true, Kind: kindError})
}

// failDetail is fail with a line for developers (the core's own words).
func (p *Portal) failDetail(w http.ResponseWriter, status int, title, message, detail string) {
	p.render(w, status, "result.html", view{Title: title, Message: message, Detail: detail, Error: true, Kind: kindError})
}

// start asks ProConnect for a certification of a new account and sends the
// browser to it (the portal contract's start_url: /demarrer?siren={siren}).
func (p *Portal) start(w http.ResponseWriter, r *http.Request) {
	p.begin(w, r, r.URL.Query().Get("siren"), "registration", "compte-"+randomID()[:8])
}

// certifyExisting certifies an account the portal already has (the portal
// contract's certification_url: /comptes/{account_ref}/certifier?siren=…).
// In this sandbox portal an unknown reference is an account opened now.
func (p *Portal) certifyExisting(w http.ResponseWriter, r *http.Request) {
	if p.defects.Load().CertifyAsRegistration {
		p.start(w, r)
		return
	}
	p.begin(w, r, r.URL.Query().Get("siren"), "certification", chi.URLParam(r, "ref"))
}

// begin creates the certification, binds its state to this browser (a
// cookie) and sends the browser to ProConnect.
func (p *Portal) begin(w http.ResponseWriter, r *http.Request, siren, purpose, ref string) {
	if !reSIREN.MatchString(siren) {
		p.fail(w, http.StatusBadRequest, "Numéro SIREN invalide", "Le numéro SIREN compte 9 chiffres.")
		return
	}
	state := randomID()
	// the PISTE token and the request carry a tag of their own until the
	// certification has its ID (the flow page draws both)
	start := "demarrage-" + randomID()[:12]
	ctx := control.WithFlow(r.Context(), start)
	var out struct {
		ID               string `json:"id"`
		AuthorizationURL string `json:"authorization_url"`
	}
	status, raw, err := p.api(ctx, http.MethodPost, "/api/v1/certifications", map[string]string{
		"siren": siren, "redirect_uri": p.cfg.PublicURL + "/retour", "state": state, "purpose": purpose, "account_ref": ref,
	}, &out)
	switch {
	case err != nil:
		p.failDetail(w, http.StatusBadGateway, "ProConnect est indisponible", "Réessayez dans quelques instants.", apiDetail(status, raw, err))
		return
	case isCompanyNotFound(status, raw):
		p.unknownCompany(w, siren, raw)
		return
	case status == http.StatusBadRequest:
		p.failDetail(w, http.StatusBadRequest, "Numéro SIREN refusé", refusalText(raw), problemDetail(raw))
		return
	case status != http.StatusCreated:
		p.failDetail(w, http.StatusBadGateway, "ProConnect a refusé la demande", "ProConnect n'a pas pu traiter la demande. Réessayez dans quelques instants.", apiDetail(status, raw, err))
		return
	}
	control.NoteFlow(r.Context(), out.ID)
	p.flowAliases.Store(out.ID, start)
	followFlow(w, out.ID)
	a := p.accountFor(out.ID, siren, ref)
	a.mu.Lock()
	if a.state != StateCertified {
		a.state = StatePending // a new certification of this account
	}
	a.mu.Unlock()
	sameSite := http.SameSiteLaxMode // the way back from ProConnect is a cross-site navigation
	if p.defects.Load().StrictStateCookie {
		sameSite = http.SameSiteStrictMode
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/", HttpOnly: true, SameSite: sameSite,
		Expires: time.Now().Add(time.Hour)})
	http.Redirect(w, r, out.AuthorizationURL, http.StatusSeeOther)
}

// alternativeForm is the portal's own path for those ProConnect does not
// cover (portal contract PSP-PAR-4): documents an agent checks.
func (p *Portal) alternativeForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.render(w, http.StatusOK, "alternative.html", view{Title: "Déposer votre dossier", Account: q.Get("certification_id"), SIREN: q.Get("siren")})
}

// alternativeSubmit takes the documents (this sandbox portal keeps nothing).
func (p *Portal) alternativeSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil || r.FormValue("email") == "" {
		p.render(w, http.StatusBadRequest, "alternative.html", view{Title: "Déposer votre dossier", SIREN: r.FormValue("siren")})
		return
	}
	p.render(w, http.StatusOK, "alternative.html", view{Title: "Dossier reçu",
		Message: "Votre dossier est enregistré : un agent le vérifiera sous 48 heures et vous répondra par courriel."})
}

func problemDetail(raw []byte) string {
	var pb struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal(raw, &pb) == nil && pb.Detail != "" {
		return pb.Detail
	}
	return "réponse inattendue"
}

// messages says each outcome in plain French.
var messages = map[string][2]string{
	"certified":                {"Vous êtes certifié dirigeant", "ProConnect a vérifié dans le registre des entreprises que vous êtes dirigeant de cette entreprise. Votre compte est ouvert."},
	"close_match":              {"Vérification complémentaire nécessaire", "Votre identité ressemble à celle d'un dirigeant, sans correspondre exactement. Votre compte n'est pas certifié ; un agent vérifiera votre demande."},
	"not_dirigeant":            {"Vous n'êtes pas dirigeant de cette entreprise", "Le registre des entreprises ne vous liste pas parmi ses dirigeants. Demandez à un dirigeant de vous donner accès."},
	"company_not_found":        {"Entreprise introuvable", "Ce numéro SIREN ne correspond à aucune entreprise du répertoire SIRENE."},
	"company_ceased":           {"Entreprise cessée", "Cette entreprise a cessé son activité."},
	"organisation_not_covered": {"Organisation non couverte", "Le statut juridique de cette organisation (association, collectivité…) n'a pas de registre des dirigeants : déposez vos justificatifs par le parcours habituel du portail, ci-dessous."},
	"unsupported_identity":     {"Identité non couverte par ProConnect", "Votre identité (européenne ou étrangère) ne peut pas être comparée au registre français : déposez vos justificatifs par le parcours habituel du portail, ci-dessous."},
	"cancelled":                {"Connexion abandonnée", "Vous avez quitté FranceConnect avant la fin. Vous pouvez recommencer."},
	"error":                    {"Service momentanément indisponible", "Un service n'a pas répondu. Recommencez dans quelques instants."},
}

// back is the return page: it checks the state, reads the certification and
// shows its outcome.
func (p *Portal) back(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	control.NoteFlow(r.Context(), q.Get("certification_id")) // a refused return too: the flow page shows it
	ck, err := r.Cookie(stateCookie)
	if (err != nil || ck.Value == "" || ck.Value != q.Get("state")) && !p.defects.Load().IgnoreState {
		p.fail(w, http.StatusBadRequest, "Retour inattendu", "Ce retour ne correspond pas à une demande de ce navigateur. Recommencez depuis l'accueil.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: "/", MaxAge: -1})
	id := q.Get("certification_id")
	var cert struct {
		SIREN     string `json:"siren"`
		Outcome   string `json:"outcome"`
		Dirigeant *struct {
			GivenName  string `json:"given_name"`
			FamilyName string `json:"family_name"`
		} `json:"dirigeant"`
	}
	status, raw, err := p.api(r.Context(), http.MethodGet, "/api/v1/certifications/"+url.PathEscape(id), nil, &cert)
	if err != nil || status != http.StatusOK {
		p.failDetail(w, http.StatusBadGateway, "Résultat indisponible", "ProConnect n'a pas donné le résultat de la vérification. Réessayez depuis l'accueil dans quelques instants.", apiDetail(status, raw, err))
		return
	}
	a := p.accountFor(id, cert.SIREN, "")
	a.mu.Lock()
	if a.state == StatePending || a.state == "" { // the event may have arrived first: it wins
		a.outcome, a.state = cert.Outcome, p.stateFor(cert.Outcome)
	}
	if cert.Dirigeant != nil {
		a.dirigeant = cert.Dirigeant.GivenName + " " + cert.Dirigeant.FamilyName
	}
	v := view{Account: id, State: a.state, Outcome: cert.Outcome, Dirigeant: a.dirigeant, SIREN: cert.SIREN,
		Alternative: a.state == StateAlternative || (cert.Outcome == "organisation_not_covered" && !p.defects.Load().NoAlternative)}
	a.mu.Unlock()
	v.StateText, v.OutcomeText, v.Kind = label(stateLabels, v.State), label(outcomeLabels, v.Outcome), outcomeKind(v.Outcome)
	m, ok := messages[cert.Outcome]
	if !ok {
		m = [2]string{"Résultat reçu", "ProConnect a répondu par un résultat que ce portail ne connaît pas : votre compte n'est pas certifié."}
	}
	v.Title, v.Message = m[0], m[1]
	p.render(w, http.StatusOK, "result.html", v)
}

func (p *Portal) accountPage(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	a, ok := p.account(id)
	if !ok {
		p.fail(w, http.StatusNotFound, "Compte inconnu", "Aucun compte pour cette demande.")
		return
	}
	a.mu.Lock()
	v := view{Title: "Votre compte", Account: id, Ref: a.ref, State: a.state, Outcome: a.outcome, Dirigeant: a.dirigeant, SIREN: a.siren}
	a.mu.Unlock()
	v.StateText = label(stateLabels, v.State)
	p.render(w, http.StatusOK, "account.html", v)
}

// recheck asks ProConnect whether the person is still a dirigeant (the
// account page's button).
func (p *Portal) recheck(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	a, out, status, raw, err := p.reverify(r.Context(), id)
	switch {
	case a == nil:
		p.fail(w, http.StatusNotFound, "Compte inconnu", "Aucun compte pour cette demande.")
		return
	case err != nil || status != http.StatusOK:
		p.failDetail(w, http.StatusBadGateway, "Vérification impossible", "ProConnect n'a pas pu vérifier de nouveau votre qualité de dirigeant. Réessayez dans quelques instants.", apiDetail(status, raw, err))
		return
	}
	a.mu.Lock()
	v := view{Title: "Votre compte", Account: id, Ref: a.ref, State: a.state, Outcome: out.Outcome, Dirigeant: a.dirigeant, SIREN: a.siren}
	a.mu.Unlock()
	v.StateText = label(stateLabels, v.State)
	if out.StillDirigeant {
		v.Message, v.Kind = "ProConnect confirme que vous êtes toujours dirigeant de cette entreprise.", kindSuccess
	} else {
		v.Message, v.Kind = "Le registre ne vous liste plus comme dirigeant : la certification de votre compte est retirée.", kindWarning
	}
	p.render(w, http.StatusOK, "account.html", v)
}

// recheckAPI is the portal contract's recheck_url: the same re-check,
// answered in JSON once the account is up to date.
func (p *Portal) recheckAPI(w http.ResponseWriter, r *http.Request) {
	a, out, status, raw, err := p.reverify(r.Context(), chi.URLParam(r, "id"))
	switch {
	case a == nil:
		control.JSON(w, http.StatusNotFound, map[string]string{"error": "unknown certification"})
		return
	case err != nil || status != http.StatusOK:
		control.JSON(w, http.StatusBadGateway, map[string]any{"error": "recheck_failed", "status": status, "detail": problemDetail(raw)})
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	control.JSON(w, http.StatusOK, map[string]any{"account_state": a.state, "still_dirigeant": out.StillDirigeant})
}

type recheckAnswer struct {
	StillDirigeant bool   `json:"still_dirigeant"`
	Outcome        string `json:"outcome"`
}

// reverify calls POST /verifications and applies the answer at once:
// still_dirigeant false withdraws the certification (portal contract
// PSP-VER-2), whether or not dirigeant.revoked has arrived.
func (p *Portal) reverify(ctx context.Context, id string) (*account, recheckAnswer, int, []byte, error) {
	var out recheckAnswer
	a, ok := p.account(id)
	if !ok {
		return nil, out, 0, nil, nil
	}
	status, raw, err := p.api(ctx, http.MethodPost, "/api/v1/verifications", map[string]string{"certification_id": id}, &out)
	if err != nil || status != http.StatusOK {
		return a, out, status, raw, err
	}
	a.mu.Lock()
	if !out.StillDirigeant && a.state == StateCertified && !p.defects.Load().IgnoreRecheck {
		// as final as a revocation event (PSP-EVT-9): the completion
		// event, when it comes after (its delivery can trail the return
		// page, which certified the account), changes nothing
		if a.revoked == nil {
			a.revoked = map[string]bool{}
		}
		a.revoked[id] = true
		a.state = StateRevoked
	}
	a.mu.Unlock()
	return a, out, status, raw, nil
}

// status is the portal contract's status_url.
func (p *Portal) status(w http.ResponseWriter, r *http.Request) {
	a, ok := p.account(chi.URLParam(r, "id"))
	if !ok {
		control.JSON(w, http.StatusNotFound, map[string]string{"error": "unknown certification"})
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	control.JSON(w, http.StatusOK, map[string]any{"account_state": a.state, "events_applied": a.applied})
}
