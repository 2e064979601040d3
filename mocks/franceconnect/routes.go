package franceconnect

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/proconnect-sandbox/proconnect-sandbox/ui"
)

// routes lists every route of the mock.
func (m *Mock) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(m.kit.Middleware)
	for _, p := range []*profile{m.low, m.plus} {
		r.Route(p.prefix, func(r chi.Router) {
			r.Get("/", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://franceconnect.gouv.fr", http.StatusMovedPermanently)
			})
			r.Get("/.well-known/openid-configuration", m.discovery(p))
			r.Get("/jwks", m.jwks)
			r.Get("/authorize", m.authorize(p))
			r.Post("/authorize", m.authorize(p))
			r.Get("/interaction/{uid}", m.loginPage)
			r.Post("/interaction/{uid}/login", m.login)
			r.Get("/interaction/{uid}/abort", m.abort)
			r.Post("/token", m.token(p))
			r.Get("/userinfo", m.userinfo(p))
			r.Post("/userinfo", m.userinfo(p))
			r.Get("/session/end", m.sessionEnd(p))
			r.Post("/token/revocation", m.revoke(p))
		})
	}
	r.Get("/", m.home)
	r.Get("/demo", m.demoStart)
	r.Get("/demo/callback", m.demoCallback)
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(m.kit.Guard)
		m.kit.Mount(r, m.reset)
		m.controlRoutes(r)
	})
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) { m.renderError(w, http.StatusNotFound, "Y000404", "") })
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		m.renderError(w, http.StatusMethodNotAllowed, "Y000404", "")
	})
	return ui.Serve(r)
}

func (m *Mock) discovery(p *profile) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=600")
		_, _ = w.Write(p.discovery)
	}
}

func (m *Mock) jwks(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json; charset=utf-8")
	_, _ = w.Write(m.keys.ring.Load().jwks)
}
