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

// The proconnect suite: the ProConnect core as a portal of the scenario's
// own uses it, its certifications, verifications and events (the contact
// email and access requests are in steps_proconnect_mail.go).

// coreState is the proconnect suite's part of a scenario: the portal it
// registers for itself, the certification that portal started, and the
// last event it received.
type coreState struct {
	portal, portalSecret string // the scenario's own portal
	scopes               []string
	apiToken             string // its PISTE token
	certID, authURL      string
	redirectURI, state   string
	event                map[string]any // the claims of the last event received
	eventJWS             string         // the last event received, as sent
}

// registerProConnect binds the proconnect suite's steps to w: the
// scenario's own portal calls the ProConnect API and receives its events.
func registerProConnect(reg *stepRegistry, w *world) {
	reg.step(`^on interroge ProConnect "([^"]*)"$`, w.getProConnect)

	// The scenario's portal and its certifications.
	reg.step(`^un portail enregistré auprès de PISTE et de ProConnect pour le scénario$`, w.registerScenarioPortal)
	reg.step(`^un portail enregistré auprès de PISTE avec le seul scope "([^"]*)"$`, w.registerPortalWithScope)
	reg.step(`^le portail demande la certification du SIREN "([^"]*)"$`, w.askCertification)
	reg.step(`^le portail demande une certification avec :$`, w.askCertificationWith)
	reg.step(`^le portail demande la certification du SIREN "([^"]*)" (sans jeton|avec un jeton falsifié)$`, w.askCertificationWithBadToken)
	reg.step(`^la personne suit le lien de certification et se connecte avec la persona "([^"]*)"$`, w.followLogin)
	reg.step(`^la personne suit le lien de certification et abandonne à FranceConnect$`, w.followLoginAndGiveUp)
	reg.step(`^la personne revient au portail avec l'identifiant de la certification et son state$`, w.checkBackAtPortal)
	reg.step(`^le portail lit la certification$`, w.readCertification)
	reg.step(`^un autre portail lit cette certification$`, w.readCertificationAsOtherPortal)
	reg.step(`^le portail lit la certification "([^"]*)"$`, w.readGivenCertification)
	reg.step(`^la certification a le résultat "([^"]*)"$`, w.checkCertificationOutcome)

	// Events.
	reg.step(`^l'événement "([^"]*)" arrive au portail$`, w.waitEvent)
	reg.step(`^l'événement est signé par ProConnect pour ce portail$`, w.verifyEvent)
	reg.step(`^l'événement a "([^"]*)" égal à `+jsonValue+`$`, w.checkEventValue)
	reg.step(`^l'événement n'a pas "([^"]*)"$`, w.core.checkEventLacks)
	reg.step(`^le portail sera indisponible pour les (\d+) prochaines livraisons$`, w.failDeliveries)
	reg.step(`^ProConnect réessaie ses livraisons plus tard$`, w.retryDeliveriesLater)
	reg.step(`^le portail a reçu l'événement une fois, après (\d+) tentatives$`, w.checkDeliveredOnceAfter)

	// Verifications and the register.
	reg.step(`^le portail demande une nouvelle vérification$`, w.askVerification)
	reg.step(`^la vérification répond que la personne (est toujours|n'est plus) dirigeante$`, w.checkVerification)
	reg.step(`^ProConnect refait ses vérifications de fond$`, w.recheckInBackground)
	reg.step(`^le registre est indisponible pour l'entreprise "([^"]*)"$`, w.failRegisterFor)
	reg.step(`^(\d+) (heures|jours) passent pour ProConnect$`, w.passTime)
}

func (w *world) registerScenarioPortal() error { return w.registerPortal([]string{"proconnect"}) }

func (w *world) registerPortalWithScope(scope string) error { return w.registerPortal([]string{scope}) }

func (w *world) askCertification(siren string) error {
	return w.startCertification(map[string]any{"siren": w.expand(siren)})
}

// askCertificationWith starts a certification with the fields of a table
// | champ | valeur JSON | on top of a correct request (null removes one).
func (w *world) askCertificationWith(t *godog.Table) error {
	fields := map[string]any{"siren": "901001008"}
	for _, row := range t.Rows {
		if row.Cells[0].Value == "champ" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(row.Cells[1].Value), &v); err != nil {
			return fmt.Errorf("la valeur de %s n'est pas du JSON : %w", row.Cells[0].Value, err)
		}
		fields[row.Cells[0].Value] = v
	}
	return w.startCertification(fields)
}

