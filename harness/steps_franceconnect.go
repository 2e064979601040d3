package harness

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The franceconnect suite: the harness plays a service provider and the
// person in the browser, and checks FranceConnect's answers (its client
// helpers are in franceconnect.go).

// fcState is the franceconnect suite's part of a scenario: its service
// providers, the authorization request sent, and the tokens and claims
// they got back.
type fcState struct {
	clients []*spClient
	sp      *spClient // the current service provider

	params   url.Values // the last authorization request
	verifier string     // PKCE code_verifier

	token     map[string]any // the token endpoint's answer
	idToken   string         // as received (JWS or JWE)
	idHeader  map[string]any
	idClaims  map[string]any
	idJWS     string // the id_token, decrypted
	userinfo  map[string]any
	uiHeader  map[string]any
	uiRaw     string // the userinfo answer as received
	noted     string // a kid or a sub the scenario noted, to compare later
	slowLogin string // the slow persona the scenario added
	assertion string // the last private_key_jwt client assertion sent
}

// reSub is the form of FranceConnect's sub: 64 hex digits, then "v1".
var reSub = regexp.MustCompile(`^[0-9a-f]{64}v1$`)

// registerFranceConnect binds the franceconnect steps to w.
func registerFranceConnect(reg *stepRegistry, w *world) {
	// Service providers.
	reg.step(`^un fournisseur de service FranceConnect$`, w.newServiceProvider)
	reg.step(`^un fournisseur de service FranceConnect désactivé$`, w.newInactiveServiceProvider)
	reg.step(`^un fournisseur de service FranceConnect autorisé pour les scopes "([^"]*)"$`, w.newServiceProviderWithScopes)
	reg.step(`^un fournisseur de service FranceConnect sans le droit amr$`, w.newServiceProviderWithoutAMR)
	reg.step(`^un fournisseur de service FranceConnect avec PKCE$`, w.newServiceProviderWithPKCE)
	reg.step(`^un fournisseur de service FranceConnect signant en (ES256|RS256|HS256)$`, w.newServiceProviderSigningWith)
	reg.step(`^un fournisseur de service FranceConnect authentifié par private_key_jwt$`, w.newServiceProviderWithPrivateKeyJWT)
	reg.step(`^un fournisseur de service FranceConnect\+$`, w.newPlusServiceProvider)
	reg.step(`^un fournisseur de service FranceConnect\+ chiffrant en RSA-OAEP-256$`, w.newPlusServiceProviderEncryptingRSA)
	reg.step(`^un fournisseur de service FranceConnect\+ sans chiffrement$`, w.newPlusServiceProviderInClear)
	reg.step(`^un second fournisseur de service FranceConnect$`, w.newSecondServiceProvider)

	// Discovery and keys.
	reg.step(`^on consulte la découverte de FranceConnect(\+?)$`, w.readDiscovery)
	reg.step(`^on consulte le JWKS de FranceConnect$`, w.readJWKS)
	reg.step(`^on ouvre l'adresse "([^"]*)" de FranceConnect$`, w.getFranceConnect)
	reg.step(`^le JWKS ne contient aucune clé privée$`, w.checkJWKSPublicOnly)
	reg.step(`^la clé (ES256|RS256) de FranceConnect est renouvelée$`, w.rotateFranceConnectKey)
	reg.step(`^l'on note la clé qui a signé l'id_token$`, w.fc.noteSigningKey)
	reg.step(`^l'id_token est signé par une autre clé que celle notée$`, w.fc.checkSignedByAnotherKey)
	reg.step(`^le JWKS contient la clé notée$`, w.checkJWKSHasNotedKey)

	// FranceConnect's errors.
	reg.step(`^la réponse est l'erreur "([^"]*)" décrite "([^"]*)"(?: avec le code "([^"]*)")?$`, w.checkOAuthError)
	reg.step(`^FranceConnect affiche l'erreur "(Y[0-9A-Z]+)" avec le statut (\d+)$`, w.checkErrorPage)

	// Authorization requests.
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect$`, w.redirectToFranceConnect)
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect sans le paramètre "([^"]*)"$`, w.redirectWithoutParam)
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect avec le paramètre supplémentaire "([^"]*)" valant "([^"]*)"$`, w.redirectWithExtraParam)
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect avec "([^"]*)" valant "(.*)"$`, w.redirectWithParam)
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect avec le paramètre "([^"]*)" répété$`, w.redirectWithRepeatedParam)
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect avec PKCE$`, w.redirectWithPKCE)
	reg.step(`^le fournisseur de service envoie la demande d'autorisation en POST$`, w.postAuthorizationRequest)

	// The person.
	reg.step(`^la page de connexion est affichée$`, w.checkLoginPageShown)
	reg.step(`^la page de connexion est affichée avec le message "([^"]*)"$`, w.checkLoginPage)
	reg.step(`^la page de connexion propose la persona "([^"]*)"$`, w.checkLoginPageOffers)
	reg.step(`^l'usager se connecte avec la persona "([^"]*)"$`, w.loginAsPersona)
	reg.step(`^l'usager se connecte avec l'identifiant "([^"]*)" et le mot de passe "([^"]*)"$`, w.loginAs)
	reg.step(`^l'usager clique sur "([^"]*)"$`, w.http.click)
	reg.step(`^l'usager s'est connecté(?: à nouveau)? avec la persona "([^"]*)"$`, w.connectAsPersona)
	reg.step(`^l'usager s'est connecté(?: à nouveau)? avec la persona "([^"]*)" en demandant amr$`, w.connectAskingAMR)
	reg.step(`^l'usager s'est connecté avec la persona "([^"]*)" et les scopes "([^"]*)"$`, w.connectWithScopes)
	reg.step(`^l'usager a une session FranceConnect sans interface pour la persona "([^"]*)"$`, w.openHeadlessSession)
	reg.step(`^la prochaine connexion du fournisseur de service est celle de la persona "([^"]*)"$`, w.queueLogin)
	reg.step(`^la prochaine connexion du fournisseur de service échoue avec "([^"]*)"$`, w.queueLoginError)
	reg.step(`^une persona lente de (\d+) millisecondes$`, w.addSlowPersona)
	reg.step(`^l'usager se connecte avec la persona lente$`, w.loginAsSlowPersona)
	reg.step(`^la connexion a duré au moins (\d+) millisecondes$`, w.http.checkLoginTook)
	reg.step(`^l'usager est renvoyé vers le fournisseur de service avec un code$`, w.checkBackWithCode)
	reg.step(`^l'usager est renvoyé vers le fournisseur de service avec l'erreur "([^"]*)" et la description "([^"]*)" dans (la requête|le fragment)$`, w.checkBackWithError)
	reg.step(`^l'usager est renvoyé vers "([^"]*)"$`, w.http.checkRedirectedTo)

	// Token endpoint.
	reg.step(`^le fournisseur de service échange le code$`, w.exchangeTheCode)
	reg.step(`^le fournisseur de service a échangé le code$`, w.haveExchangedTheCode)
	reg.step(`^le fournisseur de service échange le code avec le secret "([^"]*)"$`, w.exchangeWithSecret)
	reg.step(`^le fournisseur de service échange le code en s'authentifiant par client_secret_basic$`, w.exchangeWithBasicAuth)
	reg.step(`^le fournisseur de service échange le code "([^"]*)"$`, w.exchangeGivenCode)
	reg.step(`^le fournisseur de service échange à nouveau le même code$`, w.exchangeTheCode)
	reg.step(`^le fournisseur de service échange le code avec l'adresse de retour "([^"]*)"$`, w.exchangeWithRedirectURI)
	reg.step(`^le fournisseur de service échange le code sans code_verifier$`, w.exchangeTheCode)
	reg.step(`^le fournisseur de service échange le code avec le code_verifier$`, w.exchangeWithVerifier)
	reg.step(`^le second fournisseur de service échange le code du premier$`, w.exchangeAsSecondProvider)
	reg.step(`^le fournisseur de service échange le code avec une assertion signée$`, w.exchangeWithAssertion)
	reg.step(`^le fournisseur de service rejoue la même assertion pour un nouveau code$`, w.replayAssertion)
	reg.step(`^l'horloge du fournisseur de service avance de (\d+) secondes$`, w.advanceProviderClock)
	reg.step(`^le jeton d'accès fait (\d+) caractères$`, w.fc.checkAccessTokenLength)

	// id_token.
	reg.step(`^l'en-tête de l'id_token contient exactement "([^"]*)"$`, w.fc.checkIDTokenHeaderKeys)
	reg.step(`^l'id_token contient exactement les claims "([^"]*)"$`, w.fc.checkIDTokenClaims)
	reg.step(`^l'id_token a "([^"]*)" égal à `+jsonValue+`$`, w.fc.checkIDTokenValue)
	reg.step(`^l'id_token a "nonce" égal au nonce envoyé$`, w.fc.checkIDTokenNonce)
	reg.step(`^l'id_token a "aud" égal à l'identifiant du fournisseur de service$`, w.fc.checkIDTokenAudience)
	reg.step(`^l'id_token expire (\d+) secondes après son émission$`, w.fc.checkIDTokenLifetime)
	reg.step(`^le sub de l'id_token est fait de 64 chiffres hexadécimaux suivis de "v1"$`, w.fc.checkSubFormat)
	reg.step(`^l'id_token (?:déchiffré )?est signé en (ES256|RS256) par une clé du JWKS$`, w.checkIDTokenSignedWith)
	reg.step(`^l'id_token est signé en HS256 avec le secret du fournisseur de service$`, w.checkIDTokenSignedWithSecret)
	reg.step(`^l'on note le sub de l'id_token$`, w.fc.noteSubject)
	reg.step(`^un second fournisseur de service FranceConnect (de la même entité|d'une autre entité) obtient un id_token pour "([^"]*)"$`, w.secondProviderGetsIDToken)
	reg.step(`^le sub de l'id_token (est|n'est pas) celui noté$`, w.fc.checkSubjectNoted)
	reg.step(`^l'id_token est un JWE dont l'en-tête contient exactement "([^"]*)"$`, w.fc.checkJWEHeaderKeys)
	reg.step(`^le JWE a "alg" égal à "([^"]*)", "enc" égal à "([^"]*)" et "cty" égal à "([^"]*)"$`, w.fc.checkJWEAlgorithms)

	// Userinfo.
	reg.step(`^le fournisseur de service demande les informations de l'usager$`, w.askUserinfo)
	reg.step(`^le fournisseur de service demande les informations de l'usager sans jeton$`, w.askUserinfoWithoutToken)
	reg.step(`^le fournisseur de service demande les informations de l'usager avec un jeton altéré$`, w.askUserinfoWithAlteredToken)
	reg.step(`^le fournisseur de service demande les informations de l'usager avec le paramètre access_token$`, w.askUserinfoWithTokenParam)
	reg.step(`^le fournisseur de service révoque le jeton d'accès$`, w.revokeAccessToken)
	reg.step(`^l'en-tête du userinfo contient exactement "([^"]*)"$`, w.fc.checkUserinfoHeaderKeys)
	reg.step(`^le userinfo est signé en (ES256|RS256) par une clé du JWKS$`, w.checkUserinfoSignedWith)
	reg.step(`^le userinfo contient exactement les claims "([^"]*)"$`, w.fc.checkUserinfoClaims)
	reg.step(`^le userinfo a "([^"]*)" égal à `+jsonValue+`$`, w.fc.checkUserinfoValue)
	reg.step(`^le userinfo n'a pas la claim "([^"]*)"$`, w.fc.checkUserinfoLacks)
	reg.step(`^le userinfo a le même "([^"]*)" que l'id_token$`, w.fc.checkUserinfoSameAsIDToken)
	reg.step(`^le userinfo est un JWE que le fournisseur de service déchiffre$`, w.fc.checkUserinfoDecrypted)

	// Logout.
	reg.step(`^le fournisseur de service déconnecte l'usager vers "([^"]*)" avec le state "([^"]*)"$`, w.logoutTo)
	reg.step(`^le fournisseur de service a déconnecté l'usager$`, w.haveLoggedOut)
	reg.step(`^le fournisseur de service déconnecte l'usager sans adresse de retour$`, w.logoutWithoutReturn)
	reg.step(`^le fournisseur de service déconnecte l'usager avec (une adresse de retour non enregistrée|un paramètre inconnu|un id_token_hint altéré|un id_token_hint absent)$`, w.logoutWithDefect)
}

