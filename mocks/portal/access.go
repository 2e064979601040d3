package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
)

// Access states of the portal contract (docs/contrat-portail.md, section 5).
const (
	AccessPending  = "pending"
	AccessApproved = "approved"
	AccessRefused  = "refused"
	AccessExpired  = "expired"
)

// accessRequest is a collaborator's request to register for a company; the
// account is created when the dirigeant approves.
type accessRequest struct {
	mu                           sync.Mutex
	id, siren                    string
	email, givenName, familyName string
	state                        string
	account                      string // the collaborator's account, once approved
	applied                      int
}

type collaboratorView struct {
	Title, Message, Error                   string
	SIREN, Email, GivenName, FamilyName, ID string
	State, Account, ContactPageURL          string
	// Kind is the message's alert kind; StateText says State to people
	// and Detail is a line for developers (the core's own words).
	Kind, StateText, Detail string
}

// file asks ProConnect to forward a collaborator's request to the dirigeant.
// It returns the request ID, or the HTTP status and problem of a refusal.
func (p *Portal) file(ctx context.Context, siren, email, given, family string) (string, int, []byte, error) {
	var out struct {
		ID string `json:"id"`
	}
	status, raw, err := p.api(ctx, http.MethodPost, "/api/v1/access-requests", map[string]any{
		"siren": siren, "state": randomID(),
		"collaborator": map[string]string{"email": email, "given_name": given, "family_name": family},
	}, &out)
	if err != nil || status != http.StatusAccepted {
		return "", status, raw, err
	}
	a := &accessRequest{id: out.ID, siren: siren, email: email, givenName: given, familyName: family, state: AccessPending}
	if p.defects.Load().ApproveOnFiling {
		a.state, a.account = AccessApproved, "collaborateur-"+randomID()[:8]
	}
	p.requests.LoadOrStore(out.ID, a)
	return out.ID, status, raw, nil
}

func (p *Portal) collaboratorForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.render(w, http.StatusOK, "collaborator.html", collaboratorView{Title: "Demander l'accès au compte de votre entreprise",
		SIREN: q.Get("siren")})
}

func (p *Portal) collaboratorSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	v := collaboratorView{Title: "Demander l'accès au compte de votre entreprise",
		SIREN: strings.TrimSpace(r.PostFormValue("siren")), Email: strings.TrimSpace(r.PostFormValue("email")),
		GivenName: strings.TrimSpace(r.PostFormValue("given_name")), FamilyName: strings.TrimSpace(r.PostFormValue("family_name"))}
	if !reSIREN.MatchString(v.SIREN) {
		v.Error = "Le numéro SIREN compte 9 chiffres."
		p.render(w, http.StatusBadRequest, "collaborator.html", v)
		return
	}
	id, status, raw, err := p.file(r.Context(), v.SIREN, v.Email, v.GivenName, v.FamilyName)
	switch {
	case err != nil:
		v.Error, v.Detail = "ProConnect est indisponible ; réessayez dans quelques instants.", apiDetail(status, raw, err)
		p.render(w, http.StatusBadGateway, "collaborator.html", v)
		return
	case status == http.StatusConflict:
		v.Error = "Le dirigeant de cette entreprise n'a pas encore de courriel de contact référencé : demandez-lui de l'indiquer sur ProConnect, puis recommencez."
		v.ContactPageURL = p.cfg.ProConnectIssuer + "/contact?siren=" + v.SIREN
		p.render(w, http.StatusConflict, "collaborator.html", v)
		return
	case status == http.StatusBadRequest:
		v.Error, v.Detail = refusalText(raw), problemDetail(raw)
		p.render(w, http.StatusBadRequest, "collaborator.html", v)
		return
	case id == "":
		v.Error, v.Detail = "ProConnect n'a pas pu transmettre votre demande. Réessayez dans quelques instants.", apiDetail(status, raw, nil)
		p.render(w, http.StatusBadGateway, "collaborator.html", v)
		return
	}
	http.Redirect(w, r, "/collaborateur/"+id, http.StatusSeeOther)
}

func (p *Portal) request(id string) (*accessRequest, bool) {
	v, ok := p.requests.Load(id)
	if !ok {
		return nil, false
	}
	return v.(*accessRequest), true
}

