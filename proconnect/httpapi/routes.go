package httpapi

import (
	_ "embed"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/control"
)

//go:embed openapi.yaml
var openAPI []byte

//go:embed psp-openapi.yaml
var pspOpenAPI []byte

// routes lists every route of the core.
func (c *Core) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(c.kit.Middleware)
	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/jwks", c.serveJWKS)
		r.Get("/openapi.yaml", yaml(openAPI))
		r.Get("/psp-openapi.yaml", yaml(pspOpenAPI))
		r.Group(func(r chi.Router) {
			r.Use(c.requirePortal)
			r.Post("/certifications", c.createCertification)
			r.Get("/certifications/{id}", c.getCertification)
			r.Post("/verifications", c.verify)
			r.Post("/access-requests", c.createAccessRequest)
			r.Get("/access-requests/{id}", c.getAccessRequest)
			r.Get("/companies/{siren}/contact-email", c.contactEmail)
		})
		r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
			problem(w, http.StatusNotFound, "not-found", "Not found", "No such endpoint in the ProConnect API (see /api/v1/openapi.yaml).", nil)
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
			problem(w, http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", "See /api/v1/openapi.yaml.", nil)
		})
	})
	r.Get("/openapi.yaml", yaml(openAPI))
	r.Get("/certifications/{id}/login", c.login)
	r.Get("/oidc/callback", c.callback)
	r.Get("/contact", c.contactHome)
	r.Post("/contact/connexion", c.contactLogin)
	r.Get("/contact/courriel", c.contactForm)
	r.Post("/contact/courriel", c.contactSubmit)
	r.Get("/contact/verifier", c.contactVerify)
	r.Get("/demandes/{id}", c.accessPage)
	r.Post("/demandes/{id}/connexion", c.accessLogin)
	r.Get("/demandes/{id}/decision", c.accessDecisionPage)
	r.Post("/demandes/{id}/decision", c.accessDecide)
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(c.kit.Guard)
		c.kit.Mount(r, c.portals.reset)
		r.Post("/portals", func(w http.ResponseWriter, r *http.Request) {
			var p fixtures.Portal
			if !control.DecodeJSON(w, r, &p) {
				return
			}
			if p.ClientID == "" || len(p.RedirectURIs) == 0 {
				control.Problem(w, http.StatusBadRequest, "invalid-portal", "Invalid portal", "client_id and redirect_uris are required.")
				return
			}
			c.portals.add(p)
			control.JSON(w, http.StatusCreated, map[string]string{"client_id": p.ClientID})
		})
		r.Get("/deliveries", func(w http.ResponseWriter, r *http.Request) {
			events, err := c.store.Events(r.Context(), 200)
			if err != nil {
				control.Problem(w, http.StatusInternalServerError, "store", "Store error", err.Error())
				return
			}
			control.JSON(w, http.StatusOK, map[string]any{"deliveries": events})
		})
		r.Post("/recheck", func(w http.ResponseWriter, r *http.Request) {
			n, err := c.svc.RecheckAll(r.Context())
			if err != nil {
				control.Problem(w, http.StatusServiceUnavailable, "register-unavailable", "Re-check failed", err.Error())
				return
			}
			control.JSON(w, http.StatusOK, map[string]int{"revoked": n})
		})
		r.Post("/deliver", func(w http.ResponseWriter, _ *http.Request) {
			c.pusher.wake()
			c.mailer.wake()
			w.WriteHeader(http.StatusAccepted)
		})
		r.Post("/expire", func(w http.ResponseWriter, r *http.Request) {
			n, err := c.svc.ExpireAccessRequests(r.Context())
			if err != nil {
				control.Problem(w, http.StatusInternalServerError, "store", "Expiry failed", err.Error())
				return
			}
			control.JSON(w, http.StatusOK, map[string]int{"expired": n})
		})
		r.Get("/mails", func(w http.ResponseWriter, r *http.Request) {
			mails, err := c.store.Mails(r.Context(), 200)
			if err != nil {
				control.Problem(w, http.StatusInternalServerError, "store", "Store error", err.Error())
				return
			}
			control.JSON(w, http.StatusOK, map[string]any{"mails": mails})
		})
	})
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		c.showPage(w, http.StatusOK, "ProConnect (noyau de référence)",
			"API ProConnect sous /api/v1 (description : /api/v1/openapi.yaml ; API que les portails exposent : /api/v1/psp-openapi.yaml).")
	})
	return r
}

func yaml(doc []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(doc)
	}
}