// Service providers.

func (w *world) newServiceProvider() error { return w.newClient(clientOptions{}) }

func (w *world) newInactiveServiceProvider() error {
	return w.newClient(clientOptions{inactive: true})
}

func (w *world) newServiceProviderWithScopes(scopes string) error {
	return w.newClient(clientOptions{scopes: strings.Fields(scopes)})
}

func (w *world) newServiceProviderWithoutAMR() error { return w.newClient(clientOptions{noAMR: true}) }

func (w *world) newServiceProviderWithPKCE() error { return w.newClient(clientOptions{pkce: true}) }

func (w *world) newServiceProviderSigningWith(alg string) error {
	return w.newClient(clientOptions{alg: alg})
}

func (w *world) newServiceProviderWithPrivateKeyJWT() error {
	return w.newClient(clientOptions{pkjwt: true})
}

// newPlusServiceProvider is a FranceConnect+ provider: its tokens are
// encrypted (ECDH-ES), as FranceConnect+ requires.
func (w *world) newPlusServiceProvider() error {
	return w.newClient(clientOptions{profile: "plus", encKey: "fsplus-enc-ec", encAlg: "ECDH-ES"})
}

func (w *world) newPlusServiceProviderEncryptingRSA() error {
	return w.newClient(clientOptions{profile: "plus", encKey: "fsplus-enc-rsa", encAlg: "RSA-OAEP-256"})
}

