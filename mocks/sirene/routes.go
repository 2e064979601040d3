package sirene

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

func pathParam(r *http.Request, name string) string { return chi.URLParam(r, name) }

// routes lists every route of the register mock.
func (m *Mock) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(m.kit.Middleware)
	for _, api := range []struct {
		prefix  string
		private bool
	}{{"/api-sirene/3.11", false}, {"/api-sirene/prive/3.11", true}} {
		r.Route(api.prefix, func(r chi.Router) {
			if api.private {
				r.Use(m.bearer) // OAuth2 token of the password grant
			} else {
				r.Use(m.apiKey)
			}
			r.Get("/siren/{siren}", m.lookupSiren(api.private))
			r.Get("/siret/{siret}", m.lookupSiret(api.private))
			r.Get("/siren", m.search(api.private, false))
			r.Post("/siren", m.search(api.private, false))
			r.Get("/siret", m.search(api.private, true))
			r.Post("/siret", m.search(api.private, true))
			r.Get("/informations", m.informations)
			r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
				inseeError(w, http.StatusNotFound, "Ressource inconnue de l'API Sirene")
			})
		})
	}
	r.Post(INSEETokenPath, m.inseeToken)
	r.Post("/api/sso/login", m.rneLogin)
	r.Group(func(r chi.Router) {
		r.Use(m.rneAuth)
		r.Get("/api/companies/{siren}", m.rneCompany)
		r.Get("/api/companies/{siren}/contact-email", m.contactGet)
		r.Put("/api/companies/{siren}/contact-email", m.contactPut)
		r.Delete("/api/companies/{siren}/contact-email", m.contactDelete)
	})
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(m.kit.Guard)
		m.kit.Mount(r, m.reset)
		m.controlRoutes(r)
	})
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		rneError(w, http.StatusNotFound, "not_found", "Ressource inconnue du registre", "not_found")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		rneError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Méthode non prise en charge", "invalid_request")
	})
	return r
}

// apiKey requires a known X-INSEE-Api-Key-Integration (the public API
// only; the private one takes a bearer token). The body is the API
// gateway's, not Sirene's (unverified shape; the status is what clients see).
func (m *Mock) apiKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !m.apiKeys[r.Header.Get(APIKeyHeader)] {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"Unauthorized","http_status_code":401}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}
