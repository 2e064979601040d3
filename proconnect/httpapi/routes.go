package httpapi

import (
	"context"
	_ "embed"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/ui"
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
			problem.Write(w, http.StatusNotFound, "not-found", "Introuvable", "Aucun point d'accès de l'API ProConnect à cette adresse (voir /api/v1/openapi.yaml).", nil)
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
			problem.Write(w, http.StatusMethodNotAllowed, "method-not-allowed", "Méthode non autorisée", "Voir /api/v1/openapi.yaml.", nil)
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
		c.kit.Mount(r, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := c.portals.reset(ctx); err != nil {
				c.log.Error("reset: run-time portal registrations", "err", err)
			}
			c.pusher.keys.reset()
			c.pusher.releaseAll()
		})
		r.Post("/portals", func(w http.ResponseWriter, r *http.Request) {
			var p fixtures.Portal
			if !control.DecodeJSON(w, r, &p) {
				return
			}
			if p.ClientID == "" || len(p.RedirectURIs) == 0 {
				problem.Write(w, http.StatusBadRequest, "invalid-portal", "Invalid portal", "client_id and redirect_uris are required.", nil)
				return
			}
			for _, f := range append([]string{p.ClientID, p.Name, p.ClientSecret, p.EventsURL}, append(slices.Clone(p.Scopes), p.RedirectURIs...)...) {
				if !proconnect.Printable(f) {
					problem.Write(w, http.StatusBadRequest, "invalid-portal", "Invalid portal",
						"A field holds a control character or invalid UTF-8: "+strconv.Quote(f), nil)
					return
				}
			}
			if p.ControlTokenHash != "" {
				problem.Write(w, http.StatusBadRequest, "invalid-portal", "Invalid portal",
					"control_token_hash is the core's own: the core issues the portal's control token and keeps its hash.", nil)
				return
			}
			if control.ForbidOtherPortal(w, r, p.ClientID) {
				return
			}
			for _, u := range append(slices.Clone(p.RedirectURIs), p.EventsURL) {
				if u == "" {
					continue
				}
				if err := fixtures.CheckRedirectURI(u); err != nil {
					problem.Write(w, http.StatusBadRequest, "invalid-portal", "Invalid portal", err.Error(), nil)
					return
				}
			}
			if _, fixture := c.portals.fixture[p.ClientID]; fixture {
				problem.Write(w, http.StatusConflict, "fixture-portal", "Portal from the fixtures",
					"The portal "+p.ClientID+" comes from the sandbox's fixtures (up --fixtures, up --portal): a run-time registration does not replace it.", nil)
				return
			}
			if own := scopedPortal(r); own != "" {
				// the portal registering itself again with its token
				// keeps that token: its CI holds it
				if prev, ok, err := c.portals.record(r.Context(), own); err == nil && ok {
					p.ControlTokenHash = prev.ControlTokenHash
				}
				if err := c.portals.add(r.Context(), p); err != nil {
					control.NoteCause(r.Context(), err)
					problem.Write(w, http.StatusServiceUnavailable, "store", "Store unavailable", "The registration could not be stored; try again.", nil)
					return
				}
				control.JSON(w, http.StatusCreated, map[string]string{"client_id": p.ClientID})
				return
			}
			if err := c.portals.add(r.Context(), p); err != nil {
				control.NoteCause(r.Context(), err)
				problem.Write(w, http.StatusServiceUnavailable, "store", "Store unavailable", "The registration could not be stored; try again.", nil)
				return
			}
			// a shared sandbox: the portal's own control token, shown once
			token, err := c.issueToken(r.Context(), p.ClientID)
			if err != nil {
				control.NoteCause(r.Context(), err)
				problem.Write(w, http.StatusInternalServerError, "token", "Token not issued", err.Error(), nil)
				return
			}
			answer := map[string]string{"client_id": p.ClientID}
			if token != "" {
				answer["control_token"] = token
			}
			control.JSON(w, http.StatusCreated, answer)
		})
		r.Post("/portals/{id}/token", c.newPortalToken)
		// the outbox's events, newest first: the last 200, or with
		// ?subject= (a certification, access request or SIREN) those about it
		r.Get("/deliveries", func(w http.ResponseWriter, r *http.Request) {
			subject, own := r.URL.Query().Get("subject"), scopedPortal(r)
			limit := 200
			if subject != "" || own != "" {
				// filtered below: read them all, so that a portal's
				// events are not crowded out by its neighbours'
				limit = 100000
			}
			events, err := c.store.Events(r.Context(), limit)
			if err != nil {
				control.NoteCause(r.Context(), err)
				problem.Write(w, http.StatusInternalServerError, "store", "Store error", err.Error(), nil)
				return
			}
			if subject != "" {
				events = slices.DeleteFunc(events, func(e proconnect.Event) bool { return !slices.Contains(subjects(e.Data), subject) })
			}
			if own != "" {
				events = slices.DeleteFunc(events, func(e proconnect.Event) bool { return e.PortalID != own })
				if subject == "" && len(events) > 200 {
					events = events[:200]
				}
			}
			control.JSON(w, http.StatusOK, map[string]any{"deliveries": events})
		})
		// every delivery attempt, newest last; ?portal= and ?subject= (a
		// certification, access request or SIREN) filter, ?since= pages
		r.Get("/attempts", func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			since, _ := strconv.ParseUint(q.Get("since"), 10, 64)
			portal, subject := q.Get("portal"), q.Get("subject")
			if own := scopedPortal(r); own != "" {
				if portal != "" && control.ForbidOtherPortal(w, r, portal) {
					return
				}
				portal = own
			}
			list, err := c.pusher.attemptsAfter(r.Context(), since, func(a Attempt) bool {
				return (portal == "" || a.Portal == portal) && (subject == "" || slices.Contains(a.Subjects, subject))
			})
			if err != nil {
				control.NoteCause(r.Context(), err)
				problem.Write(w, http.StatusServiceUnavailable, "store", "Store unavailable", "The delivery attempts could not be read; try again.", nil)
				return
			}
			control.JSON(w, http.StatusOK, map[string]any{"attempts": list})
		})
		// deliveries to a portal wait while it is held (a scenario checks
		// what a portal does before any event tells it)
		r.Post("/deliveries/hold", func(w http.ResponseWriter, r *http.Request) {
			var body struct {
				Portal string `json:"portal"`
			}
			if !control.DecodeJSON(w, r, &body) {
				return
			}
			if body.Portal == "" {
				problem.Write(w, http.StatusBadRequest, "invalid-hold", "Invalid hold", `"portal" (a client_id) is required.`, nil)
				return
			}
			if control.ForbidOtherPortal(w, r, body.Portal) {
				return
			}
			if c.changeControl(w, r, "holds", func() error { c.pusher.hold(body.Portal); return nil }) {
				w.WriteHeader(http.StatusNoContent)
			}
		})
		r.Delete("/deliveries/hold", func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.Query().Get("portal")
			if own := scopedPortal(r); own != "" {
				if p != "" && control.ForbidOtherPortal(w, r, p) {
					return
				}
				p = own
			}
			if c.changeControl(w, r, "holds", func() error {
				if p != "" {
					c.pusher.release(p)
				} else {
					c.pusher.releaseAll()
				}
				return nil
			}) {
				w.WriteHeader(http.StatusNoContent)
			}
		})
		// the next fixture key signs the events from now on; the JWKS
		// publishes it first and keeps the previous ones
		r.Post("/keys/rotate", func(w http.ResponseWriter, r *http.Request) {
			rotate := c.pusher.keys.rotate
			if own := scopedPortal(r); own != "" {
				rotate = func() (string, error) { return c.pusher.keys.rotateFor(own) }
			}
			var kid string
			var noKey error
			if !c.changeControl(w, r, "event-keys", func() error {
				var err error
				if kid, err = rotate(); err != nil {
					noKey = err
				}
				return nil // nothing rotated: nothing to share, the answer says why
			}) {
				return
			}
			if noKey != nil {
				problem.Write(w, http.StatusConflict, "no-key", "No key to rotate to", noKey.Error(), nil)
				return
			}
			control.JSON(w, http.StatusOK, map[string]string{"kid": kid})
		})
		r.Delete("/keys/rotate", func(w http.ResponseWriter, r *http.Request) {
			var kid string
			if !c.changeControl(w, r, "event-keys", func() error {
				if own := scopedPortal(r); own != "" {
					kid = c.pusher.keys.resetFor(own)
					return nil
				}
				c.pusher.keys.reset()
				kid = c.pusher.keys.current().active.kid
				return nil
			}) {
				return
			}
			control.JSON(w, http.StatusOK, map[string]string{"kid": kid})
		})
		r.Post("/recheck", func(w http.ResponseWriter, r *http.Request) {
			n, err := c.svc.RecheckPortal(r.Context(), scopedPortal(r))
			if err != nil {
				control.NoteCause(r.Context(), err)
				problem.Write(w, http.StatusServiceUnavailable, "register-unavailable", "Re-check failed", err.Error(), nil)
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
			n, err := c.svc.ExpirePortalAccessRequests(r.Context(), scopedPortal(r))
			if err != nil {
				control.NoteCause(r.Context(), err)
				problem.Write(w, http.StatusInternalServerError, "store", "Expiry failed", err.Error(), nil)
				return
			}
			control.JSON(w, http.StatusOK, map[string]int{"expired": n})
		})
		// the mail outbox, newest first: the last 200, or with ?to= every
		// mail to that address; "sending" marks a mail whose SMTP session
		// is under way (a harness waits for it before saying that nothing
		// more will arrive)
		r.Get("/mails", func(w http.ResponseWriter, r *http.Request) {
			to, limit := r.URL.Query().Get("to"), 200
			if to == "" && scopedPortal(r) != "" {
				problem.Write(w, http.StatusForbidden, "control-scope", "Outside this portal's scope",
					"A portal's control token reads the mail outbox by address only (?to=): the outbox is every team's.", nil)
				return
			}
			if to != "" {
				limit = 100000
			}
			// an SMTP session under way before or after the read: one
			// that ends in between has its result in what was read
			busy := map[string]bool{}
			c.mailer.outbox.busy.Range(func(k, _ any) bool { busy[k.(string)] = true; return true })
			mails, err := c.store.Mails(r.Context(), limit)
			if err != nil {
				control.NoteCause(r.Context(), err)
				problem.Write(w, http.StatusInternalServerError, "store", "Store error", err.Error(), nil)
				return
			}
			type outboxMail struct {
				proconnect.Mail
				Sending bool `json:"sending"`
			}
			own := scopedPortal(r)
			out := make([]outboxMail, 0, len(mails))
			for _, m := range mails {
				if to != "" && !strings.EqualFold(m.To, to) {
					continue
				}
				// a portal's token reads its own mail and the mail of no
				// portal (a contact address's verification), never
				// another portal's: its links decide that portal's
				// access requests
				if own != "" && m.PortalID != "" && m.PortalID != own {
					continue
				}
				_, now := c.mailer.outbox.busy.Load(m.ID)
				out = append(out, outboxMail{Mail: m, Sending: busy[m.ID] || now})
			}
			control.JSON(w, http.StatusOK, map[string]any{"mails": out})
		})
	})
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		c.showPage(w, http.StatusOK, "ProConnect (noyau de référence)",
			"API ProConnect sous /api/v1 (description : /api/v1/openapi.yaml ; API que les portails exposent : /api/v1/psp-openapi.yaml).")
	})
	return ui.Serve(r)
}

func yaml(doc []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(doc)
	}
}