func (w *world) newPlusServiceProviderInClear() error {
	return w.newClient(clientOptions{profile: "plus"})
}

// newSecondServiceProvider is another provider of the same profile, of
// another entity (its subs differ).
func (w *world) newSecondServiceProvider() error {
	if err := w.needControl("a besoin d'un second fournisseur de service"); err != nil {
		return err
	}
	return w.newClient(clientOptions{profile: w.fc.sp.profile, entity: "entity-" + randomHex(4)})
}

// Discovery and keys.

// readDiscovery reads the discovery document of FranceConnect, or of
// FranceConnect+ when plus is "+".
func (w *world) readDiscovery(plus string) error {
	prefix := "/api/v2"
	if plus != "" {
		prefix = "/plus/api/v2"
	}
	return w.getFranceConnect(prefix + "/.well-known/openid-configuration")
}

func (w *world) readJWKS() error { return w.getFranceConnect("/api/v2/jwks") }

func (w *world) checkJWKSPublicOnly() error {
	set, err := w.http.lastJSON()
	if err != nil {
		return err
	}
	for _, k := range set["keys"].([]any) {
		m := k.(map[string]any)
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := m[private]; ok {
				return fmt.Errorf("la clé %v publie sa partie privée %q", m["kid"], private)
			}
		}
	}
	return nil
}

