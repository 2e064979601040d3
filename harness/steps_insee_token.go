package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// The registre suite's steps for INSEE's private API: its OAuth2 password
// grant and the bearer token the private API requires (the public API keeps
// its key).

// Token endpoint of INSEE's authorisation server, and the register mock's
// demo credentials (docs/registre.md, « Accès »).
const (
	inseeTokenPath         = "/auth/realms/apim-gravitee/protocol/openid-connect/token"
	demoINSEEClientID      = "sandbox-insee-client"
	demoINSEEClientSecret  = "sandbox-insee-secret"
	demoINSEEUser          = "sandbox-insee"
	demoINSEEPasswordGrant = "sandbox-insee-password"
)

// registerINSEEToken binds the INSEE token steps to w.
func registerINSEEToken(reg *stepRegistry, w *world) {
	reg.step(`^on demande un jeton INSEE avec les identifiants de démonstration$`, w.askINSEEToken)
	reg.step(`^on demande un jeton INSEE où "([^"]*)" vaut "([^"]*)"$`, w.askINSEETokenWith)
	reg.step(`^on demande un jeton INSEE sans "([^"]*)"$`, w.askINSEETokenWithout)
	reg.step(`^on a un jeton INSEE$`, w.haveINSEEToken)
	reg.step(`^on interroge l'API Sirene privée "([^"]*)" sans jeton$`, w.queryPrivateSireneWithoutToken)
	reg.step(`^on interroge l'API Sirene privée "([^"]*)" avec la clé d'API seulement$`, w.queryPrivateSireneWithKeyOnly)
	reg.step(`^on interroge l'API Sirene privée "([^"]*)" avec le jeton "([^"]*)"$`, w.queryPrivateSireneWithToken)
	reg.step(`^l'horloge du registre avance de (\d+) secondes$`, w.advanceRegisterClock)
}

// demoINSEEGrant is the password grant of the demo credentials.
func demoINSEEGrant() url.Values {
	return url.Values{"grant_type": {"password"}, "client_id": {demoINSEEClientID}, "client_secret": {demoINSEEClientSecret},
		"username": {demoINSEEUser}, "password": {demoINSEEPasswordGrant}}
}

// postINSEEToken sends a form to the token endpoint and keeps the token of
// a success as the scenario's.
func (w *world) postINSEEToken(form url.Values) error {
	if err := w.call(http.MethodPost, w.env.sireneURL+inseeTokenPath,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte(form.Encode())); err != nil {
		return err
	}
	if w.http.last.status == http.StatusOK {
		var out struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(w.http.last.body, &out) == nil {
			w.register.inseeToken = out.AccessToken
		}
	}
	return nil
}

func (w *world) askINSEEToken() error { return w.postINSEEToken(demoINSEEGrant()) }

func (w *world) askINSEETokenWith(field, value string) error {
	f := demoINSEEGrant()
	f.Set(field, value)
	return w.postINSEEToken(f)
}

func (w *world) askINSEETokenWithout(field string) error {
	f := demoINSEEGrant()
	f.Del(field)
	return w.postINSEEToken(f)
}

// haveINSEEToken gets the scenario a token with the demo credentials.
func (w *world) haveINSEEToken() error {
	if err := w.askINSEEToken(); err != nil {
		return err
	}
	if w.http.last.status != http.StatusOK || w.register.inseeToken == "" {
		return fmt.Errorf("aucun jeton INSEE : %s", w.http.last.describe())
	}
	return nil
}

// getPrivateSirene calls the private API with the given headers.
func (w *world) getPrivateSirene(path string, h map[string]string) error {
	return w.call(http.MethodGet, w.env.sireneURL+"/api-sirene/prive/3.11"+w.expand(path), h, nil)
}

// queryPrivateSirene calls the private API with the scenario's token,
// getting one first if it has none.
func (w *world) queryPrivateSirene(path string) error {
	if w.register.inseeToken == "" {
		if err := w.haveINSEEToken(); err != nil {
			return err
		}
	}
	return w.getPrivateSirene(path, map[string]string{"Authorization": "Bearer " + w.register.inseeToken})
}

func (w *world) queryPrivateSireneWithoutToken(path string) error {
	return w.getPrivateSirene(path, nil)
}

func (w *world) queryPrivateSireneWithKeyOnly(path string) error {
	return w.getPrivateSirene(path, map[string]string{"X-INSEE-Api-Key-Integration": demoINSEEKey})
}

func (w *world) queryPrivateSireneWithToken(path, token string) error {
	return w.getPrivateSirene(path, map[string]string{"Authorization": "Bearer " + token})
}

// advanceRegisterClock moves the register's clock (every scenario's INSEE
// and RNE tokens age with it): the scenario must be @exclusif, and its end
// puts the clock back on real time.
func (w *world) advanceRegisterClock(seconds int) error {
	if err := w.needControl("avance l'horloge du registre"); err != nil {
		return err
	}
	if err := w.needExclusive("avance l'horloge du registre"); err != nil {
		return err
	}
	w.shared.registerClockMoved = true
	_, err := w.controlAt(w.env.sireneURL, http.MethodPost, "/clock", map[string]string{"advance": strconv.Itoa(seconds) + "s"})
	return err
}
