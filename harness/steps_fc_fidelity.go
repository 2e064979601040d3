package harness

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
)

// Steps that check the FranceConnect mock against what FranceConnect's code
// and node-oidc-provider v9.1.2 do: the identity checks behind Y600006, the
// token endpoint's order and words, the userinfo's expiry.

func registerFCFidelity(reg *stepRegistry, w *world) {
	reg.step(`^un fournisseur de service FranceConnect avec une seule adresse de retour$`, w.newServiceProviderWithOneRedirectURI)
	reg.step(`^l'usager se connecte avec l'identité d'angela dont "([^"]*)" vaut "([^"]*)"$`, w.loginAsAngelaWith)
	reg.step(`^l'usager se connecte avec l'identité d'angela dont "(family_name|given_names)" fait (\d+) caractères$`, w.loginAsAngelaWithNameLength)
	reg.step(`^le fournisseur de service échange le code sans le paramètre "([^"]*)"$`, w.exchangeWithout)
	reg.step(`^le fournisseur de service échange le code "([^"]*)" avec le secret "([^"]*)"$`, w.exchangeGivenCodeWithSecret)
	reg.step(`^le fournisseur de service échange le code en s'authentifiant à la fois par client_secret_basic et client_secret_post$`, w.exchangeWithTwoMechanisms)
	reg.step(`^le fournisseur de service échange le code avec un code_verifier$`, w.exchangeWithUnaskedVerifier)
	reg.step(`^le "exp" du userinfo est celui de l'id_token, à une seconde près$`, w.fc.checkUserinfoExpiresWithToken)
}

// newServiceProviderWithOneRedirectURI registers a provider with a single
// redirect URI (any port on localhost): it may leave redirect_uri out of
// the token request.
func (w *world) newServiceProviderWithOneRedirectURI() error {
	if err := w.needControl("a besoin d'un fournisseur de service créé par l'API de contrôle"); err != nil {
		return err
	}
	c, fc := w.scenarioClient(clientOptions{profile: "low"})
	fc.RedirectURIs = fc.RedirectURIs[:1]
	if _, err := w.fcControl("/clients", fc); err != nil {
		return err
	}
	w.use(c)
	return nil
}

// loginAsAngelaWith adds a hidden persona, angela's identity with one field
// changed, and logs in with it on the current page.
func (w *world) loginAsAngelaWith(field, value string) error {
	return w.loginAsAngelaChanged(field, value)
}

func (w *world) loginAsAngelaWithNameLength(field string, n int) error {
	return w.loginAsAngelaChanged(field, strings.Repeat("A", n))
}

func (w *world) loginAsAngelaChanged(field, value string) error {
	if err := w.needControl("ajoute une persona"); err != nil {
		return err
	}
	id := map[string]any{"given_names": []string{"Angela", "Claire", "Louise"}, "family_name": "DUBOIS",
		"birthdate": "1962-08-24", "gender": "female", "birthplace": "75107", "birthcountry": "99100",
		"email": "angela.dubois@example.test"}
	if _, ok := id[field]; !ok {
		return fmt.Errorf("l'identité d'angela n'a pas de champ %q", field)
	}
	if field == "given_names" {
		id[field] = []string{value}
	} else {
		id[field] = value
	}
	login := "angela-" + randomHex(4)
	if _, err := w.fcControl("/personas", map[string]any{
		"login": login, "demonstrates": "angela with " + field + " changed", "hidden": true, "identity": id,
	}); err != nil {
		return err
	}
	return w.loginAs(login, "123")
}

func (w *world) exchangeWithout(param string) error {
	return w.exchangeCode(w.fc.sp, map[string]string{param: "\x00"})
}

func (w *world) exchangeGivenCodeWithSecret(code, secret string) error {
	return w.exchangeCode(w.fc.sp, map[string]string{"code": code, "client_secret": secret})
}

// exchangeWithTwoMechanisms sends the secret both in an Authorization:
// Basic header and in the body.
func (w *world) exchangeWithTwoMechanisms() error {
	sp := w.fc.sp
	form := url.Values{"grant_type": {"authorization_code"}, "code": {w.http.code}, "redirect_uri": {sp.redirect},
		"client_id": {sp.id}, "client_secret": {sp.secret}}
	req, err := http.NewRequest(http.MethodPost, w.fcURL(sp.prefix()+"/token"), strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(sp.id), url.QueryEscape(sp.secret))
	e, err := w.http.backend.do(req)
	if err != nil {
		return err
	}
	w.http.last = e
	return nil
}

// exchangeWithUnaskedVerifier sends a well-formed code_verifier for a code
// asked without code_challenge.
func (w *world) exchangeWithUnaskedVerifier() error {
	return w.exchangeCode(w.fc.sp, map[string]string{"code_verifier": randomHex(32)})
}

// checkUserinfoExpiresWithToken: the userinfo JWT expires with the access
// token, issued with the id_token (both live 60 s), not a time after the
// userinfo call.
func (f *fcState) checkUserinfoExpiresWithToken() error {
	ui, ok1 := f.userinfo["exp"].(float64)
	id, ok2 := f.idClaims["exp"].(float64)
	if !ok1 || !ok2 {
		return errors.New("aucun exp dans le userinfo ou l'id_token")
	}
	if math.Abs(ui-id) > 1 {
		return fmt.Errorf("userinfo exp %.0f, id_token exp %.0f", ui, id)
	}
	return nil
}