func (w *world) rotateFranceConnectKey(alg string) error {
	if err := w.needControl("change les clés de FranceConnect"); err != nil {
		return err
	}
	_, err := w.fcControl("/keys/rotate", map[string]string{"alg": alg})
	return err
}

func (f *fcState) noteSigningKey() error {
	f.noted, _ = f.idHeader["kid"].(string)
	return nil
}

func (f *fcState) checkSignedByAnotherKey() error {
	if kid, _ := f.idHeader["kid"].(string); kid == f.noted {
		return fmt.Errorf("l'id_token est encore signé par %s", kid)
	}
	return nil
}

// checkJWKSHasNotedKey checks that a key renewed is still published (the
// tokens it signed must still verify).
func (w *world) checkJWKSHasNotedKey() error {
	set, err := w.fetchJWKS()
	if err != nil {
		return err
	}
	if len(set.Key(w.fc.noted)) == 0 {
		return fmt.Errorf("le JWKS ne publie plus %s", w.fc.noted)
	}
	return nil
}

// FranceConnect's errors.

// checkOAuthError checks a JSON error answer (error, error_description),
// and the Y-code its error_uri carries when ycode is not "".
func (w *world) checkOAuthError(code, desc, ycode string) error {
	m, err := w.http.lastJSON()
	if err != nil {
		return err
	}
	if m["error"] != code || m["error_description"] != desc {
		return fmt.Errorf("erreur %v / %v, attendu %s / %s", m["error"], m["error_description"], code, desc)
	}
	uri, _ := m["error_uri"].(string)
	if ycode != "" && !strings.Contains(uri, "code="+ycode+"&") {
		return fmt.Errorf("error_uri %q ne porte pas le code %s", uri, ycode)
	}
	return nil
}

// checkErrorPage checks FranceConnect's error page: HTML, with its Y-code.
func (w *world) checkErrorPage(ycode string, status int) error {
	last := w.http.last
	if last.status != status || !strings.Contains(string(last.body), ycode) ||
		!strings.HasPrefix(last.header.Get("Content-Type"), "text/html") {
		return fmt.Errorf("attendu une page HTML avec %s et le statut %d ; reçu : %s (%s)", ycode, status, last.describe(),
			last.header.Get("Content-Type"))
	}
	return nil
}

// Authorization requests.

func (w *world) redirectToFranceConnect() error { return w.authorize(w.defaultParams()) }

func (w *world) redirectWithoutParam(key string) error {
	p := w.defaultParams()
	p.Del(key)
	return w.authorize(p)
}

func (w *world) redirectWithExtraParam(key, value string) error {
	p := w.defaultParams()
	p.Set(key, value)
	return w.authorize(p)
}

