package franceconnect

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

// controlRoutes adds the FranceConnect-specific control calls under
// /__sandbox (the kit adds healthz, reset, journal, faults and clock).
func (m *Mock) controlRoutes(r chi.Router) {
	r.Get("/personas", func(w http.ResponseWriter, _ *http.Request) {
		list := append([]fixtures.Persona(nil), m.cfg.Fixtures.Personas...)
		m.runtimePersons.Range(func(_, v any) bool { list = append(list, *v.(*fixtures.Persona)); return true })
		control.JSON(w, http.StatusOK, map[string]any{"personas": list})
	})
	r.Post("/personas", func(w http.ResponseWriter, r *http.Request) {
		var p fixtures.Persona
		if !control.DecodeJSON(w, r, &p) {
			return
		}
		if err := m.AddPersona(p); err != nil {
			problem.Write(w, http.StatusBadRequest, "invalid-persona", "Invalid persona", err.Error(), nil)
			return
		}
		control.JSON(w, http.StatusCreated, map[string]string{"login": p.Login})
	})
	r.Post("/clients", func(w http.ResponseWriter, r *http.Request) {
		var c fixtures.Client
		if !control.DecodeJSON(w, r, &c) {
			return
		}
		if err := m.AddClient(c); err != nil {
			problem.Write(w, http.StatusBadRequest, "invalid-client", "Invalid client", err.Error(), nil)
			return
		}
		e, _ := m.client(c.ClientID)
		control.JSON(w, http.StatusCreated, map[string]string{"client_id": c.ClientID, "issuer": e.profile.issuer})
	})
	r.Post("/clients/{id}/clock", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Advance string `json:"advance"`
		}
		if !control.DecodeJSON(w, r, &body) {
			return
		}
		d, err := time.ParseDuration(body.Advance)
		if err != nil || d <= 0 {
			problem.Write(w, http.StatusBadRequest, "invalid-clock", "Invalid clock change",
				`"advance" must be a positive Go duration such as "31s".`, nil)
			return
		}
		id := chi.URLParam(r, "id")
		if _, ok := m.client(id); !ok {
			problem.Write(w, http.StatusNotFound, "unknown-client", "Unknown client", "No client "+id+".", nil)
			return
		}
		if err := m.AdvanceClient(id, d); err != nil {
			problem.Write(w, http.StatusBadRequest, "invalid-clock", "Invalid clock change",
				"A client's clock goes at most 100 years (876000h) ahead of the sandbox clock: an advance of "+d.String()+
					" would take it beyond, so it is refused and the client's clock stays where it was.", nil)
			return
		}
		control.JSON(w, http.StatusOK, map[string]string{"client_id": id, "now": m.clientNow(id).UTC().Format(time.RFC3339Nano)})
	})
	r.Post("/queue", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ClientID string `json:"client_id"`
			queued
		}
		if !control.DecodeJSON(w, r, &body) {
			return
		}
		if (body.Login == "") == (body.Error == "") {
			problem.Write(w, http.StatusBadRequest, "invalid-queue", "Invalid queued login",
				`Give either "login" (a persona) or "error" (access_denied or server_error).`, nil)
			return
		}
		if body.Login != "" {
			if _, ok := m.persona(body.Login); !ok {
				problem.Write(w, http.StatusNotFound, "unknown-persona", "Unknown persona", "No persona with login "+body.Login+".", nil)
				return
			}
		}
		if _, ok := queuedErrors[body.Error]; body.Error != "" && !ok {
			problem.Write(w, http.StatusBadRequest, "invalid-queue", "Invalid queued error", `"error" must be access_denied or server_error.`, nil)
			return
		}
		m.queue.push(body.ClientID, body.queued)
		w.WriteHeader(http.StatusAccepted)
	})
	r.Post("/keys/rotate", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Alg string `json:"alg"`
		}
		if !control.DecodeJSON(w, r, &body) {
			return
		}
		if body.Alg != "ES256" && body.Alg != "RS256" {
			problem.Write(w, http.StatusBadRequest, "invalid-alg", "Invalid algorithm", `"alg" must be ES256 or RS256.`, nil)
			return
		}
		kid, err := m.keys.rotate(jose.SignatureAlgorithm(body.Alg))
		if err != nil {
			problem.Write(w, http.StatusConflict, "no-spare-key", "Cannot rotate", err.Error(), nil)
			return
		}
		control.JSON(w, http.StatusOK, map[string]string{"alg": body.Alg, "kid": kid})
	})
	// GET /__sandbox/session?login=… gives the browser a FranceConnect
	// session for that persona (docs/bac-a-sable.md, « Valeurs de démonstration »): its next authorize logs in at once.
	r.Get("/session", func(w http.ResponseWriter, r *http.Request) {
		login := r.URL.Query().Get("login")
		if _, ok := m.persona(login); !ok {
			problem.Write(w, http.StatusNotFound, "unknown-persona", "Unknown persona", errors.New("no persona with login "+login).Error(), nil)
			return
		}
		m.startSSO(w, login)
		control.JSON(w, http.StatusOK, map[string]string{"login": login, "session": "created"})
	})
}