func (p *Portal) collaboratorPage(w http.ResponseWriter, r *http.Request) {
	a, ok := p.request(chi.URLParam(r, "id"))
	if !ok {
		p.fail(w, http.StatusNotFound, "Demande inconnue", "Aucune demande d'accès sous ce numéro.")
		return
	}
	a.mu.Lock()
	v := collaboratorView{ID: a.id, SIREN: a.siren, Email: a.email, GivenName: a.givenName, FamilyName: a.familyName,
		State: a.state, Account: a.account}
	a.mu.Unlock()
	// The dirigeant's contact email is never shown: anyone can type a SIREN.
	v.StateText = label(accessLabels, v.State)
	switch v.State {
	case AccessApproved:
		v.Title, v.Message, v.Kind = "Votre compte collaborateur est créé", "Le dirigeant a accepté votre demande : votre compte "+v.Account+" est actif.", kindSuccess
	case AccessRefused:
		v.Title, v.Message, v.Kind = "Demande refusée", "Le dirigeant a refusé votre demande d'accès.", kindError
	case AccessExpired:
		v.Title, v.Message, v.Kind = "Demande expirée", "Le dirigeant n'a pas répondu à temps : faites une nouvelle demande si besoin.", kindWarning
	default:
		v.Title, v.Message, v.Kind = "Demande envoyée au dirigeant", "Votre demande attend la réponse du dirigeant ; cette page change dès qu'il répond.", kindInfo
	}
	p.render(w, http.StatusOK, "collaborator.html", v)
}

// accessFile is the portal contract's access_request_url: POST with the
// JSON body {siren, email, given_name, family_name}.
func (p *Portal) accessFile(w http.ResponseWriter, r *http.Request) {
	var in struct {
		SIREN      string `json:"siren"`
		Email      string `json:"email"`
		GivenName  string `json:"given_name"`
		FamilyName string `json:"family_name"`
	}
	if !control.DecodeJSON(w, r, &in) {
		return
	}
	id, status, raw, err := p.file(r.Context(), in.SIREN, in.Email, in.GivenName, in.FamilyName)
	switch {
	case err != nil:
		control.JSON(w, http.StatusBadGateway, map[string]string{"error": "proconnect_unavailable", "error_description": err.Error()})
	case id == "":
		// ProConnect's refusal is passed on: 400 for bad fields, 409 when
		// the company has no contact email.
		var prob map[string]any
		_ = json.Unmarshal(raw, &prob)
		if status < 400 || status >= 600 {
			status = http.StatusBadGateway
		}
		control.JSON(w, status, map[string]any{"error": "access_request_refused", "proconnect": prob})
	default:
		control.JSON(w, http.StatusOK, map[string]string{"access_request_id": id})
	}
}

// accessStatus is the portal contract's access_status_url.
func (p *Portal) accessStatus(w http.ResponseWriter, r *http.Request) {
	a, ok := p.request(chi.URLParam(r, "id"))
	if !ok {
		control.JSON(w, http.StatusNotFound, map[string]string{"error": "unknown access request"})
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	v := map[string]any{"access_state": a.state, "events_applied": a.applied}
	if a.account != "" {
		v["account"] = a.account
	}
	control.JSON(w, http.StatusOK, v)
}

// applyAccess records the dirigeant's answer; approval finalises the
// collaborator's account at once.
func (p *Portal) applyAccess(c *eventClaims) {
	d := c.Data
	v, _ := p.requests.LoadOrStore(d.AccessRequestID, &accessRequest{id: d.AccessRequestID, siren: d.SIREN, state: AccessPending})
	a := v.(*accessRequest)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.applied++
	if a.email == "" {
		a.email, a.givenName, a.familyName = d.Collaborator.Email, d.Collaborator.GivenName, d.Collaborator.FamilyName
	}
	typ := c.EventType
	if p.defects.Load().AnyAccessEventAdmits {
		typ = pspevent.AccessRequestApproved
	}
	switch typ {
	case pspevent.AccessRequestApproved:
		a.state = AccessApproved
		if a.account == "" {
			a.account = "collaborateur-" + randomID()[:8]
		}
	case pspevent.AccessRequestRefused:
		a.state = AccessRefused
	case pspevent.AccessRequestExpired:
		a.state = AccessExpired
	}
}
