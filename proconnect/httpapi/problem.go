package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// ProblemBase prefixes the type of every problem the API answers.
const ProblemBase = problem.Base

// domainErrors maps the use cases' sentinel errors to their problems: one
// table for the whole API, as in benbjohnson/wtf. The detail is the error's
// own message, which the use case words for the call (more specific
// sentinels first: errors.Is walks the list in order).
var domainErrors = []struct {
	err    error
	status int
	typ    string
	title  string
	// detail replaces the error's message when that names internals (a
	// provider's address): the cause is logged instead
	detail string
}{
	{proconnect.ErrNoContactEmail, http.StatusConflict, "no-contact-email", "Pas de courriel de contact", ""},
	{proconnect.ErrNothingToRecheck, http.StatusConflict, "not-certified", "Rien à revérifier", ""},
	{proconnect.ErrNotFound, http.StatusNotFound, "not-found", "Introuvable", ""},
	{proconnect.ErrConflict, http.StatusConflict, "conflict", "Conflit", ""},
	{proconnect.ErrExpired, http.StatusGone, "expired", "Expiré", ""},
	{proconnect.ErrForbidden, http.StatusForbidden, "forbidden", "Interdit", ""},
	{proconnect.ErrUnavailable, http.StatusServiceUnavailable, "register-unavailable", "Registre indisponible",
		"Le registre des entreprises n'a pas répondu ; réessayez plus tard."},
}

// domainProblem answers a use case's error. A validation error names its
// field; an error the table does not know is the core's own failure: it is
// logged, and the answer says only that (never the internal text).
func (c *Core) domainProblem(w http.ResponseWriter, r *http.Request, err error) {
	var ve *proconnect.ValidationError
	if errors.As(err, &ve) {
		problem.Write(w, http.StatusBadRequest, "invalid-field", "Requête invalide", ve.Error(), map[string]any{"field": ve.Field})
		return
	}
	// no such company: 422, the request is well formed but names nothing
	// the core can certify (docs/api-proconnect.md, « Une entreprise inconnue »)
	var nf *proconnect.CompanyNotFoundError
	if errors.As(err, &nf) {
		problem.Write(w, http.StatusUnprocessableEntity, "company-not-found", "Entreprise introuvable", companyNotFoundDetail(nf.SIREN),
			map[string]any{"siren": nf.SIREN})
		return
	}
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			// the use case's words, without the sentinel's own (English)
			detail := strings.TrimSuffix(err.Error(), ": "+d.err.Error())
			if detail == d.err.Error() {
				detail = d.title
			}
			if d.detail != "" {
				control.NoteCause(r.Context(), err)
				detail = d.detail
			}
			problem.Write(w, d.status, d.typ, d.title, detail, nil)
			return
		}
	}
	control.NoteCause(r.Context(), err)
	problem.Write(w, http.StatusInternalServerError, "internal", "Erreur interne", "Le cœur a échoué ; son journal dit pourquoi.", nil)
}