// redirectWithParam sets a parameter of the request; a \" in the step's
// value is a quote (a JSON claims parameter, say).
func (w *world) redirectWithParam(key, value string) error {
	p := w.defaultParams()
	p.Set(key, strings.ReplaceAll(value, `\"`, `"`))
	return w.authorize(p)
}

func (w *world) redirectWithRepeatedParam(key string) error {
	p := w.defaultParams()
	p.Add(key, "encore")
	return w.authorize(p)
}

func (w *world) redirectWithPKCE() error {
	p := w.defaultParams()
	var challenge string
	w.fc.verifier, challenge = pkcePair()
	p.Set("code_challenge", challenge)
	p.Set("code_challenge_method", "S256")
	return w.authorize(p)
}

// postAuthorizationRequest sends the authorization request as a form
// (OpenID Connect Core, section 3.1.2.1 allows POST).
func (w *world) postAuthorizationRequest() error {
	w.fc.params = w.defaultParams()
	e, err := w.http.browser.postForm(w.fcURL(w.fc.sp.prefix()+"/authorize"), w.fc.params)
	if err != nil {
		return err
	}
	if e, err = w.http.browser.follow(e); err != nil {
		return err
	}
	w.http.land(e)
	return nil
}

// The person.

func (w *world) checkLoginPageShown() error { return w.checkLoginPage("") }

// checkLoginPageOffers checks the persona's one-click button.
func (w *world) checkLoginPageOffers(login string) error {
	for _, f := range forms(w.http.last.body) {
		if f.fields.Get("login") == login && f.inputs["login"] == "hidden" {
			return nil
		}
	}
	return fmt.Errorf("la page de connexion n'offre aucun bouton pour %q", login)
}

func (w *world) loginAsPersona(login string) error { return w.loginAs(login, w.password(login)) }

func (w *world) connectAsPersona(login string) error { return w.connect(login, w.defaultParams()) }

func (w *world) connectAskingAMR(login string) error {
	p := w.defaultParams()
	p.Set("claims", `{"id_token":{"amr":{"essential":true}}}`)
	return w.connect(login, p)
}

func (w *world) connectWithScopes(login, scopes string) error {
	p := w.defaultParams()
	p.Set("scope", scopes)
	return w.connect(login, p)
}

// openHeadlessSession logs the persona in at FranceConnect without its
// pages, through the control API: the browser holds the session cookie.
func (w *world) openHeadlessSession(login string) error {
	if err := w.needControl("utilise la session FranceConnect sans navigateur"); err != nil {
		return err
	}
	if err := w.controlGate(w.fcURL("/__sandbox/session")); err != nil {
		return err
	}
	// the browser's own request (the session is its cookie), with the
	// control token a protected sandbox asks for
	req, err := http.NewRequest(http.MethodGet, w.fcURL("/__sandbox/session?login="+url.QueryEscape(login)), nil)
	if err != nil {
		return err
	}
	if w.controlToken() != "" {
		req.Header.Set("Authorization", "Bearer "+w.controlToken())
	}
	e, err := w.http.browser.do(req)
	if err != nil {
		return err
	}
	if e.status != http.StatusOK {
		return fmt.Errorf("session sans navigateur : %d %s", e.status, e.body)
	}
	return nil
}

// queueLogin makes the service provider's next login that persona's,
// without the login page.
func (w *world) queueLogin(login string) error {
	if err := w.needControl("programme une connexion"); err != nil {
		return err
	}
	_, err := w.fcControl("/queue", map[string]string{"client_id": w.fc.sp.id, "login": login})
	return err
}

func (w *world) queueLoginError(code string) error {
	if err := w.needControl("programme une erreur"); err != nil {
		return err
	}
	_, err := w.fcControl("/queue", map[string]string{"client_id": w.fc.sp.id, "error": code})
	return err
}

// addSlowPersona adds a hidden persona whose identity provider takes ms
// to answer.
func (w *world) addSlowPersona(ms int) error {
	if err := w.needControl("ajoute une persona"); err != nil {
		return err
	}
	w.fc.slowLogin = "lente-" + randomHex(4)
	_, err := w.fcControl("/personas", map[string]any{
		"login": w.fc.slowLogin, "demonstrates": "slow identity provider", "hidden": true,
		"identity": map[string]any{"given_names": []string{"Léa"}, "family_name": "LENTE", "birthdate": "1985-05-05",
			"gender": "female", "birthplace": "75107", "birthcountry": "99100", "email": "lea@example.test"},
		"failure": map[string]any{"kind": "slow", "delay": fmt.Sprintf("%dms", ms)},
	})
	return err
}

