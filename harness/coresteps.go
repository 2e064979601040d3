package harness

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
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
	forged               map[string]string // name → certification id (portail suite)
	extraData            bool              // forged events carry a data field nobody knows yet
	started              time.Time
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

// verifyEvent checks the last event against ProConnect's JWKS and DESIGN §5.
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
			return fmt.Errorf("the browser did not come back to the portal (status %d): %.300s", w.last.status, w.last.body)
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
	registerPortail(sc, w)
}

// The portail suite: the harness plays ProConnect's events and the person.

func (w *fcWorld) declaration() portalDeclaration { return w.env.portal }

func (w *fcWorld) openStart(siren string) error {
	d := w.declaration()
	if d.StartURL == "" {
		w.env.notApplicable(w.name, "the portal declares no start_url")
		return godog.ErrSkip
	}
	w.pc.started = time.Now()
	e, err := w.browser.open(strings.ReplaceAll(d.StartURL, "{siren}", url.QueryEscape(w.expand(siren))))
	if err != nil {
		return err
	}
	w.land(e)
	return nil
}

// accountState reads the portal's view of an account through its status_url.
func (w *fcWorld) accountState(id string) (string, error) {
	d := w.declaration()
	if d.StatusURL == "" {
		w.env.notApplicable(w.name, "the portal declares no status_url")
		return "", godog.ErrSkip
	}
	e, err := w.backend.get(strings.ReplaceAll(d.StatusURL, "{certification_id}", url.PathEscape(id)))
	if err != nil {
		return "", err
	}
	if e.status == http.StatusNotFound {
		return "", nil
	}
	var out struct {
		AccountState string `json:"account_state"`
	}
	if err := json.Unmarshal(e.body, &out); err != nil {
		return "", fmt.Errorf("status_url answered %d, not JSON: %.200s", e.status, e.body)
	}
	return out.AccountState, nil
}

