package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// ProblemBase prefixes the type of every problem the API answers.
const ProblemBase = "https://proconnect-sandbox.example/problems/"

// problem writes an RFC 9457 application/problem+json answer.
func problem(w http.ResponseWriter, status int, typ, title, detail string, extra map[string]any) {
	body := map[string]any{"type": ProblemBase + typ, "title": title, "status": status, "detail": detail}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// domainProblem maps a use case's error to its problem (one table for the
// whole API, as in benbjohnson/wtf).
func domainProblem(w http.ResponseWriter, err error) {
	var ve *proconnect.ValidationError
	switch {
	case errors.As(err, &ve):
		problem(w, http.StatusBadRequest, "invalid-field", "Invalid request", ve.Error(), map[string]any{"field": ve.Field})
	case errors.Is(err, proconnect.ErrNotFound):
		problem(w, http.StatusNotFound, "not-found", "Not found", "No such certification for this portal.", nil)
	case errors.Is(err, proconnect.ErrNoContactEmail):
		problem(w, http.StatusConflict, "no-contact-email", "No contact email", err.Error(), nil)
	case errors.Is(err, proconnect.ErrConflict):
		problem(w, http.StatusConflict, "not-certified", "Nothing to re-check",
			"This certification did not certify a dirigeant (or is still pending): there is no identity to re-check.", nil)
	case errors.Is(err, proconnect.ErrUnavailable):
		problem(w, http.StatusServiceUnavailable, "register-unavailable", "Register unavailable",
			"The company register did not answer; try again later.", nil)
	default:
		problem(w, http.StatusInternalServerError, "internal", "Internal error", "The core failed; see its log.", nil)
	}
}