func (w *world) loginAsSlowPersona() error { return w.loginAs(w.fc.slowLogin, "123") }

func (h *httpState) checkLoginTook(ms int) error {
	if h.elapsed < time.Duration(ms)*time.Millisecond {
		return fmt.Errorf("la connexion a pris %s", h.elapsed)
	}
	return nil
}

// checkBackWithCode checks the successful callback: a code, the state sent
// and the issuer (RFC 9207).
func (w *world) checkBackWithCode() error {
	callback := w.http.callback
	if callback == nil || !strings.HasPrefix(callback.String(), w.fc.params.Get("redirect_uri")) {
		return fmt.Errorf("le navigateur n'est pas revenu au service : %s", w.http.last.describe())
	}
	q := callback.Query()
	if len(q.Get("code")) < 22 || q.Get("state") != w.fc.params.Get("state") || q.Get("iss") != w.issuer() {
		return fmt.Errorf("retour %s : attendu code, state %q et iss %q", callback, w.fc.params.Get("state"), w.issuer())
	}
	return nil
}

// checkBackWithError checks an error callback, in the query or the
// fragment, with the state sent and the issuer.
func (w *world) checkBackWithError(code, desc, where string) error {
	callback := w.http.callback
	if callback == nil {
		return fmt.Errorf("le navigateur n'est pas revenu au service : %s", w.http.last.describe())
	}
	raw := callback.RawQuery
	if where == "le fragment" {
		raw = callback.Fragment
	}
	q, _ := url.ParseQuery(raw)
	if q.Get("error") != code || q.Get("error_description") != desc {
		return fmt.Errorf("retour %s : attendu l'erreur %s / %s dans %s", callback, code, desc, where)
	}
	if q.Get("state") != w.fc.params.Get("state") || q.Get("iss") != w.issuer() {
		return fmt.Errorf("retour %s : attendu state %q et iss %q", callback, w.fc.params.Get("state"), w.issuer())
	}
	return nil
}

func (h *httpState) checkRedirectedTo(want string) error {
	if loc := h.last.header.Get("Location"); loc != want {
		return fmt.Errorf("redirigé vers %q, attendu %q (statut %d)", loc, want, h.last.status)
	}
	return nil
}

// Token endpoint.

// exchangeTheCode exchanges the code as the service provider would, and
// keeps whatever the token endpoint answers.
func (w *world) exchangeTheCode() error { return w.exchangeCode(w.fc.sp, nil) }

// haveExchangedTheCode exchanges the code, and fails unless the token
// endpoint agrees (a step of a scenario's context).
func (w *world) haveExchangedTheCode() error {
	if err := w.exchangeCode(w.fc.sp, nil); err != nil {
		return err
	}
	if w.http.last.status != http.StatusOK {
		return fmt.Errorf("token: %d %s", w.http.last.status, w.http.last.body)
	}
	return nil
}

func (w *world) exchangeWithSecret(secret string) error {
	return w.exchangeCode(w.fc.sp, map[string]string{"client_secret": secret})
}

// exchangeWithBasicAuth authenticates the client in the Authorization
// header (client_secret_basic, RFC 6749, section 2.3.1).
func (w *world) exchangeWithBasicAuth() error {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {w.http.code}, "redirect_uri": {w.fc.sp.redirect}}
	req, err := http.NewRequest(http.MethodPost, w.fcURL(w.fc.sp.prefix()+"/token"), strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(w.fc.sp.id), url.QueryEscape(w.fc.sp.secret))
	e, err := w.http.backend.do(req)
	if err != nil {
		return err
	}
	w.http.last = e
	return nil
}

func (w *world) exchangeGivenCode(code string) error {
	return w.exchangeCode(w.fc.sp, map[string]string{"code": code})
}

func (w *world) exchangeWithRedirectURI(uri string) error {
	return w.exchangeCode(w.fc.sp, map[string]string{"redirect_uri": uri})
}

func (w *world) exchangeWithVerifier() error {
	return w.exchangeCode(w.fc.sp, map[string]string{"code_verifier": w.fc.verifier})
}

// exchangeAsSecondProvider exchanges the first provider's code with the
// second one's credentials.
func (w *world) exchangeAsSecondProvider() error {
	return w.exchangeCode(w.fc.clients[len(w.fc.clients)-1], nil)
}

