package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// The portal's time. Some portail scenarios need time to pass for the
// portal under test: a duplicate that comes back seconds later
// (PSP-EVT-8), ProConnect trying an event again while the portal spaces
// its JWKS re-reads (PSP-CLE-2). The reference portal reads its sandbox
// clock for everything it checks in an event (exp, iat, how long it has
// known a jti, when it last read the JWKS): the suite moves that clock
// instead of waiting, and the portal sees the same time go by. A portal
// without the sandbox's control API (an outside one) has no such clock:
// the suite waits for real, as before.
//
// The portal tolerates 30 s of clock skew on exp and iat (PSP-EVT-6), and
// the suite moves its clock by a few seconds at most before putting it
// back: the events other scenarios send meanwhile are judged as before.

// portalClockLimit bounds how far a scenario moves the portal's clock: well
// inside the 30 s of skew the events of other scenarios may meet.
const portalClockLimit = 15 * time.Second

// passPortalTime lets d pass for the portal under test: on its sandbox
// clock when it has one (moved says so; resetPortalClock puts it back),
// else by waiting d.
func (w *world) passPortalTime(d time.Duration) (moved bool) {
	if w.portal.clockMoved+d <= portalClockLimit && w.movePortalClock(d) {
		w.portal.clockMoved += d
		return true
	}
	time.Sleep(d)
	return false
}

// movePortalClock advances the portal's sandbox clock by d; false when the
// portal has no control API, or refuses (an outside implementation, a
// portal token without that right).
func (w *world) movePortalClock(d time.Duration) bool {
	base := baseOf(w.declaration().EventsURL)
	if base == "" || !w.env.control || w.env.noControl[base] {
		return false
	}
	body, _ := json.Marshal(map[string]string{"advance": d.String()})
	e, err := w.portalClockCall(http.MethodPost, base, body)
	if err != nil || e.status != http.StatusOK {
		return false
	}
	var clock struct {
		Offset string `json:"offset"`
	}
	return json.Unmarshal(e.body, &clock) == nil && clock.Offset != ""
}

// resetPortalClock puts the portal's clock back on real time after
// passPortalTime moved it.
func (w *world) resetPortalClock() error {
	if w.portal.clockMoved == 0 {
		return nil
	}
	w.portal.clockMoved = 0
	e, err := w.portalClockCall(http.MethodDelete, baseOf(w.declaration().EventsURL), nil)
	if err == nil && e.status != http.StatusOK {
		err = fmt.Errorf("%s", e.describe())
	}
	if err != nil {
		return fmt.Errorf("remise de l'horloge du portail à l'heure réelle : %w", err)
	}
	return nil
}

// portalClockCall calls the portal's /__sandbox/clock with the run's
// control token.
func (w *world) portalClockCall(method, base string, body []byte) (*exchange, error) {
	req, err := http.NewRequest(method, base+"/__sandbox/clock", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if w.controlToken() != "" {
		req.Header.Set("Authorization", "Bearer "+w.controlToken())
	}
	return w.http.backend.do(req)
}
