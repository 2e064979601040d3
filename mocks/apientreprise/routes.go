package apientreprise

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes lists every route of the API Entreprise mock.
func (m *Mock) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(m.kit.Middleware)
	r.Route("/v3", func(r chi.Router) {
		r.Use(m.auth, m.mandatoryParams)
		r.Get("/insee/sirene/unites_legales/{siren}", m.uniteLegale)
		r.Get("/infogreffe/rcs/unites_legales/{siren}/mandataires_sociaux", m.mandatairesSociaux)
		r.NotFound(func(w http.ResponseWriter, _ *http.Request) { writeErrors(w, http.StatusNotFound, errNoRoute) })
	})
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(m.kit.Guard)
		m.kit.Mount(r, func() {})
	})
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) { writeErrors(w, http.StatusNotFound, errNoRoute) })
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		writeErrors(w, http.StatusMethodNotAllowed, apiError{Code: "00000", Title: "Méthode non autorisée", Detail: "Seule la méthode GET est acceptée"})
	})
	return r
}
