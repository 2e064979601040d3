package httpapi

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// createAccessRequest serves POST /api/v1/access-requests.
func (c *Core) createAccessRequest(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SIREN        string                  `json:"siren"`
		Collaborator proconnect.Collaborator `json:"collaborator"`
		State        string                  `json:"state"`
	}
	if !decode(w, r, &body) {
		return
	}
	p := portalOf(r)
	a, existing, err := c.svc.RequestAccess(r.Context(), p.ClientID, body.SIREN, body.Collaborator, body.State,
		func(a proconnect.AccessRequest, token string) proconnect.Mail { return c.accessMail(a, p.Name, token) })
	if err != nil {
		c.domainProblem(w, r, err)
		return
	}
	w.Header().Set("Location", c.cfg.PublicURL+"/api/v1/access-requests/"+a.ID)
	writeJSON(w, http.StatusAccepted, map[string]any{"id": a.ID, "status": a.Status, "existing": existing})
}

// getAccessRequest serves GET /api/v1/access-requests/{id}.
func (c *Core) getAccessRequest(w http.ResponseWriter, r *http.Request) {
	a, err := c.svc.AccessRequestOf(r.Context(), portalOf(r).ClientID, chi.URLParam(r, "id"))
	if err != nil {
		c.domainProblem(w, r, err)
		return
	}
	v := map[string]any{"id": a.ID, "status": a.Status, "siren": a.SIREN, "collaborator": a.Collaborator,
		"created_at": a.CreatedAt.UTC().Format(time.RFC3339), "expires_at": a.ExpiresAt.UTC().Format(time.RFC3339)}
	if a.State != "" {
		v["state"] = a.State
	}
	if a.DecidedAt != nil {
		v["decided_at"] = a.DecidedAt.UTC().Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, v)
}

// contactEmail serves GET /api/v1/companies/{siren}/contact-email.
func (c *Core) contactEmail(w http.ResponseWriter, r *http.Request) {
	siren := chi.URLParam(r, "siren")
	if !insee.ValidSIREN(siren) {
		problem.Write(w, http.StatusBadRequest, "invalid-field", "Requête invalide", "siren : n'est pas un SIREN valide (9 chiffres et une clé de Luhn valide)", map[string]any{"field": "siren"})
		return
	}
	email, updated, err := c.register.ContactEmail(r.Context(), siren)
	switch {
	case errors.Is(err, proconnect.ErrNotFound):
		problem.Write(w, http.StatusNotFound, "no-contact-email", "Pas de courriel de contact", "L'entreprise "+siren+" n'a pas de courriel de contact vérifié.", nil)
		return
	case err != nil:
		c.domainProblem(w, r, err)
		return
	}
	v := map[string]any{"siren": siren, "contact_email": email}
	if !updated.IsZero() {
		v["updated_at"] = updated.UTC().Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, v)
}

func (c *Core) accessMail(a proconnect.AccessRequest, portalName, token string) proconnect.Mail {
	if portalName == "" {
		portalName = a.PortalID
	}
	link := c.cfg.PublicURL + "/demandes/" + url.PathEscape(a.ID) + "?jeton=" + url.QueryEscape(token)
	col := a.Collaborator
	who := col.GivenName + " " + col.FamilyName
	text := fmt.Sprintf("Bonjour,\n\n%s (%s) demande à accéder à « %s » pour le compte de votre entreprise (SIREN %s).\n\n"+
		"Pour accepter ou refuser, ouvrez ce lien et connectez-vous avec FranceConnect (lien valable 7 jours) :\n%s\n\n"+
		"Sans réponse, la demande expirera.\n\nProConnect (bac à sable)\n", who, col.Email, portalName, a.SIREN, link)
	html := fmt.Sprintf(`<p>Bonjour,</p><p><strong>%s</strong> (%s) demande à accéder à « %s » pour le compte de votre entreprise (SIREN %s).</p>`+
		`<p><a href="%s">Accepter ou refuser la demande</a> (connexion FranceConnect, lien valable 7 jours).</p><p>Sans réponse, la demande expirera.</p><p>ProConnect (bac à sable)</p>`,
		template.HTMLEscapeString(who), template.HTMLEscapeString(col.Email), template.HTMLEscapeString(portalName), a.SIREN, template.HTMLEscapeString(link))
	return proconnect.Mail{Subject: "Demande d'accès de " + who + " à « " + portalName + " »", Text: text, HTML: html}
}
