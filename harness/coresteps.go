package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/go-jose/go-jose/v4"
)

// proconnectWorld is the part of a scenario's state the proconnect and
// portail suites use.
type proconnectWorld struct {
	portal, portalSecret string // the scenario's own portal (proconnect suite)
	scopes               []string
	apiToken             string
	certID, authURL      string
	redirectURI, state   string
	event                map[string]any // the last event received or forged
	eventHeader          map[string]any
	certifiedPersona     string

	// The portail suite: the certification the person started at the
	// portal under test, and what the suite sent and changed.
	certSIREN  string              // the SIREN of w.pc.certID
	accountRef string              // the existing account certified (certification_url)
	sent       map[string]string   // name → raw event sent (a replay sends it again)
	forged     map[string]*forgery // name → the event as forged (a retry signs it again)
	otherCert  string              // a second person's certification at the portal
	jti        string              // a jti the next event takes
	sending    time.Duration       // how long the last batch of events took to send
	extraData  bool                // events carry a data field nobody knows yet
	returnURL  *url.URL            // the portal's return, caught before the browser opened it
	marks      map[string]uint64   // component → journal seq when counting began
	held       bool                // the portal's deliveries are held at the core
	rotated    bool                // the core signs with its next key
}

func (w *fcWorld) coreControl(path string, body any) error {
	if err := w.needControl("drives ProConnect through its control API"); err != nil {
		return err
	}
	b, _ := json.Marshal(body)
	h := map[string]string{"Content-Type": "application/json"}
	if err := w.call(http.MethodPost, w.env.coreURL+"/__sandbox"+path, h, b); err != nil {
		return err
	}
	if w.last.status >= 300 {
		return fmt.Errorf("ProConnect control %s: %d %s", path, w.last.status, w.last.body)
	}
	return nil
}

// registerPortal registers a portal for the scenario at PISTE and at
// ProConnect, its events going to the harness's sink.
func (w *fcWorld) registerPortal(scopes []string) error {
	if err := w.needControl("registers a portal through the control API"); err != nil {
		return err
	}
	w.pc.portal, w.pc.portalSecret, w.pc.scopes = "portail-"+randomHex(5), "secret-"+randomHex(16), scopes
	return w.reregisterPortal()
}

// reregisterPortal registers the scenario's portal again (a restarted
// sandbox forgets run-time registrations).
func (w *fcWorld) reregisterPortal() error {
	p := map[string]any{"name": "Portail du scénario", "client_id": w.pc.portal, "client_secret": w.pc.portalSecret,
		"scopes": w.pc.scopes, "redirect_uris": []string{"http://localhost/*"}, "events_url": w.env.sink.url(w.pc.portal)}
	b, _ := json.Marshal(p)
	h := map[string]string{"Content-Type": "application/json"}
	for _, base := range []string{w.env.pisteURL, w.env.coreURL} {
		if err := w.call(http.MethodPost, base+"/__sandbox/portals", h, b); err != nil {
			return err
		}
		if w.last.status != http.StatusCreated {
			return fmt.Errorf("registering the portal at %s: %d %s", base, w.last.status, w.last.body)
		}
	}
	w.pc.redirectURI = "http://localhost:9/retour"
	return nil
}