// askCertificationWithBadToken starts a certification without a PISTE
// token, or with one nobody signed.
func (w *world) askCertificationWithBadToken(siren, how string) error {
	tok := ""
	if how == "avec un jeton falsifié" {
		tok = "eyJhbGciOiJFUzI1NiJ9.eyJjbGllbnRfaWQiOiJ4In0.c2lnbmF0dXJl"
	}
	w.core.state = "etat"
	return w.api(http.MethodPost, "/certifications", map[string]any{"siren": siren, "redirect_uri": "http://localhost:9/retour",
		"state": "etat", "purpose": "registration"}, tok)
}

func (w *world) followLoginAndGiveUp() error {
	if err := w.followLogin(""); err != nil {
		return err
	}
	return w.http.click("Revenir sur le service")
}

// checkBackAtPortal checks the browser's return to the portal's
// redirect_uri, with the certification's ID and the state the portal gave.
func (w *world) checkBackAtPortal() error {
	callback := w.http.callback
	if callback == nil {
		return fmt.Errorf("le navigateur n'est pas revenu au portail : %s", w.http.last.describe())
	}
	q := callback.Query()
	if !strings.HasPrefix(callback.String(), w.core.redirectURI) || q.Get("certification_id") != w.core.certID || q.Get("state") != w.core.state {
		return fmt.Errorf("revenu sur %s, attendu %s?certification_id=%s&state=%s", callback, w.core.redirectURI, w.core.certID, w.core.state)
	}
	return nil
}

func (w *world) readCertification() error {
	return w.api(http.MethodGet, "/certifications/"+w.core.certID, nil, w.core.apiToken)
}

// readCertificationAsOtherPortal reads the certification as a portal
// registered since: another portal's certification is none of its
// business.
func (w *world) readCertificationAsOtherPortal() error {
	id := w.core.certID
	if err := w.registerPortal([]string{"proconnect"}); err != nil {
		return err
	}
	if err := w.portalToken(); err != nil {
		return err
	}
	return w.api(http.MethodGet, "/certifications/"+id, nil, w.core.apiToken)
}

func (w *world) readGivenCertification(id string) error {
	if err := w.ensureToken(); err != nil {
		return err
	}
	return w.api(http.MethodGet, "/certifications/"+id, nil, w.core.apiToken)
}

// checkCertificationOutcome reads the certification and checks it is
// completed with that outcome.
func (w *world) checkCertificationOutcome(outcome string) error {
	if err := w.api(http.MethodGet, "/certifications/"+w.core.certID, nil, w.core.apiToken); err != nil {
		return err
	}
	m, err := w.http.lastJSON()
	if err != nil {
		return err
	}
	if m["status"] != "completed" || m["outcome"] != outcome {
		return fmt.Errorf("certification %v / %v, attendu completed / %s : %s", m["status"], m["outcome"], outcome, w.http.last.body)
	}
	return nil
}

// Events.

// checkEventValue compares a value of the last event's claims, {siren}
// expanded in the expected literal.
func (w *world) checkEventValue(path, literal string) error {
	return hasValue("the event", w.core.event, path, w.expand(literal))
}

func (c *coreState) checkEventLacks(path string) error {
	if _, ok := jsonAt(c.event, path); ok {
		return fmt.Errorf("l'événement a %q", path)
	}
	return nil
}

// failDeliveries makes the scenario's portal answer 503 to the next n
// deliveries (a portal down).
func (w *world) failDeliveries(n int) error {
	if err := w.needControl("fait échouer le portail du scénario"); err != nil {
		return err
	}
	w.env.sink.fail(w.core.portal, n)
	return nil
}

// retryDeliveriesLater moves ProConnect's clock 6 minutes at a time until
// an event reaches the portal (20 times at most): its retries are spaced
// out.
func (w *world) retryDeliveriesLater() error {
	if err := w.needControl("avance l'horloge de ProConnect"); err != nil {
		return err
	}
	if err := w.needExclusive("avance l'horloge de ProConnect"); err != nil {
		return err
	}
	w.shared.clockMoved = true // put back on real time at the end
	for range 20 {
		if err := w.call(http.MethodPost, w.env.coreURL+"/__sandbox/clock", map[string]string{"Content-Type": "application/json"},
			[]byte(`{"advance":"6m"}`)); err != nil {
			return err
		}
		w.pokeDeliver()
		time.Sleep(30 * time.Millisecond)
		if events, _ := w.env.sink.events(w.core.portal); len(events) > 0 {
			return nil
		}
	}
	return nil
}

func (w *world) checkDeliveredOnceAfter(n int) error {
	events, hits := w.env.sink.events(w.core.portal)
	if len(events) != 1 || hits != n {
		return fmt.Errorf("%d événements acceptés après %d livraisons, attendu 1 après %d", len(events), hits, n)
	}
	return nil
}

// Verifications and the register.

func (w *world) askVerification() error {
	return w.api(http.MethodPost, "/verifications", map[string]string{"certification_id": w.core.certID}, w.core.apiToken)
}