func registerPortail(sc *godog.ScenarioContext, w *fcWorld) {
	step := sc.Step
	// Applying a duplicate twice leaves the same state (the events set
	// states): only a count of applied events shows it. The reference portal
	// gives one (events_applied); a portal that does not makes this step not
	// applicable.
	step(`^le portail a appliqué (\d+) événements? pour l'événement forgé "([^"]*)"$`, func(want int, name string) error {
		d := w.declaration()
		if d.StatusURL == "" {
			w.env.notApplicable(w.name, "the portal declares no status_url")
			return godog.ErrSkip
		}
		e, err := w.backend.get(strings.ReplaceAll(d.StatusURL, "{certification_id}", url.PathEscape(w.pc.forged[name])))
		if err != nil {
			return err
		}
		var out struct {
			Applied *int `json:"events_applied"`
		}
		if json.Unmarshal(e.body, &out) != nil || out.Applied == nil {
			w.env.notApplicable(w.name, "the portal's status_url gives no events_applied: a duplicate applied twice cannot be seen")
			return godog.ErrSkip
		}
		if *out.Applied != want {
			return fmt.Errorf("the portal applied %d events for %s, want %d: a duplicate was applied again", *out.Applied, name, want)
		}
		return nil
	})
	step(`^la personne ouvre la page de démarrage du portail pour le SIREN "([^"]*)"$`, w.openStart)
	step(`^elle se connecte à FranceConnect avec la persona "([^"]*)"$`, func(login string) error {
		if err := w.loginAs(login, w.password(w.expand(login))); err != nil {
			return err
		}
		w.pc.certID = w.lastCertificationID()
		return nil
	})
	step(`^elle abandonne à FranceConnect$`, func() error {
		if err := w.click("Revenir sur le service"); err != nil {
			return err
		}
		w.pc.certID = w.lastCertificationID()
		return nil
	})
	step(`^elle arrive sur la page de retour du portail$`, func() error {
		if w.last.status != http.StatusOK || w.pc.certID == "" {
			return fmt.Errorf("the portal's return page: status %d, certification %q: %.300s", w.last.status, w.pc.certID, w.last.body)
		}
		return nil
	})
	step(`^le compte du portail passe à l'état "([^"]*)"$`, func(want string) error {
		return w.eventually(5*time.Second, 25*time.Millisecond, func() (bool, error) {
			got, err := w.accountState(w.pc.certID)
			if err != nil || got == want {
				return true, err
			}
			return false, fmt.Errorf("account state %q after 5 s, want %q", got, want)
		})
	})
	step(`^le compte du portail reste à l'état "([^"]*)"$`, func(want string) error {
		time.Sleep(100 * time.Millisecond)
		got, err := w.accountState(w.pc.certID)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("account state %q, want %q", got, want)
		}
		return nil
	})
	step(`^le compte du portail pour l'événement forgé "([^"]*)" est à l'état "([^"]*)"$`, func(name, want string) error {
		got, err := w.accountState(w.pc.forged[name])
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("account state %q for the forged event %s, want %q", got, name, want)
		}
		return nil
	})
	step(`^la page de retour propose le parcours alternatif du portail$`, func() error {
		if !bytes.Contains(w.last.body, []byte(`id="alternative"`)) && !bytes.Contains(bytes.ToLower(w.last.body), []byte("alternati")) {
			return fmt.Errorf("the return page offers no alternative path: %.400s", w.last.body)
		}
		return nil
	})
	step(`^ProConnect envoie au portail l'événement "([^"]*)" "([^"]*)" pour une nouvelle certification "([^"]*)"$`,
		func(typ, outcome, name string) error { return w.forge(typ, outcome, name, nil) })
	step(`^ProConnect envoie au portail, en retard, l'événement "([^"]*)" "([^"]*)" de la certification "([^"]*)"$`,
		func(typ, outcome, name string) error { return w.forge(typ, outcome, name, nil) })
	step(`^ProConnect envoie au portail l'événement "([^"]*)" pour la certification "([^"]*)"$`,
		func(typ, name string) error { return w.forge(typ, "", name, nil) })
	step(`^ProConnect renvoie au portail l'événement "([^"]*)" de la certification "([^"]*)" déjà reçu$`, func(typ, name string) error {
		raw, ok := w.pc.forged["raw:"+name+":"+typ]
		if !ok {
			return fmt.Errorf("no %s event was sent for %s", typ, name)
		}
		return w.send(raw, "application/jwt")
	})
	step(`^on envoie au portail un événement "certified" pour une nouvelle certification "([^"]*)" (.+)$`, func(name, defect string) error {
		return w.forge("certification.completed", "certified", name, &defect)
	})
	step(`^ProConnect envoie au portail l'événement "contact_email.changed" pour l'entreprise "([^"]*)"$`, func(siren string) error {
		return w.forge("contact_email.changed", siren, "courriel-"+randomHex(4), nil)
	})
	step(`^les événements suivants portent des champs que le portail ne connaît pas$`, func() error {
		w.pc.extraData = true
		return nil
	})
	step(`^on envoie au portail un corps "([^"]*)" de type "([^"]*)"$`, func(body, ct string) error { return w.send(body, ct) })
	step(`^le portail (accepte|refuse) l'événement$`, func(how string) error {
		ok := w.last.status >= 200 && w.last.status < 300
		if ok != (how == "accepte") {
			return fmt.Errorf("the portal answered %d: %.200s", w.last.status, w.last.body)
		}
		if how == "refuse" && w.last.status >= 500 {
			return fmt.Errorf("the portal refused with %d, a server error: a bad event is the sender's fault (4xx)", w.last.status)
		}
		return nil
	})
	step(`^le portail a répondu en moins de (\d+) secondes$`, func(s int) error {
		if w.elapsed > time.Duration(s)*time.Second {
			return fmt.Errorf("the portal took %s", w.elapsed)
		}
		return nil
	})
}

// lastCertificationID reads the certification ID from the way back to the
// portal (the redirect to its redirect_uri).
func (w *fcWorld) lastCertificationID() string {
	if w.last == nil || w.last.url == nil {
		return ""
	}
	return w.last.url.Query().Get("certification_id")
}

