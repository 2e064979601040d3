package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The piste suite: the PISTE mock's OAuth token endpoint (client
// credentials), as a portal calls it.

// pisteState is the piste suite's part of a scenario: a portal registered
// at PISTE for it, and the last token PISTE gave.
type pisteState struct {
	portalID  string // a portal registered for the scenario
	portalKey string
	token     string
}

// registerPiste binds the piste steps to w.
func registerPiste(reg *stepRegistry, w *world) {
	reg.step(`^le portail "([^"]*)" demande un jeton à PISTE avec le secret "([^"]*)"$`, w.askPisteToken)
	reg.step(`^le portail "([^"]*)" demande un jeton à PISTE avec le secret "([^"]*)" et le scope "([^"]*)"$`, w.askPisteTokenWithScope)
	reg.step(`^le portail "([^"]*)" demande un jeton à PISTE avec le secret "([^"]*)" dans le corps de la requête$`, w.askPisteTokenWithSecretInBody)
	reg.step(`^on demande un jeton à PISTE avec le grant_type "([^"]*)"$`, w.askPisteTokenWithGrantType)
	reg.step(`^on demande un jeton à PISTE sans s'authentifier$`, w.askPisteTokenAnonymously)
	reg.step(`^un portail est enregistré à PISTE pour le scénario$`, w.registerPistePortal)
	reg.step(`^ce portail demande un jeton à PISTE$`, w.askPisteTokenAsScenarioPortal)
	reg.step(`^PISTE répondra (\d+) aux (\d+) prochaines demandes de jeton de ce portail$`, w.failPisteTokens)
	reg.step(`^le jeton PISTE est un JWT ES256 vérifié par le JWKS de PISTE$`, w.checkPisteTokenVerified)
	reg.step(`^le jeton PISTE a "([^"]*)" égal à `+jsonValue+`$`, w.checkPisteTokenValue)
	reg.step(`^le jeton PISTE expire (\d+) secondes après son émission$`, w.checkPisteTokenLifetime)
}

// requestPisteToken asks PISTE's token endpoint, authenticated with HTTP
// Basic when user is not "", and keeps the token of a success.
func (w *world) requestPisteToken(form url.Values, user, pass string) error {
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	req := form.Encode()
	if user != "" {
		h["Authorization"] = "Basic " + basic(user, pass)
	}
	if err := w.call(http.MethodPost, w.env.pisteURL+"/api/oauth/token", h, []byte(req)); err != nil {
		return err
	}
	w.piste.token = ""
	var out map[string]any
	if w.http.last.status == http.StatusOK && json.Unmarshal(w.http.last.body, &out) == nil {
		w.piste.token, _ = out["access_token"].(string)
	}
	return nil
}

// clientCredentials is the form of a client credentials grant, no scope
// asked.
func clientCredentials() url.Values { return url.Values{"grant_type": {"client_credentials"}} }

func (w *world) askPisteToken(id, secret string) error {
	return w.requestPisteToken(clientCredentials(), id, secret)
}

func (w *world) askPisteTokenWithScope(id, secret, scope string) error {
	return w.requestPisteToken(url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}, id, secret)
}

// askPisteTokenWithSecretInBody authenticates the portal with
// client_secret_post (RFC 6749, section 2.3.1).
func (w *world) askPisteTokenWithSecretInBody(id, secret string) error {
	return w.requestPisteToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, "", "")
}

func (w *world) askPisteTokenWithGrantType(grantType string) error {
	return w.requestPisteToken(url.Values{"grant_type": {grantType}}, "portail-demo", "portail-demo-secret")
}

func (w *world) askPisteTokenAnonymously() error {
	return w.requestPisteToken(clientCredentials(), "", "")
}

// registerPistePortal registers a portal of the scenario's own at PISTE,
// through the control API.
func (w *world) registerPistePortal() error {
	if err := w.needControl("enregistre un portail"); err != nil {
		return err
	}
	w.piste.portalID, w.piste.portalKey = "portail-"+randomHex(5), "secret-"+randomHex(16)
	b, _ := json.Marshal(map[string]any{"name": "Portail du scénario", "client_id": w.piste.portalID, "client_secret": w.piste.portalKey,
		"scopes": []string{"proconnect"}, "redirect_uris": []string{"http://localhost/retour"}})
	h := map[string]string{"Content-Type": "application/json"}
	if err := w.call(http.MethodPost, w.env.pisteURL+"/__sandbox/portals", h, b); err != nil {
		return err
	}
	if w.http.last.status != http.StatusCreated {
		return fmt.Errorf("enregistrement du portail : %d %s", w.http.last.status, w.http.last.body)
	}
	return nil
}

func (w *world) askPisteTokenAsScenarioPortal() error {
	return w.requestPisteToken(clientCredentials(), w.piste.portalID, w.piste.portalKey)
}

// failPisteTokens makes PISTE refuse the scenario portal's next token
// requests with status (a quota exceeded).
func (w *world) failPisteTokens(status, count int) error {
	if err := w.needControl("injecte une panne"); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"path": "/api/oauth/token", "client_id": w.piste.portalID, "status": status, "count": count,
		"body": `{"error":"too_many_requests","error_description":"Quota dépassé"}`})
	h := map[string]string{"Content-Type": "application/json"}
	return w.call(http.MethodPost, w.env.pisteURL+"/__sandbox/faults", h, b)
}

func (w *world) checkPisteTokenVerified() error {
	_, err := w.pisteClaims()
	return err
}

func (w *world) checkPisteTokenValue(claim, literal string) error {
	c, err := w.pisteClaims()
	if err != nil {
		return err
	}
	return hasValue("the PISTE token", c, claim, literal)
}

// checkPisteTokenLifetime checks the token's lifetime, and that it was not
// issued in the future.
func (w *world) checkPisteTokenLifetime(seconds int) error {
	c, err := w.pisteClaims()
	if err != nil {
		return err
	}
	exp, _ := c["exp"].(float64)
	iat, _ := c["iat"].(float64)
	if int(exp-iat) != seconds || time.Unix(int64(iat), 0).After(time.Now().Add(time.Minute)) {
		return fmt.Errorf("iat %v exp %v", iat, exp)
	}
	return nil
}

// pisteClaims verifies the PISTE token against PISTE's JWKS.
func (w *world) pisteClaims() (map[string]any, error) {
	if w.piste.token == "" {
		return nil, fmt.Errorf("aucun jeton PISTE (dernière réponse %d %s)", w.http.last.status, w.http.last.body)
	}
	payload, _, err := w.verifyWithJWKS(w.piste.token, jose.ES256, w.env.pisteURL+"/api/oauth/jwks", "PISTE")
	if err != nil {
		return nil, err
	}
	var c map[string]any
	return c, json.Unmarshal(payload, &c)
}
