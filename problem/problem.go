// Package problem writes RFC 9457 problem details (application/problem+json),
// the error format of the ProConnect API and of every component's control
// API. One writer, one base for the types: a problem's type is a stable
// identifier clients may compare.
package problem

import (
	"encoding/json"
	"net/http"
)

// Base prefixes every problem type.
const Base = "https://proconnect-sandbox.example/problems/"

// Write answers status with a problem: typ is a short stable slug (the
// type is Base+typ), title a constant summary, detail this occurrence;
// extra adds members (e.g. "field" for a validation error).
func Write(w http.ResponseWriter, status int, typ, title, detail string, extra map[string]any) {
	body := map[string]any{"type": Base + typ, "title": title, "status": status, "detail": detail}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}
