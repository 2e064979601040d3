package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

type ctxPortal struct{}

// requirePortal authenticates the PISTE token and the portal behind it:
// 401 without a valid token, 403 without the proconnect scope or for a
// portal the core does not know.
func (c *Core) requirePortal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := c.auth.verify(r.Context(), r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="proconnect", error="invalid_token"`)
			detail := "Le jeton d'accès PISTE est absent, invalide ou expiré : demandez-en un à PISTE (client_credentials) et envoyez-le dans l'en-tête « Authorization: Bearer <jeton> »."
			problem.Write(w, http.StatusUnauthorized, "invalid-token", "Jeton d'accès invalide", detail, nil)
			return
		}
		control.NoteClient(r.Context(), tok.ClientID)
		if !tok.hasScope("proconnect") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="proconnect", error="insufficient_scope", scope="proconnect"`)
			problem.Write(w, http.StatusForbidden, "insufficient-scope", "Scope insuffisant", "Le jeton d'accès n'a pas le scope proconnect.", nil)
			return
		}
		p, ok, err := c.portals.get(r.Context(), tok.ClientID)
		if err != nil {
			control.NoteCause(r.Context(), err)
			problem.Write(w, http.StatusServiceUnavailable, "store", "Store unavailable", "ProConnect could not read its portals; try again.", nil)
			return
		}
		if !ok {
			problem.Write(w, http.StatusForbidden, "unknown-portal", "Portail non enregistré",
				"Le portail "+tok.ClientID+" a un jeton PISTE mais n'est pas enregistré auprès de ProConnect.", nil)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxPortal{}, p)))
	})
}

func portalOf(r *http.Request) fixtures.Portal {
	return r.Context().Value(ctxPortal{}).(fixtures.Portal)
}

const maxBody = 64 << 10

// decode reads a JSON body strictly (one JSON object, nothing after it but
// white space, no unknown field, at most maxBody bytes), or writes a 400/415
// problem.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		problem.Write(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "Type de contenu non pris en charge", "Envoyez application/json.", nil)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		problem.Write(w, http.StatusBadRequest, "invalid-body", "Corps invalide", "Le corps n'est pas l'objet JSON que prend cet appel : "+jsonErrorWords(err), nil)
		return false
	}
	// one value only: {}{} or {} x is not a JSON body (RFC 8259 §2)
	if _, err := dec.Token(); err != io.EOF {
		problem.Write(w, http.StatusBadRequest, "invalid-body", "Corps invalide",
			"Le corps contient quelque chose après son objet JSON ; cet appel prend un seul objet JSON (64 Kio au plus).", nil)
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// createCertification serves POST /api/v1/certifications.
func (c *Core) createCertification(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SIREN       string `json:"siren"`
		RedirectURI string `json:"redirect_uri"`
		State       string `json:"state"`
		Purpose     string `json:"purpose"`
		AccountRef  string `json:"account_ref"`
	}
	if !decode(w, r, &body) {
		return
	}
	p := portalOf(r)
	if body.RedirectURI == "" {
		problem.Write(w, http.StatusBadRequest, "invalid-field", "Requête invalide", "redirect_uri : obligatoire", map[string]any{"field": "redirect_uri"})
		return
	}
	if err := fixtures.CheckRedirectURI(body.RedirectURI); err != nil {
		problem.Write(w, http.StatusBadRequest, "invalid-field", "Requête invalide", "redirect_uri : "+err.Error(), map[string]any{"field": "redirect_uri"})
		return
	}
	if !p.RedirectURIs.Allows(body.RedirectURI) {
		problem.Write(w, http.StatusForbidden, "redirect-uri-not-registered", "redirect_uri non enregistrée",
			"La redirect_uri "+body.RedirectURI+" n'est pas enregistrée pour le portail "+p.ClientID+".", map[string]any{"field": "redirect_uri"})
		return
	}
	cert, err := c.svc.Start(r.Context(), p.ClientID, proconnect.StartRequest{SIREN: body.SIREN, RedirectURI: body.RedirectURI,
		State: body.State, Purpose: proconnect.Purpose(body.Purpose), AccountRef: body.AccountRef})
	if err != nil {
		c.domainProblem(w, r, err)
		return
	}
	control.NoteFlow(r.Context(), cert.ID) // the flow picture draws this certification's exchanges together
	w.Header().Set("Location", c.cfg.PublicURL+"/api/v1/certifications/"+cert.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"id": cert.ID,
		"authorization_url": c.cfg.PublicURL + "/certifications/" + cert.ID + "/login", "expires_at": cert.ExpiresAt.UTC().Format(time.RFC3339)})
}

// certificationView is what GET /certifications/{id} answers.
func certificationView(cert proconnect.Certification) map[string]any {
	v := map[string]any{"id": cert.ID, "siren": cert.SIREN, "status": cert.Status, "purpose": cert.Purpose}
	if cert.AccountRef != "" {
		v["account_ref"] = cert.AccountRef
	}
	if cert.Status == proconnect.StatusCompleted {
		v["outcome"] = cert.Outcome
		if cert.CompletedAt != nil {
			v["completed_at"] = cert.CompletedAt.UTC().Format(time.RFC3339)
		}
		if len(cert.Mismatches) > 0 {
			v["mismatches"] = cert.Mismatches
		}
		if cert.Outcome == proconnect.OutcomeCertified && cert.Dirigeant != nil {
			v["dirigeant"] = cert.Dirigeant
			v["fc_sub"] = cert.FCSub
		}
		if cert.RevokedAt != nil {
			v["revoked_at"] = cert.RevokedAt.UTC().Format(time.RFC3339)
		}
	}
	return v
}

func (c *Core) getCertification(w http.ResponseWriter, r *http.Request) {
	cert, err := c.svc.Get(r.Context(), portalOf(r).ClientID, chi.URLParam(r, "id"))
	if err != nil {
		c.domainProblem(w, r, err)
		return
	}
	control.NoteFlow(r.Context(), cert.ID)
	writeJSON(w, http.StatusOK, certificationView(cert))
}

// verify serves POST /api/v1/verifications: the re-check without a login.
func (c *Core) verify(w http.ResponseWriter, r *http.Request) {
	var body struct {
		CertificationID string `json:"certification_id"`
	}
	if !decode(w, r, &body) {
		return
	}
	if body.CertificationID == "" {
		problem.Write(w, http.StatusBadRequest, "invalid-field", "Requête invalide", "certification_id : obligatoire", map[string]any{"field": "certification_id"})
		return
	}
	res, err := c.svc.Verify(r.Context(), portalOf(r).ClientID, body.CertificationID)
	if err != nil {
		c.domainProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"still_dirigeant": res.StillDirigeant, "outcome": res.Outcome,
		"checked_at": res.CheckedAt.UTC().Format(time.RFC3339)})
}

func (c *Core) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(c.pusher.keys.current().jwks)
}