// exchangeWithAssertion authenticates the client with a signed assertion
// (private_key_jwt), kept to replay it.
func (w *world) exchangeWithAssertion() error {
	a, err := w.clientAssertion()
	if err != nil {
		return err
	}
	w.fc.assertion = a
	return w.exchangeCode(w.fc.sp, map[string]string{"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": a})
}

// replayAssertion logs in again and exchanges the new code with the
// assertion already used: its jti must be refused.
func (w *world) replayAssertion() error {
	if err := w.connect("angela", w.defaultParams()); err != nil {
		return err
	}
	return w.exchangeCode(w.fc.sp, map[string]string{"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": w.fc.assertion})
}

// advanceProviderClock moves FranceConnect's clock for this service
// provider only (other scenarios keep theirs).
func (w *world) advanceProviderClock(seconds int) error {
	if err := w.needControl("avance l'horloge"); err != nil {
		return err
	}
	_, err := w.fcControl("/clients/"+w.fc.sp.id+"/clock", map[string]string{"advance": strconv.Itoa(seconds) + "s"})
	return err
}

func (f *fcState) checkAccessTokenLength(n int) error {
	if l := len(f.accessToken()); l != n {
		return fmt.Errorf("jeton d'accès de %d caractères", l)
	}
	return nil
}

// id_token.

func (f *fcState) checkIDTokenHeaderKeys(list string) error {
	return exactKeys("the id_token header", f.idHeader, list)
}

func (f *fcState) checkIDTokenClaims(list string) error {
	return exactKeys("the id_token", f.idClaims, list)
}

func (f *fcState) checkIDTokenValue(claim, literal string) error {
	return hasValue("the id_token", f.idClaims, claim, literal)
}

func (f *fcState) checkIDTokenNonce() error {
	return hasValue("the id_token", f.idClaims, "nonce", strconv.Quote(f.params.Get("nonce")))
}

func (f *fcState) checkIDTokenAudience() error {
	return hasValue("the id_token", f.idClaims, "aud", strconv.Quote(f.sp.id))
}

func (f *fcState) checkIDTokenLifetime(seconds int) error {
	exp, _ := f.idClaims["exp"].(float64)
	iat, _ := f.idClaims["iat"].(float64)
	if int(exp-iat) != seconds {
		return fmt.Errorf("exp − iat = %v", exp-iat)
	}
	return nil
}

func (f *fcState) checkSubFormat() error {
	if s, _ := f.idClaims["sub"].(string); !reSub.MatchString(s) {
		return fmt.Errorf("sub %q", s)
	}
	return nil
}

func (w *world) checkIDTokenSignedWith(alg string) error {
	_, err := w.verifyJWS(w.fc.idJWS, alg)
	return err
}

func (w *world) checkIDTokenSignedWithSecret() error {
	_, err := w.verifyJWS(w.fc.idJWS, "HS256")
	return err
}

func (f *fcState) noteSubject() error {
	f.noted, _ = f.idClaims["sub"].(string)
	return nil
}

// secondProviderGetsIDToken creates a second provider, of the first one's
// entity or another, and logs the persona in through it: its sub is the
// entity's (pairwise per entity).
func (w *world) secondProviderGetsIDToken(which, login string) error {
	if err := w.needControl("a besoin d'un second fournisseur de service"); err != nil {
		return err
	}
	entity := "entity-" + randomHex(4)
	if which == "de la même entité" {
		entity = w.fc.clients[0].entity
	}
	if err := w.newClient(clientOptions{entity: entity}); err != nil {
		return err
	}
	if err := w.connect(login, w.defaultParams()); err != nil {
		return err
	}
	return w.exchangeCode(w.fc.sp, nil)
}

func (f *fcState) checkSubjectNoted(how string) error {
	sub, _ := f.idClaims["sub"].(string)
	if (sub == f.noted) != (how == "est") {
		return fmt.Errorf("sub %s, noté %s : attendu qu'il %s celui noté", sub, f.noted, how)
	}
	return nil
}

func (f *fcState) checkJWEHeaderKeys(list string) error {
	h, err := jweHeader(f.idToken)
	if err != nil {
		return err
	}
	return exactKeys("the JWE header", h, list)
}

func (f *fcState) checkJWEAlgorithms(alg, enc, cty string) error {
	h, err := jweHeader(f.idToken)
	if err != nil {
		return err
	}
	if h["alg"] != alg || h["enc"] != enc || h["cty"] != cty {
		return fmt.Errorf("en-tête JWE %v", h)
	}
	return nil
}

// Userinfo.