func (w *fcWorld) portalToken() error {
	// No scope asked: PISTE grants the portal's own (a portal without
	// proconnect gets a token the API must refuse with 403).
	form := url.Values{"grant_type": {"client_credentials"}}
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic " + basic(w.pc.portal, w.pc.portalSecret)}
	if err := w.call(http.MethodPost, w.env.pisteURL+"/api/oauth/token", h, []byte(form.Encode())); err != nil {
		return err
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(w.last.body, &out)
	w.pc.apiToken = out.AccessToken
	if w.pc.apiToken == "" && w.last.status == http.StatusOK {
		return fmt.Errorf("PISTE gave no token: %s", w.last.body)
	}
	return nil
}

// api calls the ProConnect API as the scenario's portal.
func (w *fcWorld) api(method, path string, body any, token string) error {
	var b []byte
	h := map[string]string{}
	if body != nil {
		b, _ = json.Marshal(body)
		h["Content-Type"] = "application/json"
	}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return w.call(method, w.env.coreURL+"/api/v1"+path, h, b)
}

func (w *fcWorld) startCertification(fields map[string]any) error {
	if w.pc.apiToken == "" {
		if err := w.portalToken(); err != nil {
			return err
		}
	}
	w.pc.state = "etat-" + randomHex(6)
	body := map[string]any{"siren": w.expand("{siren}"), "redirect_uri": w.pc.redirectURI, "state": w.pc.state, "purpose": "registration"}
	for k, v := range fields {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	if err := w.api(http.MethodPost, "/certifications", body, w.pc.apiToken); err != nil {
		return err
	}
	if w.last.status == http.StatusCreated {
		var out struct {
			ID               string `json:"id"`
			AuthorizationURL string `json:"authorization_url"`
		}
		_ = json.Unmarshal(w.last.body, &out)
		w.pc.certID, w.pc.authURL = out.ID, out.AuthorizationURL
	}
	return nil
}

// followLogin sends the browser to the authorization URL, through
// FranceConnect's login, and back.
func (w *fcWorld) followLogin(login string) error {
	e, err := w.browser.open(w.pc.authURL)
	if err != nil {
		return err
	}
	w.land(e)
	if login == "" {
		return nil
	}
	return w.loginAs(login, w.password(w.expand(login)))
}

// waitEvent polls the sink for an event of that type for the scenario's
// portal and certification (ProConnect delivers asynchronously).
func (w *fcWorld) waitEvent(typ string) error {
	return w.waitEventWhere(typ, "certification "+w.pc.certID, func(d map[string]any) bool { return d["certification_id"] == w.pc.certID })
}

// waitEventWhere polls the sink for an event of that type whose data
// matches.
func (w *fcWorld) waitEventWhere(typ, what string, match func(data map[string]any) bool) error {
	return w.eventually(8*time.Second, 20*time.Millisecond, func() (bool, error) {
		events, hits := w.env.sink.events(w.pc.portal)
		for _, raw := range events {
			h, c, err := decodeJWS(raw)
			if err != nil {
				continue
			}
			data, _ := c["data"].(map[string]any)
			if c["event_type"] == typ && match(data) {
				w.pc.event, w.pc.eventHeader = c, h
				w.idJWS = raw
				return true, nil
			}
		}
		return false, fmt.Errorf("no %s event for %s after 8 s (%d deliveries seen, %d accepted)", typ, what, hits, len(events))
	})
}

// eventually runs check until it is done, asking ProConnect to deliver its
// outboxes between tries (it delivers asynchronously); after timeout it
// returns check's last error, which says what was seen. check returns done
// with an error for a failure that waiting cannot mend.
func (w *fcWorld) eventually(timeout, every time.Duration, check func() (done bool, err error)) error {
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

// verifyEvent checks the last event against ProConnect's JWKS and the event format (docs/contrat-portail.md, section 3).
func (w *fcWorld) verifyEvent() error {
	jws, err := jose.ParseSigned(w.idJWS, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return fmt.Errorf("the event is not an ES256 JWS: %w", err)
	}
	e, err := w.backend.get(w.env.coreURL + "/api/v1/jwks")
	if err != nil {
		return err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(e.body, &set); err != nil {
		return fmt.Errorf("ProConnect JWKS: %w", err)
	}
	h := jws.Signatures[0].Header
	keys := set.Key(h.KeyID)
	if len(keys) == 0 {
		return fmt.Errorf("kid %q is not in ProConnect's JWKS", h.KeyID)
	}
	if _, err := jws.Verify(keys[0]); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	c := w.pc.event
	iat, _ := c["iat"].(float64)
	exp, _ := c["exp"].(float64)
	switch {
	case h.ExtraHeaders[jose.HeaderType] != "proconnect-event+jwt":
		return fmt.Errorf("typ %v", h.ExtraHeaders[jose.HeaderType])
	case c["iss"] != w.env.coreURL:
		return fmt.Errorf("iss %v, want %s", c["iss"], w.env.coreURL)
	case c["aud"] != w.pc.portal:
		return fmt.Errorf("aud %v, want %s", c["aud"], w.pc.portal)
	case exp-iat != 300:
		return fmt.Errorf("exp − iat = %v, want 300", exp-iat)
	case c["jti"] == nil || c["jti"] == "":
		return fmt.Errorf("no jti")
	}
	return nil
}

func registerProConnect(sc *godog.ScenarioContext, w *fcWorld) {
	step := sc.Step
	step(`^un portail enregistré auprès de PISTE et de ProConnect pour le scénario$`, func() error {
		return w.registerPortal([]string{"proconnect"})
	})
	step(`^un portail enregistré auprès de PISTE avec le seul scope "([^"]*)"$`, func(scope string) error {
		return w.registerPortal([]string{scope})
	})
	step(`^le portail demande la certification du SIREN "([^"]*)"$`, func(siren string) error {
		return w.startCertification(map[string]any{"siren": w.expand(siren)})
	})
	step(`^le portail demande une certification avec :$`, func(t *godog.Table) error {
		fields := map[string]any{"siren": "901001008"}
		for _, row := range t.Rows {
			if row.Cells[0].Value == "champ" {
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(row.Cells[1].Value), &v); err != nil {
				return fmt.Errorf("value of %s is not JSON: %w", row.Cells[0].Value, err)
			}
			fields[row.Cells[0].Value] = v
		}
		return w.startCertification(fields)
	})
	step(`^le portail demande la certification du SIREN "([^"]*)" (sans jeton|avec un jeton falsifié)$`, func(siren, how string) error {
		tok := ""
		if how == "avec un jeton falsifié" {
			tok = "eyJhbGciOiJFUzI1NiJ9.eyJjbGllbnRfaWQiOiJ4In0.c2lnbmF0dXJl"
		}
		w.pc.state = "etat"
		return w.api(http.MethodPost, "/certifications", map[string]any{"siren": siren, "redirect_uri": "http://localhost:9/retour",
			"state": "etat", "purpose": "registration"}, tok)
	})
	step(`^la personne suit le lien de certification et se connecte avec la persona "([^"]*)"$`, w.followLogin)
	step(`^la personne suit le lien de certification et abandonne à FranceConnect$`, func() error {
		if err := w.followLogin(""); err != nil {
			return err
		}
		return w.click("Revenir sur le service")
	})
	step(`^la personne revient au portail avec l'identifiant de la certification et son state$`, func() error {
		if w.callback == nil {
			return fmt.Errorf("the browser did not come back to the portal: %s", w.last.describe())
		}
		q := w.callback.Query()
		if !strings.HasPrefix(w.callback.String(), w.pc.redirectURI) || q.Get("certification_id") != w.pc.certID || q.Get("state") != w.pc.state {
			return fmt.Errorf("came back to %s, want %s?certification_id=%s&state=%s", w.callback, w.pc.redirectURI, w.pc.certID, w.pc.state)
		}
		return nil
	})
	step(`^le portail lit la certification$`, func() error {
		return w.api(http.MethodGet, "/certifications/"+w.pc.certID, nil, w.pc.apiToken)
	})
	step(`^un autre portail lit cette certification$`, func() error {
		id := w.pc.certID
		if err := w.registerPortal([]string{"proconnect"}); err != nil {
			return err
		}
		if err := w.portalToken(); err != nil {
			return err
		}
		return w.api(http.MethodGet, "/certifications/"+id, nil, w.pc.apiToken)
	})
	step(`^le portail lit la certification "([^"]*)"$`, func(id string) error {
		if w.pc.apiToken == "" {
			if err := w.portalToken(); err != nil {
				return err
			}
		}
		return w.api(http.MethodGet, "/certifications/"+id, nil, w.pc.apiToken)
	})
	step(`^la certification a le résultat "([^"]*)"$`, func(outcome string) error {
		if err := w.api(http.MethodGet, "/certifications/"+w.pc.certID, nil, w.pc.apiToken); err != nil {
			return err
		}
		m, err := w.lastJSON()
		if err != nil {
			return err
		}
		if m["status"] != "completed" || m["outcome"] != outcome {
			return fmt.Errorf("certification %v / %v, want completed / %s: %s", m["status"], m["outcome"], outcome, w.last.body)
		}
		return nil
	})
	step(`^l'événement "([^"]*)" arrive au portail$`, w.waitEvent)
	step(`^l'événement est signé par ProConnect pour ce portail$`, w.verifyEvent)
	step(`^l'événement a "([^"]*)" égal à `+jsonValue+`$`, func(k, v string) error {
		return hasValue("the event", w.pc.event, k, w.expand(v))
	})
	step(`^l'événement n'a pas "([^"]*)"$`, func(k string) error {
		if _, ok := jsonAt(w.pc.event, k); ok {
			return fmt.Errorf("the event has %q", k)
		}
		return nil
	})
	step(`^le portail sera indisponible pour les (\d+) prochaines livraisons$`, func(n int) error {
		if err := w.needControl("makes the scenario's portal fail"); err != nil {
			return err
		}
		w.env.sink.fail(w.pc.portal, n)
		return nil
	})
	step(`^ProConnect réessaie ses livraisons plus tard$`, func() error {
		if err := w.needControl("moves ProConnect's clock"); err != nil {
			return err
		}
		if err := w.needExclusive("moves ProConnect's clock"); err != nil {
			return err
		}
		w.mw.clockMoved = true // put back on real time at the end
		for range 20 {
			if err := w.call(http.MethodPost, w.env.coreURL+"/__sandbox/clock", map[string]string{"Content-Type": "application/json"},
				[]byte(`{"advance":"6m"}`)); err != nil {
				return err
			}
			w.pokeDeliver()
			time.Sleep(30 * time.Millisecond)
			if events, _ := w.env.sink.events(w.pc.portal); len(events) > 0 {
				return nil
			}
		}
		return nil
	})
	step(`^le portail a reçu l'événement une fois, après (\d+) tentatives$`, func(n int) error {
		events, hits := w.env.sink.events(w.pc.portal)
		if len(events) != 1 || hits != n {
			return fmt.Errorf("%d events accepted after %d deliveries, want 1 after %d", len(events), hits, n)
		}
		return nil
	})
	step(`^le portail demande une nouvelle vérification$`, func() error {
		return w.api(http.MethodPost, "/verifications", map[string]string{"certification_id": w.pc.certID}, w.pc.apiToken)
	})
	step(`^la vérification répond que la personne (est toujours|n'est plus) dirigeante$`, func(how string) error {
		m, err := w.lastJSON()
		if err != nil {
			return err
		}
		if m["still_dirigeant"] != (how == "est toujours") {
			return fmt.Errorf("still_dirigeant %v: %s", m["still_dirigeant"], w.last.body)
		}
		return nil
	})
	step(`^ProConnect refait ses vérifications de fond$`, func() error { return w.coreControl("/recheck", map[string]any{}) })
	step(`^le registre est indisponible pour l'entreprise "([^"]*)"$`, func(s string) error {
		if err := w.needControl("injects a register fault"); err != nil {
			return err
		}
		b, _ := json.Marshal(map[string]any{"path": "/api-sirene/prive/3.11/siren/" + w.expand(s), "status": 503, "count": 3,
			"body": `{"header":{"statut":503,"message":"Service indisponible"}}`})
		h := map[string]string{"Content-Type": "application/json"}
		if err := w.call(http.MethodPost, w.env.sireneURL+"/__sandbox/faults", h, b); err != nil {
			return err
		}
		if w.last.status >= 300 {
			return fmt.Errorf("the register refused the fault: %d %s", w.last.status, w.last.body)
		}
		return nil
	})
}