func (w *world) checkVerification(how string) error {
	m, err := w.http.lastJSON()
	if err != nil {
		return err
	}
	if m["still_dirigeant"] != (how == "est toujours") {
		return fmt.Errorf("still_dirigeant %v: %s", m["still_dirigeant"], w.http.last.body)
	}
	return nil
}

// recheckInBackground runs ProConnect's periodic re-check of the
// dirigeants now.
func (w *world) recheckInBackground() error { return w.coreControl("/recheck", map[string]any{}) }

// failRegisterFor makes the register answer 503 to ProConnect's next three
// reads of a company.
func (w *world) failRegisterFor(siren string) error {
	if err := w.needControl("injecte une panne du registre"); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"path": "/api-sirene/prive/3.11/siren/" + w.expand(siren), "status": 503, "count": 3,
		"body": `{"header":{"statut":503,"message":"Service indisponible"}}`})
	h := map[string]string{"Content-Type": "application/json"}
	if err := w.call(http.MethodPost, w.env.sireneURL+"/__sandbox/faults", h, b); err != nil {
		return err
	}
	if w.http.last.status >= 300 {
		return fmt.Errorf("le registre a refusé la panne : %d %s", w.http.last.status, w.http.last.body)
	}
	return nil
}

// passTime moves ProConnect's clock by n hours or days.
func (w *world) passTime(n int, unit string) error {
	d := time.Duration(n) * time.Hour
	if unit == "jours" {
		d *= 24
	}
	return w.advanceShared(d)
}

// getProConnect sends the backend to a ProConnect path and keeps the answer.
func (w *world) getProConnect(path string) error {
	return w.call(http.MethodGet, w.env.coreURL+path, nil, nil)
}

// Helpers.

// coreControl posts JSON to a control route of ProConnect.
func (w *world) coreControl(path string, body any) error {
	if err := w.needControl("pilote ProConnect"); err != nil {
		return err
	}
	b, _ := json.Marshal(body)
	h := map[string]string{"Content-Type": "application/json"}
	if err := w.call(http.MethodPost, w.env.coreURL+"/__sandbox"+path, h, b); err != nil {
		return err
	}
	if w.http.last.status >= 300 {
		return fmt.Errorf("contrôle de ProConnect %s : %d %s", path, w.http.last.status, w.http.last.body)
	}
	return nil
}

// registerPortal registers a portal for the scenario at PISTE and at
// ProConnect, its events going to the harness's sink.
func (w *world) registerPortal(scopes []string) error {
	if err := w.needControl("enregistre un portail"); err != nil {
		return err
	}
	w.core.portal, w.core.portalSecret, w.core.scopes = "portail-"+randomHex(5), "secret-"+randomHex(16), scopes
	return w.reregisterPortal()
}

// reregisterPortal registers the scenario's portal again (a restarted
// sandbox forgets run-time registrations).
func (w *world) reregisterPortal() error {
	p := map[string]any{"name": "Portail du scénario", "client_id": w.core.portal, "client_secret": w.core.portalSecret,
		"scopes": w.core.scopes, "redirect_uris": []string{"http://localhost/*"}, "events_url": w.env.sink.url(w.core.portal)}
	b, _ := json.Marshal(p)
	h := map[string]string{"Content-Type": "application/json"}
	for _, base := range []string{w.env.pisteURL, w.env.coreURL} {
		if err := w.call(http.MethodPost, base+"/__sandbox/portals", h, b); err != nil {
			return err
		}
		if w.http.last.status != http.StatusCreated {
			return fmt.Errorf("enregistrement du portail auprès de %s : %d %s", base, w.http.last.status, w.http.last.body)
		}
	}
	w.core.redirectURI = "http://localhost:9/retour"
	return nil
}

