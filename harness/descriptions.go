package harness

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/oaschema"
	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
)

// descriptions are the OpenAPI documents the ProConnect core under test
// serves (its API, and the PSP API it pushes events to): the suite checks
// the core's answers and events against what the core publishes. A core
// that serves none is checked on behaviour alone.
type descriptions struct {
	once     sync.Once
	api, psp *oaschema.Document
}

func (d *descriptions) load(w *world) {
	d.once.Do(func() {
		get := func(path string) *oaschema.Document {
			e, err := w.http.backend.get(w.env.coreURL + path)
			if err != nil || e.status != http.StatusOK {
				return nil
			}
			doc, err := oaschema.Load(e.body)
			if err != nil {
				return nil
			}
			return doc
		}
		d.api, d.psp = get("/api/v1/openapi.yaml"), get("/api/v1/psp-openapi.yaml")
	})
}

// dataSchemas names psp-openapi.yaml's schema of each event type's data.
var dataSchemas = map[string]string{
	pspevent.CertificationCompleted: "CertificationCompleted", pspevent.DirigeantRevoked: "DirigeantRevoked",
	pspevent.AccessRequestApproved: "AccessRequestDecided", pspevent.AccessRequestRefused: "AccessRequestDecided",
	pspevent.AccessRequestExpired: "AccessRequestDecided", pspevent.ContactEmailChanged: "ContactEmailChanged",
}

// checkEvent checks an event's claims, then its data, against
// psp-openapi.yaml.
func (w *world) checkEvent(payload []byte) error {
	w.env.described.load(w)
	psp := w.env.described.psp
	if psp == nil {
		return nil
	}
	if err := psp.Component("Claims", payload); err != nil {
		return fmt.Errorf("les revendications de l'événement ne suivent pas le psp-openapi.yaml de ProConnect : %w", err)
	}
	var c struct {
		Type string          `json:"event_type"`
		Data json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(payload, &c)
	if name, ok := dataSchemas[c.Type]; ok {
		if err := psp.Component(name, c.Data); err != nil {
			return fmt.Errorf("les données de %s ne suivent pas le psp-openapi.yaml de ProConnect (%s) : %w", c.Type, name, err)
		}
	}
	return nil
}

// checkAnswer checks the last answer of the ProConnect API (method, path
// under /api/v1) against openapi.yaml.
func (w *world) checkAnswer(method, path string) error {
	w.env.described.load(w)
	api := w.env.described.api
	if api == nil {
		return nil
	}
	tpl, ok := api.Template(strings.SplitN(path, "?", 2)[0])
	if !ok {
		return fmt.Errorf("l'openapi.yaml de ProConnect ne décrit aucun chemin comme %s", path)
	}
	mt, _, _ := mime.ParseMediaType(w.http.last.header.Get("Content-Type"))
	if err := api.Answer(method, tpl, w.http.last.status, mt, w.http.last.body); err != nil {
		return fmt.Errorf("la réponse de ProConnect ne suit pas son openapi.yaml : %w", err)
	}
	return nil
}
