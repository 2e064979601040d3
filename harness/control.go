package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// The sandbox control API (/__sandbox/ of each component), as the steps
// drive it; a target without one makes the steps that need it not
// applicable.

// needControl marks the scenario not applicable when the target has no
// control API; why says, in French, what the step does with it (« injecte
// une panne du registre »).
func (w *world) needControl(why string) error {
	if w.env.control {
		return nil
	}
	w.env.notApplicable(w.name, "une étape "+why+" : il faut l'API de contrôle du bac à sable, que la cible n'offre pas")
	return godog.ErrSkip
}

// controlGate makes a step that drives a component without control API
// not applicable (nil when the component has one).
func (w *world) controlGate(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || !strings.HasPrefix(u.Path, "/__sandbox/") {
		return nil
	}
	base := u.Scheme + "://" + u.Host
	if w.env.noControl[base] {
		w.env.notApplicable(w.name, "il faut l'API de contrôle du bac à sable sur "+base+", qui n'en offre pas")
		return godog.ErrSkip
	}
	return nil
}

// pokeDeliver asks ProConnect to deliver its outboxes now, when it has a
// control API; without one, the step simply waits for its own schedule.
func (w *world) pokeDeliver() {
	if w.env.noControl[baseOf(w.env.coreURL)] || !w.env.control {
		return
	}
	_ = w.call(http.MethodPost, w.env.coreURL+"/__sandbox/deliver", nil, nil)
}

// controlAt calls a control route of a component.
func (w *world) controlAt(base, method, path string, body any) (*exchange, error) {
	var b []byte
	h := map[string]string{}
	if body != nil {
		b, _ = json.Marshal(body)
		h["Content-Type"] = "application/json"
	}
	if w.controlToken() != "" {
		h["Authorization"] = "Bearer " + w.controlToken()
	}
	if err := w.controlGate(base + "/__sandbox" + path); err != nil {
		return nil, err
	}
	req, err := http.NewRequest(method, base+"/__sandbox"+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	e, err := w.http.backend.do(req)
	if err != nil {
		return nil, err
	}
	if err := w.outOfScope(e); err != nil {
		return e, err
	}
	if e.status >= 300 {
		return e, fmt.Errorf("contrôle : %s", e.describe())
	}
	return e, nil
}

// eventually runs check until it is done, asking ProConnect to deliver its
// outboxes between tries (it delivers asynchronously); after timeout it
// returns check's last error, which says what was seen. check returns done
// with an error for a failure that waiting cannot mend.
func (w *world) eventually(timeout, every time.Duration, check func() (done bool, err error)) error {
	deadline := time.Now().Add(timeout)
	for {
		done, err := check()
		if done || time.Now().After(deadline) {
			return err
		}
		w.pokeDeliver()
		time.Sleep(every)
	}
}
