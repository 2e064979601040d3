package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// The browser's way: the portal sends it to /certifications/{id}/login, the
// core sends it to FranceConnect, FranceConnect back to /oidc/callback, and
// the core back to the portal's redirect_uri?certification_id=…&state=….

func (c *Core) showPage(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pages().ExecuteTemplate(w, "page", map[string]any{"Title": title, "Message": message, "Error": status >= 400})
}

// login sends the browser to FranceConnect for a pending certification.
func (c *Core) login(w http.ResponseWriter, r *http.Request) {
	cert, err := c.svc.ForLogin(r.Context(), chi.URLParam(r, "id"))
	if err == nil || errors.Is(err, proconnect.ErrAlreadyComplete) {
		control.NoteFlow(r.Context(), cert.ID)
	}
	switch {
	case errors.Is(err, proconnect.ErrAlreadyComplete):
		c.backToPortal(w, r, cert)
	case errors.Is(err, proconnect.ErrExpired):
		c.showPage(w, http.StatusGone, "Lien expiré", "Ce lien de certification a expiré. Recommencez depuis le portail.")
	case err != nil:
		c.showPage(w, http.StatusNotFound, "Lien inconnu", "Ce lien de certification n'existe pas. Recommencez depuis le portail.")
	default:
		// a company SIRENE does not know ends here, before FranceConnect:
		// the portal gets company_not_found (event and return) as usual
		done, ended, err := c.svc.RefuseUnknown(r.Context(), cert)
		switch {
		case ended && (err == nil || errors.Is(err, proconnect.ErrAlreadyComplete)):
			c.backToPortal(w, r, done)
		case ended:
			control.NoteCause(r.Context(), fmt.Errorf("refuse certification %s: %w", cert.ID, err))
			c.showPage(w, http.StatusInternalServerError, "Erreur", "La certification n'a pas pu être enregistrée. Recommencez depuis le portail.")
		default:
			http.Redirect(w, r, c.fc.authURL(cert.Flow), http.StatusSeeOther)
		}
	}
}

// callback receives FranceConnect's answer, completes the certification and
// sends the browser back to the portal.
func (c *Core) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch f, err := c.takeFlow(r.Context(), q.Get("state")); {
	case err == nil:
		c.flowCallback(w, r, f)
		return
	case !errors.Is(err, proconnect.ErrNotFound):
		control.NoteCause(r.Context(), fmt.Errorf("read a login flow: %w", err))
		c.showPage(w, http.StatusServiceUnavailable, "Service indisponible", "Le retour de FranceConnect n'a pas pu être lu. Recommencez.")
		return
	}
	cert, err := c.svc.StateOwner(r.Context(), q.Get("state"))
	if cert.ID != "" {
		// FranceConnect's token and userinfo, the registry's lookups and
		// the event carry it too (control.PropagateFrom)
		control.NoteFlow(r.Context(), cert.ID)
	}
	switch {
	case errors.Is(err, proconnect.ErrAlreadyComplete):
		c.backToPortal(w, r, cert) // a replayed callback: same answer, nothing changes
		return
	case err != nil:
		c.showPage(w, http.StatusBadRequest, "Retour inattendu", "Ce retour de FranceConnect ne correspond à aucune certification en cours.")
		return
	}
	if e := q.Get("error"); e != "" {
		outcome := proconnect.OutcomeError
		if e == "access_denied" {
			outcome = proconnect.OutcomeCancelled
		}
		c.log.Info("FranceConnect error", "certification", cert.ID, "error", e, "description", q.Get("error_description"))
		cert, err = c.svc.Fail(r.Context(), cert, outcome)
	} else {
		id, ferr := c.fc.identity(r.Context(), q.Get("code"), cert.Flow.Nonce)
		if ferr != nil {
			c.log.Warn("FranceConnect exchange", "certification", cert.ID, "err", ferr)
			cert, err = c.svc.Fail(r.Context(), cert, proconnect.OutcomeError)
		} else {
			cert, err = c.svc.Complete(r.Context(), cert, id)
		}
	}
	if err != nil && !errors.Is(err, proconnect.ErrAlreadyComplete) {
		control.NoteCause(r.Context(), fmt.Errorf("complete certification %s: %w", cert.ID, err))
		c.showPage(w, http.StatusInternalServerError, "Erreur", "La certification n'a pas pu être enregistrée. Recommencez depuis le portail.")
		return
	}
	c.backToPortal(w, r, cert)
}

func (c *Core) backToPortal(w http.ResponseWriter, r *http.Request, cert proconnect.Certification) {
	sep := "?"
	if strings.Contains(cert.RedirectURI, "?") {
		sep = "&"
	}
	v := url.Values{"certification_id": {cert.ID}, "state": {cert.State}}
	http.Redirect(w, r, cert.RedirectURI+sep+v.Encode(), http.StatusSeeOther)
}