// forge signs an event as ProConnect would (with the core's public test key),
// or with one defect, and sends it to the portal's events_url.
func (w *fcWorld) forge(typ, outcome, name string, defect *string) error {
	d := w.declaration()
	if d.EventsURL == "" {
		w.env.notApplicable(w.name, "the portal declares no events_url")
		return godog.ErrSkip
	}
	if w.pc.forged == nil {
		w.pc.forged = map[string]string{}
	}
	id, ok := w.pc.forged[name]
	if !ok {
		id = "forge-" + randomHex(8)
		w.pc.forged[name] = id
	}
	now := time.Now()
	claims := map[string]any{"iss": w.env.coreURL, "aud": d.ClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti": randomHex(12), "event_type": typ}
	data := map[string]any{"certification_id": id, "siren": "901001008", "purpose": "registration"}
	switch {
	case typ == "contact_email.changed":
		data = map[string]any{"siren": w.expand(outcome), "contact_email": "contact-" + w.expand(outcome) + "@exemple.test"}
	case typ == "certification.completed":
		data["outcome"] = outcome
		if outcome == "certified" {
			data["dirigeant"] = map[string]any{"given_name": "Angela Claire Louise", "family_name": "DUBOIS", "birthdate": "1962-08-24", "role": "73"}
		}
	default:
		data["reason"] = "not_dirigeant"
	}
	if w.pc.extraData {
		data["champ_futur"] = map[string]any{"version": 2, "détail": "un champ qu'aucun portail ne connaît encore"}
	}
	claims["data"] = data
	k, ok := w.env.fixtures.Key("proconnect-es256-1")
	if !ok {
		return fmt.Errorf("no ProConnect key in the fixtures")
	}
	key, kid, alg := any(k.Signer), k.KID, jose.ES256
	if defect != nil {
		switch *defect {
		case "signé par une autre clé":
			other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			key = other
		case "avec un kid inconnu":
			kid = "kid-inconnu"
		case "pour un autre portail":
			claims["aud"] = "un-autre-portail"
		case "d'un autre émetteur":
			claims["iss"] = "https://imposteur.example.test"
		case "expiré":
			claims["iat"], claims["exp"] = now.Add(-time.Hour).Unix(), now.Add(-50*time.Minute).Unix()
		case "non signé (alg none)":
			return w.send(unsigned(claims), "application/jwt")
		case "signé HS256 avec la clé publique de ProConnect":
			der, _ := x509.MarshalPKIXPublicKey(k.Signer.Public())
			key, alg, kid = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), jose.HS256, k.KID
		default:
			return fmt.Errorf("unknown defect %q", *defect)
		}
	}
	opts := (&jose.SignerOptions{}).WithType("proconnect-event+jwt").WithHeader("kid", kid)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return err
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		return err
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		return err
	}
	w.pc.forged["raw:"+name+":"+typ] = raw
	return w.send(raw, "application/jwt")
}

func unsigned(claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "proconnect-event+jwt", "kid": "proconnect-es256-1"})
	p, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}

func (w *fcWorld) send(body, contentType string) error {
	d := w.declaration()
	start := time.Now()
	err := w.call(http.MethodPost, d.EventsURL, map[string]string{"Content-Type": contentType}, []byte(body))
	w.elapsed = time.Since(start)
	return err
}

// portalDeclaration is the portal contract of DESIGN §6.
type portalDeclaration struct {
	Name         string   `yaml:"name" json:"name"`
	ClientID     string   `yaml:"client_id" json:"client_id"`
	ClientSecret string   `yaml:"client_secret" json:"client_secret"`
	RedirectURIs []string `yaml:"redirect_uris" json:"redirect_uris"`
	EventsURL    string   `yaml:"events_url" json:"events_url"`
	StartURL     string   `yaml:"start_url" json:"start_url"`
	StatusURL    string   `yaml:"status_url" json:"status_url"`
	// AccessRequestURL files a collaborator's access request ({siren},
	// {email}, {given_name}, {family_name}); AccessStatusURL reads its state
	// ({access_request_id}).
	AccessRequestURL string `yaml:"access_request_url" json:"access_request_url"`
	AccessStatusURL  string `yaml:"access_status_url" json:"access_status_url"`
}
