package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

// The core in a shared sandbox: it issues each registered portal a control
// token (shown once, its hash kept in the registration record), and says
// which of its control calls such a token may make, each scoped to the
// portal (docs/bac-a-sable.md, « Bac à sable partagé »).

// portalCalls are the core's control calls a portal's token may make: each
// handler scopes itself with control.PortalScope. The others (reset, a
// token for a portal) are the owner's.
var portalCalls = map[string]bool{
	"POST /__sandbox/portals":           true, // its own registration only
	"GET /__sandbox/deliveries":         true, // its events only
	"GET /__sandbox/attempts":           true, // its deliveries only
	"POST /__sandbox/deliveries/hold":   true, // its deliveries only
	"DELETE /__sandbox/deliveries/hold": true,
	"POST /__sandbox/deliver":           true, // wakes the senders: changes no one's schedule
	"POST /__sandbox/keys/rotate":       true, // the key of its events only
	"DELETE /__sandbox/keys/rotate":     true,
	"POST /__sandbox/recheck":           true, // its certifications only
	"POST /__sandbox/expire":            true, // its access requests, on its clock
	"GET /__sandbox/mails":              true, // by address only (?to=)
}

func (c *Core) portalMay(r *http.Request) bool { return portalCalls[r.Method+" "+r.URL.Path] }

// tokenCurrent says whether token is the portal's current control token: a
// new registration (or a new token) retires the previous one.
func (p *portals) tokenCurrent(portal, token string) bool {
	x, ok, err := p.record(context.Background(), portal)
	if err != nil || !ok || x.ControlTokenHash == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(x.ControlTokenHash), []byte(control.PortalTokenHash(token))) == 1
}

// issueToken gives a known portal a new control token and keeps its hash in
// its registration record (a fixture portal gets a run-time copy of its
// record, which reset forgets with the token). "" without an owner token:
// the control API is open to all.
func (c *Core) issueToken(ctx context.Context, portal string) (string, error) {
	x, ok, err := c.portals.record(ctx, portal)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", errUnknownPortal
	}
	token, hash, err := c.kit.IssuePortalToken(portal)
	if errors.Is(err, control.ErrNoOwnerToken) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	x.ControlTokenHash = hash
	if err := c.portals.add(ctx, x); err != nil {
		return "", err
	}
	return token, nil
}

var errUnknownPortal = errors.New("unknown portal")

// newPortalToken serves POST /__sandbox/portals/{id}/token: the owner gives
// a portal it knows (one of the fixtures, say: the reference portal) a
// control token, so that its team's runs are scoped to it.
func (c *Core) newPortalToken(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if c.kit.Token == "" {
		problem.Write(w, http.StatusConflict, "no-control-token", "No control token to scope",
			"This sandbox has no control token: its control API is open to all, and a portal token would limit nothing. Start it with --control-token.", nil)
		return
	}
	token, err := c.issueToken(r.Context(), id)
	switch {
	case errors.Is(err, errUnknownPortal):
		problem.Write(w, http.StatusNotFound, "unknown-portal", "Unknown portal",
			"The core knows no portal "+id+": register it first (POST /__sandbox/portals).", nil)
		return
	case err != nil:
		control.NoteCause(r.Context(), err)
		problem.Write(w, http.StatusInternalServerError, "token", "Token not issued", err.Error(), nil)
		return
	}
	control.JSON(w, http.StatusCreated, map[string]string{"client_id": id, "control_token": token})
}

// scopedPortal is the portal a control call is scoped to ("" for the
// owner).
func scopedPortal(r *http.Request) string {
	p, _ := control.PortalScope(r.Context())
	return p
}