// portalToken asks PISTE for the scenario portal's token.
func (w *world) portalToken() error {
	// No scope asked: PISTE grants the portal's own (a portal without
	// proconnect gets a token the API must refuse with 403).
	form := url.Values{"grant_type": {"client_credentials"}}
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic " + basic(w.core.portal, w.core.portalSecret)}
	if err := w.call(http.MethodPost, w.env.pisteURL+"/api/oauth/token", h, []byte(form.Encode())); err != nil {
		return err
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(w.http.last.body, &out)
	w.core.apiToken = out.AccessToken
	if w.core.apiToken == "" && w.http.last.status == http.StatusOK {
		return fmt.Errorf("PISTE n'a donné aucun jeton : %s", w.http.last.body)
	}
	return nil
}

// api calls the ProConnect API as the scenario's portal.
func (w *world) api(method, path string, body any, token string) error {
	var b []byte
	h := map[string]string{}
	if body != nil {
		b, _ = json.Marshal(body)
		h["Content-Type"] = "application/json"
	}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	if err := w.call(method, w.env.coreURL+"/api/v1"+path, h, b); err != nil {
		return err
	}
	// every answer of the API is what its published description says
	return w.checkAnswer(method, path)
}

// startCertification asks ProConnect for a certification of the
// scenario's company as its portal, fields changing the request (nil
// removes one), and keeps the certification's ID and login URL.
func (w *world) startCertification(fields map[string]any) error {
	if err := w.ensureToken(); err != nil {
		return err
	}
	w.core.state = "etat-" + randomHex(6)
	body := map[string]any{"siren": w.expand("{siren}"), "redirect_uri": w.core.redirectURI, "state": w.core.state, "purpose": "registration"}
	for k, v := range fields {
		if v == nil {
			delete(body, k)
		} else {
			body[k] = v
		}
	}
	if err := w.api(http.MethodPost, "/certifications", body, w.core.apiToken); err != nil {
		return err
	}
	if w.http.last.status == http.StatusCreated {
		var out struct {
			ID               string `json:"id"`
			AuthorizationURL string `json:"authorization_url"`
		}
		_ = json.Unmarshal(w.http.last.body, &out)
		w.core.certID, w.core.authURL = out.ID, out.AuthorizationURL
	}
	return nil
}

// followLogin sends the browser to the authorization URL, through
// FranceConnect's login, and back.
func (w *world) followLogin(login string) error {
	e, err := w.http.browser.open(w.core.authURL)
	if err != nil {
		return err
	}
	w.http.land(e)
	if login == "" {
		return nil
	}
	return w.loginAs(login, w.password(w.expand(login)))
}

// waitEvent polls the sink for an event of that type for the scenario's
// portal and certification (ProConnect delivers asynchronously).
func (w *world) waitEvent(typ string) error {
	return w.waitEventWhere(typ, "certification "+w.core.certID, func(d map[string]any) bool { return d["certification_id"] == w.core.certID })
}

// waitEventWhere polls the sink for an event of that type whose data
// matches.
func (w *world) waitEventWhere(typ, what string, match func(data map[string]any) bool) error {
	return w.eventually(8*time.Second, 20*time.Millisecond, func() (bool, error) {
		events, hits := w.env.sink.events(w.core.portal)
		for _, raw := range events {
			_, c, err := decodeJWS(raw)
			if err != nil {
				continue
			}
			data, _ := c["data"].(map[string]any)
			if c["event_type"] == typ && match(data) {
				w.core.event = c
				w.core.eventJWS = raw
				return true, nil
			}
		}
		return false, fmt.Errorf("aucun événement %s pour %s après 8 s (%d livraisons vues, %d acceptées)", typ, what, hits, len(events))
	})
}

// verifyEvent checks the last event against ProConnect's JWKS and the event format (docs/contrat-portail.md, section 3).
func (w *world) verifyEvent() error {
	payload, h, err := w.verifyWithJWKS(w.core.eventJWS, jose.ES256, w.env.coreURL+"/api/v1/jwks", "ProConnect")
	if err != nil {
		return fmt.Errorf("l'événement : %w", err)
	}
	if err := w.checkEvent(payload); err != nil {
		return err
	}
	c := w.core.event
	iat, _ := c["iat"].(float64)
	exp, _ := c["exp"].(float64)
	switch {
	case h.ExtraHeaders[jose.HeaderType] != "proconnect-event+jwt":
		return fmt.Errorf("typ %v", h.ExtraHeaders[jose.HeaderType])
	case c["iss"] != w.env.coreURL:
		return fmt.Errorf("iss %v, attendu %s", c["iss"], w.env.coreURL)
	case c["aud"] != w.core.portal:
		return fmt.Errorf("aud %v, attendu %s", c["aud"], w.core.portal)
	case exp-iat != 300:
		return fmt.Errorf("exp − iat = %v, attendu 300", exp-iat)
	case c["jti"] == nil || c["jti"] == "":
		return fmt.Errorf("aucun jti")
	}
	return nil
}

// advanceShared moves ProConnect's clock (PISTE's tokens stay on real
// time); the scenario must be @exclusif, and its end puts the clock back on
// real time.
func (w *world) advanceShared(d time.Duration) error {
	if err := w.needControl("avance les horloges"); err != nil {
		return err
	}
	if err := w.needExclusive("avance l'horloge de ProConnect"); err != nil {
		return err
	}
	w.shared.clockMoved = true
	_, err := w.controlAt(w.env.coreURL, http.MethodPost, "/clock", map[string]string{"advance": d.String()})
	return err
}

// ensureToken gets the portal a PISTE token if it has none.
func (w *world) ensureToken() error {
	if w.core.apiToken != "" {
		return nil
	}
	return w.portalToken()
}
