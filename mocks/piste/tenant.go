package piste

import (
	"net/http"
	"strings"
)

// portalCalls lets a portal's control token (a shared sandbox) register
// itself again and remove its own run-time registration; the handlers check
// that the client_id is its own. Listing every portal is the owner's.
func portalCalls(r *http.Request) bool {
	return (r.Method == http.MethodPost && r.URL.Path == "/__sandbox/portals") ||
		(r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/__sandbox/portals/"))
}