func (w *world) askUserinfo() error { return w.callUserinfo(w.fc.accessToken(), false) }

func (w *world) askUserinfoWithoutToken() error { return w.callUserinfo("", false) }

func (w *world) askUserinfoWithAlteredToken() error {
	t := w.fc.accessToken()
	return w.callUserinfo(t[:len(t)-2]+"xx", false)
}

// askUserinfoWithTokenParam sends the token as a query parameter (RFC
// 6750, section 2.3) instead of the Authorization header.
func (w *world) askUserinfoWithTokenParam() error { return w.callUserinfo(w.fc.accessToken(), true) }

func (w *world) revokeAccessToken() error {
	e, err := w.http.backend.postForm(w.fcURL(w.fc.sp.prefix()+"/token/revocation"), url.Values{
		"token": {w.fc.accessToken()}, "client_id": {w.fc.sp.id}, "client_secret": {w.fc.sp.secret}})
	if err != nil {
		return err
	}
	w.http.last = e
	return nil
}

func (f *fcState) checkUserinfoHeaderKeys(list string) error {
	return exactKeys("the userinfo header", f.uiHeader, list)
}

func (w *world) checkUserinfoSignedWith(alg string) error {
	_, err := w.verifyJWS(w.fc.uiRaw, alg)
	return err
}

func (f *fcState) checkUserinfoClaims(list string) error {
	return exactKeys("the userinfo", f.userinfo, list)
}

func (f *fcState) checkUserinfoValue(claim, literal string) error {
	return hasValue("the userinfo", f.userinfo, claim, literal)
}

func (f *fcState) checkUserinfoLacks(claim string) error {
	if _, ok := f.userinfo[claim]; ok {
		return fmt.Errorf("le userinfo a %q", claim)
	}
	return nil
}

func (f *fcState) checkUserinfoSameAsIDToken(claim string) error {
	if f.userinfo[claim] != f.idClaims[claim] {
		return fmt.Errorf("userinfo %s = %v, id_token %s = %v", claim, f.userinfo[claim], claim, f.idClaims[claim])
	}
	return nil
}

func (f *fcState) checkUserinfoDecrypted() error {
	if strings.Count(f.uiRaw, ".") != 4 {
		return fmt.Errorf("le userinfo n'est pas un JWE")
	}
	if f.userinfo == nil {
		return fmt.Errorf("le userinfo n'a pas pu être déchiffré")
	}
	return nil
}

// Logout.

func (w *world) logoutTo(uri, state string) error {
	return w.endSession(url.Values{"id_token_hint": {w.fc.idJWS}, "post_logout_redirect_uri": {uri}, "state": {state}})
}

// haveLoggedOut logs out to a registered address, and fails unless
// FranceConnect sends the browser there (a step of a scenario's context).
func (w *world) haveLoggedOut() error {
	if err := w.endSession(url.Values{"id_token_hint": {w.fc.idJWS}, "post_logout_redirect_uri": {"http://localhost:4000/logout-callback"}, "state": {"s"}}); err != nil {
		return err
	}
	if w.http.last.status != http.StatusSeeOther {
		return fmt.Errorf("déconnexion : statut %d", w.http.last.status)
	}
	return nil
}

func (w *world) logoutWithoutReturn() error {
	return w.endSession(url.Values{"id_token_hint": {w.fc.idJWS}})
}

// logoutWithDefect sends a logout request with one thing wrong.
func (w *world) logoutWithDefect(what string) error {
	p := url.Values{"id_token_hint": {w.fc.idJWS}, "post_logout_redirect_uri": {"http://localhost:4000/logout-callback"}, "state": {"s"}}
	switch what {
	case "une adresse de retour non enregistrée":
		p.Set("post_logout_redirect_uri", "https://ailleurs.example.test/logout")
	case "un paramètre inconnu":
		p.Set("inconnu", "1")
	case "un id_token_hint altéré":
		p.Set("id_token_hint", w.fc.idJWS[:len(w.fc.idJWS)-4]+"AAAA")
	case "un id_token_hint absent":
		p.Del("id_token_hint")
	}
	return w.endSession(p)
}

// endSession sends the browser to FranceConnect's end_session endpoint
// (OpenID Connect RP-Initiated Logout) and keeps the answer.
func (w *world) endSession(params url.Values) error {
	e, err := w.http.browser.get(w.fcURL(w.fc.sp.prefix()+"/session/end") + "?" + params.Encode())
	if err != nil {
		return err
	}
	w.http.last = e
	return nil
}
