package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
	"github.com/go-jose/go-jose/v4"
)

// jsonValue matches a JSON literal in a step: a string, an array, a number,
// true, false or null.
const jsonValue = `("(?:[^"\\]|\\.)*"|\[.*\]|-?\d+(?:\.\d+)?|true|false|null)`

var reSub = regexp.MustCompile(`^[0-9a-f]{64}v1$`)

// httpState is the HTTP part of a scenario: the person's browser, the
// backend's calls, and what the last exchange gave.
type httpState struct {
	browser *driver
	backend *driver // server-to-server calls (no cookies shared with the browser)

	last     *exchange
	callback *url.URL      // where the browser came back to a service
	code     string        // the code the callback carried
	elapsed  time.Duration // how long the last timed exchange took (a login, an event sent)

	// portalLog is the suite's exchanges with the portal under test (for
	// the report); mu guards it (a step may poll while another browser
	// runs).
	mu        sync.Mutex
	portalLog []PortalExchange
}

// registerFranceConnect binds the franceconnect steps to w.
func registerFranceConnect(reg *stepRegistry, w *world) {

	// Service providers.
	reg.step(`^un fournisseur de service FranceConnect$`, func() error { return w.newClient(clientOptions{}) })
	reg.step(`^un fournisseur de service FranceConnect désactivé$`, func() error { return w.newClient(clientOptions{inactive: true}) })
	reg.step(`^un fournisseur de service FranceConnect autorisé pour les scopes "([^"]*)"$`, func(s string) error {
		return w.newClient(clientOptions{scopes: strings.Fields(s)})
	})
	reg.step(`^un fournisseur de service FranceConnect sans le droit amr$`, func() error { return w.newClient(clientOptions{noAMR: true}) })
	reg.step(`^un fournisseur de service FranceConnect avec PKCE$`, func() error { return w.newClient(clientOptions{pkce: true}) })
	reg.step(`^un fournisseur de service FranceConnect signant en (ES256|RS256|HS256)$`, func(alg string) error {
		return w.newClient(clientOptions{alg: alg})
	})
	reg.step(`^un fournisseur de service FranceConnect authentifié par private_key_jwt$`, func() error {
		return w.newClient(clientOptions{pkjwt: true})
	})
	reg.step(`^un fournisseur de service FranceConnect\+$`, func() error {
		return w.newClient(clientOptions{profile: "plus", encKey: "fsplus-enc-ec", encAlg: "ECDH-ES"})
	})
	reg.step(`^un fournisseur de service FranceConnect\+ chiffrant en RSA-OAEP-256$`, func() error {
		return w.newClient(clientOptions{profile: "plus", encKey: "fsplus-enc-rsa", encAlg: "RSA-OAEP-256"})
	})
	reg.step(`^un fournisseur de service FranceConnect\+ sans chiffrement$`, func() error { return w.newClient(clientOptions{profile: "plus"}) })
	reg.step(`^un second fournisseur de service FranceConnect$`, func() error {
		if err := w.needControl("needs a second service provider"); err != nil {
			return err
		}
		return w.newClient(clientOptions{profile: w.fc.sp.profile, entity: "entity-" + randomHex(4)})
	})

	// Discovery and keys.
	reg.step(`^on consulte la découverte de FranceConnect(\+?)$`, func(plus string) error {
		prefix := "/api/v2"
		if plus != "" {
			prefix = "/plus/api/v2"
		}
		return w.get(prefix + "/.well-known/openid-configuration")
	})
	reg.step(`^on consulte le JWKS de FranceConnect$`, func() error { return w.get("/api/v2/jwks") })
	reg.step(`^on ouvre l'adresse "([^"]*)" de FranceConnect$`, func(p string) error { return w.get(p) })
	reg.step(`^chaque clé du JWKS a "use" égal à "sig" et un "alg" parmi "([^"]*)"$`, func(list string) error {
		set, err := w.lastJSON()
		if err != nil {
			return err
		}
		keys, _ := set["keys"].([]any)
		if len(keys) == 0 {
			return fmt.Errorf("the JWKS has no key")
		}
		for _, k := range keys {
			m, _ := k.(map[string]any)
			if m["use"] != "sig" || !strings.Contains(","+strings.ReplaceAll(list, " ", "")+",", fmt.Sprintf(",%v,", m["alg"])) {
				return fmt.Errorf("key %v: use %v, alg %v", m["kid"], m["use"], m["alg"])
			}
		}
		return nil
	})
	reg.step(`^le JWKS ne contient aucune clé privée$`, func() error {
		set, err := w.lastJSON()
		if err != nil {
			return err
		}
		for _, k := range set["keys"].([]any) {
			m := k.(map[string]any)
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				if _, ok := m[private]; ok {
					return fmt.Errorf("key %v publishes its private part %q", m["kid"], private)
				}
			}
		}
		return nil
	})
	reg.step(`^la clé (ES256|RS256) de FranceConnect est renouvelée$`, func(alg string) error {
		if err := w.needControl("rotates FranceConnect's keys"); err != nil {
			return err
		}
		_, err := w.controlCall("/keys/rotate", map[string]string{"alg": alg})
		return err
	})
	reg.step(`^l'on note la clé qui a signé l'id_token$`, func() error {
		w.fc.noted, _ = w.fc.idHeader["kid"].(string)
		return nil
	})
	reg.step(`^l'id_token est signé par une autre clé que celle notée$`, func() error {
		if kid, _ := w.fc.idHeader["kid"].(string); kid == w.fc.noted {
			return fmt.Errorf("the id_token is still signed by %s", kid)
		}
		return nil
	})
	reg.step(`^le JWKS contient la clé notée$`, func() error {
		set, err := w.fetchJWKS()
		if err != nil {
			return err
		}
		if len(set.Key(w.fc.noted)) == 0 {
			return fmt.Errorf("the JWKS no longer publishes %s", w.fc.noted)
		}
		return nil
	})

	// Generic answer checks.
	reg.step(`^la réponse a le statut (\d+)$`, func(code int) error {
		if w.http.last.status != code {
			return fmt.Errorf("want status %d; got %s", code, w.http.last.describe())
		}
		return nil
	})
	reg.step(`^l'en-tête "([^"]*)" vaut "([^"]*)"$`, func(h, v string) error {
		if got := w.http.last.header.Get(h); got != v {
			return fmt.Errorf("header %s = %q, want %q", h, got, v)
		}
		return nil
	})
	reg.step(`^l'en-tête "([^"]*)" commence par "([^"]*)"$`, func(h, v string) error {
		if got := w.http.last.header.Get(h); !strings.HasPrefix(got, v) {
			return fmt.Errorf("header %s = %q, want it to start with %q", h, got, v)
		}
		return nil
	})
	reg.step(`^aucun cookie n'est déposé$`, func() error {
		if c := w.http.last.header.Values("Set-Cookie"); len(c) > 0 {
			return fmt.Errorf("the answer sets cookies: %v", c)
		}
		return nil
	})
	reg.step(`^la réponse JSON contient exactement les clés "([^"]*)"$`, func(list string) error {
		m, err := w.lastJSON()
		if err != nil {
			return err
		}
		return exactKeys("the JSON answer", m, list)
	})
	reg.step(`^la réponse JSON a "([^"]*)" égal à `+jsonValue+`$`, func(k, v string) error {
		m, err := w.lastJSON()
		if err != nil {
			return err
		}
		return hasValue("the JSON answer", m, k, w.expand(v))
	})
	reg.step(`^la réponse JSON a "([^"]*)" qui (contient|ne contient pas) "([^"]*)"$`, func(k, how, list string) error {
		m, err := w.lastJSON()
		if err != nil {
			return err
		}
		arr, _ := m[k].([]any)
		have := map[string]bool{}
		for _, v := range arr {
			have[fmt.Sprint(v)] = true
		}
		for _, want := range splitList(list) {
			if have[want] != (how == "contient") {
				return fmt.Errorf("%q %s %q: it is %v", k, how, want, arr)
			}
		}
		return nil
	})
	reg.step(`^la réponse JSON n'a pas la clé "([^"]*)"$`, func(k string) error {
		m, err := w.lastJSON()
		if err != nil {
			return err
		}
		if _, ok := jsonAt(m, k); ok {
			return fmt.Errorf("the JSON answer has %q", k)
		}
		return nil
	})
	reg.step(`^l'objet JSON "([^"]*)" contient exactement les clés "([^"]*)"$`, func(path, list string) error {
		m, err := w.lastJSON()
		if err != nil {
			return err
		}
		v, _ := jsonAt(m, path)
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%q is not an object in the answer", path)
		}
		return exactKeys(path, obj, list)
	})
	reg.step(`^la réponse JSON contient :$`, func(t *godog.Table) error {
		m, err := w.lastJSON()
		if err != nil {
			return err
		}
		for i, row := range t.Rows {
			if len(row.Cells) != 2 {
				return fmt.Errorf("row %d: want | chemin | valeur JSON |", i+1)
			}
			if i == 0 && row.Cells[0].Value == "chemin" {
				continue
			}
			if err := hasValue("the JSON answer", m, row.Cells[0].Value, w.expand(row.Cells[1].Value)); err != nil {
				return err
			}
		}
		return nil
	})
	reg.step(`^la réponse est l'erreur "([^"]*)" décrite "([^"]*)"(?: avec le code "([^"]*)")?$`, func(code, desc, ycode string) error {
		m, err := w.lastJSON()
		if err != nil {
			return err
		}
		if m["error"] != code || m["error_description"] != desc {
			return fmt.Errorf("error %v / %v, want %s / %s", m["error"], m["error_description"], code, desc)
		}
		uri, _ := m["error_uri"].(string)
		if ycode != "" && !strings.Contains(uri, "code="+ycode+"&") {
			return fmt.Errorf("error_uri %q does not carry code %s", uri, ycode)
		}
		return nil
	})
	reg.step(`^la page contient "([^"]*)"$`, func(s string) error {
		if !strings.Contains(string(w.http.last.body), s) {
			return fmt.Errorf("the page does not contain %q: %s", s, w.http.last.describe())
		}
		return nil
	})
	reg.step(`^FranceConnect affiche l'erreur "(Y[0-9A-Z]+)" avec le statut (\d+)$`, func(ycode string, status int) error {
		if w.http.last.status != status || !strings.Contains(string(w.http.last.body), ycode) ||
			!strings.HasPrefix(w.http.last.header.Get("Content-Type"), "text/html") {
			return fmt.Errorf("want an HTML page with %s and status %d; got %s (%s)", ycode, status, w.http.last.describe(),
				w.http.last.header.Get("Content-Type"))
		}
		return nil
	})

	// Authorization requests.
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect$`, func() error { return w.authorize(w.defaultParams()) })
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect sans le paramètre "([^"]*)"$`, func(k string) error {
		p := w.defaultParams()
		p.Del(k)
		return w.authorize(p)
	})
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect avec le paramètre supplémentaire "([^"]*)" valant "([^"]*)"$`, func(k, v string) error {
		p := w.defaultParams()
		p.Set(k, v)
		return w.authorize(p)
	})
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect avec "([^"]*)" valant "(.*)"$`, func(k, v string) error {
		p := w.defaultParams()
		p.Set(k, strings.ReplaceAll(v, `\"`, `"`))
		return w.authorize(p)
	})
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect avec le paramètre "([^"]*)" répété$`, func(k string) error {
		p := w.defaultParams()
		p.Add(k, "encore")
		return w.authorize(p)
	})
	reg.step(`^le fournisseur de service redirige l'usager vers FranceConnect avec PKCE$`, func() error {
		p := w.defaultParams()
		var challenge string
		w.fc.verifier, challenge = pkcePair()
		p.Set("code_challenge", challenge)
		p.Set("code_challenge_method", "S256")
		return w.authorize(p)
	})
	reg.step(`^le fournisseur de service envoie la demande d'autorisation en POST$`, func() error {
		w.fc.params = w.defaultParams()
		e, err := w.http.browser.postForm(w.fcURL(w.fc.sp.prefix()+"/authorize"), w.fc.params)
		if err != nil {
			return err
		}
		if e, err = w.http.browser.follow(e); err != nil {
			return err
		}
		w.land(e)
		return nil
	})

	// The person.
	reg.step(`^la page de connexion est affichée$`, func() error { return w.loginPageShown("") })
	reg.step(`^la page de connexion est affichée avec le message "([^"]*)"$`, func(msg string) error { return w.loginPageShown(msg) })
	reg.step(`^la page de connexion propose la persona "([^"]*)"$`, func(login string) error {
		for _, f := range forms(w.http.last.body) {
			if f.fields.Get("login") == login && f.inputs["login"] == "hidden" {
				return nil
			}
		}
		return fmt.Errorf("the login page offers no button for %q", login)
	})
	reg.step(`^l'usager se connecte avec la persona "([^"]*)"$`, func(login string) error { return w.loginAs(login, w.password(login)) })
	reg.step(`^l'usager se connecte avec l'identifiant "([^"]*)" et le mot de passe "([^"]*)"$`, w.loginAs)
	reg.step(`^l'usager clique sur "([^"]*)"$`, w.click)
	reg.step(`^l'usager s'est connecté(?: à nouveau)? avec la persona "([^"]*)"$`, func(login string) error {
		return w.connect(login, w.defaultParams())
	})
	reg.step(`^l'usager s'est connecté(?: à nouveau)? avec la persona "([^"]*)" en demandant amr$`, func(login string) error {
		p := w.defaultParams()
		p.Set("claims", `{"id_token":{"amr":{"essential":true}}}`)
		return w.connect(login, p)
	})
	reg.step(`^l'usager s'est connecté avec la persona "([^"]*)" et les scopes "([^"]*)"$`, func(login, scopes string) error {
		p := w.defaultParams()
		p.Set("scope", scopes)
		return w.connect(login, p)
	})
	reg.step(`^l'usager a une session FranceConnect sans interface pour la persona "([^"]*)"$`, func(login string) error {
		if err := w.needControl("uses the headless FranceConnect session"); err != nil {
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
		if w.env.controlToken != "" {
			req.Header.Set("Authorization", "Bearer "+w.env.controlToken)
		}
		e, err := w.http.browser.do(req)
		if err != nil {
			return err
		}
		if e.status != http.StatusOK {
			return fmt.Errorf("headless session: %d %s", e.status, e.body)
		}
		return nil
	})
	reg.step(`^la prochaine connexion du fournisseur de service est celle de la persona "([^"]*)"$`, func(login string) error {
		if err := w.needControl("queues a login"); err != nil {
			return err
		}
		_, err := w.controlCall("/queue", map[string]string{"client_id": w.fc.sp.id, "login": login})
		return err
	})
	reg.step(`^la prochaine connexion du fournisseur de service échoue avec "([^"]*)"$`, func(e string) error {
		if err := w.needControl("queues an error"); err != nil {
			return err
		}
		_, err := w.controlCall("/queue", map[string]string{"client_id": w.fc.sp.id, "error": e})
		return err
	})
	reg.step(`^une persona lente de (\d+) millisecondes$`, func(ms int) error {
		if err := w.needControl("adds a persona"); err != nil {
			return err
		}
		w.fc.slowLogin = "lente-" + randomHex(4)
		_, err := w.controlCall("/personas", map[string]any{
			"login": w.fc.slowLogin, "demonstrates": "slow identity provider", "hidden": true,
			"identity": map[string]any{"given_names": []string{"Léa"}, "family_name": "LENTE", "birthdate": "1985-05-05",
				"gender": "female", "birthplace": "75107", "birthcountry": "99100", "email": "lea@example.test"},
			"failure": map[string]any{"kind": "slow", "delay": fmt.Sprintf("%dms", ms)},
		})
		return err
	})
	reg.step(`^l'usager se connecte avec la persona lente$`, func() error { return w.loginAs(w.fc.slowLogin, "123") })
	reg.step(`^la connexion a duré au moins (\d+) millisecondes$`, func(ms int) error {
		if w.http.elapsed < time.Duration(ms)*time.Millisecond {
			return fmt.Errorf("the login took %s", w.http.elapsed)
		}
		return nil
	})
	reg.step(`^l'usager est renvoyé vers le fournisseur de service avec un code$`, func() error {
		if w.http.callback == nil || !strings.HasPrefix(w.http.callback.String(), w.fc.params.Get("redirect_uri")) {
			return fmt.Errorf("the browser is not back at the service: %s", w.http.last.describe())
		}
		q := w.http.callback.Query()
		if len(q.Get("code")) < 22 || q.Get("state") != w.fc.params.Get("state") || q.Get("iss") != w.issuer() {
			return fmt.Errorf("callback %s: want code, state %q and iss %q", w.http.callback, w.fc.params.Get("state"), w.issuer())
		}
		return nil
	})
	reg.step(`^l'usager est renvoyé vers le fournisseur de service avec l'erreur "([^"]*)" et la description "([^"]*)" dans (la requête|le fragment)$`, func(code, desc, where string) error {
		if w.http.callback == nil {
			return fmt.Errorf("the browser is not back at the service: %s", w.http.last.describe())
		}
		raw := w.http.callback.RawQuery
		if where == "le fragment" {
			raw = w.http.callback.Fragment
		}
		q, _ := url.ParseQuery(raw)
		if q.Get("error") != code || q.Get("error_description") != desc {
			return fmt.Errorf("callback %s: want error %s / %s in %s", w.http.callback, code, desc, where)
		}
		if q.Get("state") != w.fc.params.Get("state") || q.Get("iss") != w.issuer() {
			return fmt.Errorf("callback %s: want state %q and iss %q", w.http.callback, w.fc.params.Get("state"), w.issuer())
		}
		return nil
	})
	reg.step(`^l'usager est renvoyé vers "([^"]*)"$`, func(want string) error {
		if loc := w.http.last.header.Get("Location"); loc != want {
			return fmt.Errorf("redirected to %q, want %q (status %d)", loc, want, w.http.last.status)
		}
		return nil
	})

	// Token endpoint.
	reg.step(`^le fournisseur de service échange le code$`, func() error { return w.exchangeCode(w.fc.sp, nil) })
	reg.step(`^le fournisseur de service a échangé le code$`, func() error {
		if err := w.exchangeCode(w.fc.sp, nil); err != nil {
			return err
		}
		if w.http.last.status != http.StatusOK {
			return fmt.Errorf("token: %d %s", w.http.last.status, w.http.last.body)
		}
		return nil
	})
	reg.step(`^le fournisseur de service échange le code avec le secret "([^"]*)"$`, func(s string) error {
		return w.exchangeCode(w.fc.sp, map[string]string{"client_secret": s})
	})
	reg.step(`^le fournisseur de service échange le code en s'authentifiant par client_secret_basic$`, func() error {
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
	})
	reg.step(`^le fournisseur de service échange le code "([^"]*)"$`, func(code string) error {
		return w.exchangeCode(w.fc.sp, map[string]string{"code": code})
	})
	reg.step(`^le fournisseur de service échange à nouveau le même code$`, func() error { return w.exchangeCode(w.fc.sp, nil) })
	reg.step(`^le fournisseur de service échange le code avec l'adresse de retour "([^"]*)"$`, func(u string) error {
		return w.exchangeCode(w.fc.sp, map[string]string{"redirect_uri": u})
	})
	reg.step(`^le fournisseur de service échange le code sans code_verifier$`, func() error { return w.exchangeCode(w.fc.sp, nil) })
	reg.step(`^le fournisseur de service échange le code avec le code_verifier$`, func() error {
		return w.exchangeCode(w.fc.sp, map[string]string{"code_verifier": w.fc.verifier})
	})
	reg.step(`^le second fournisseur de service échange le code du premier$`, func() error {
		return w.exchangeCode(w.fc.clients[len(w.fc.clients)-1], nil)
	})
	reg.step(`^le fournisseur de service échange le code avec une assertion signée$`, func() error {
		a, err := w.clientAssertion()
		if err != nil {
			return err
		}
		w.fc.assertion = a
		return w.exchangeCode(w.fc.sp, map[string]string{"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": a})
	})
	reg.step(`^le fournisseur de service rejoue la même assertion pour un nouveau code$`, func() error {
		if err := w.connect("angela", w.defaultParams()); err != nil {
			return err
		}
		return w.exchangeCode(w.fc.sp, map[string]string{"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": w.fc.assertion})
	})
	reg.step(`^l'horloge du fournisseur de service avance de (\d+) secondes$`, func(s int) error {
		if err := w.needControl("moves the clock"); err != nil {
			return err
		}
		_, err := w.controlCall("/clients/"+w.fc.sp.id+"/clock", map[string]string{"advance": strconv.Itoa(s) + "s"})
		return err
	})
	reg.step(`^le jeton d'accès fait (\d+) caractères$`, func(n int) error {
		if l := len(w.accessToken()); l != n {
			return fmt.Errorf("access token of %d characters", l)
		}
		return nil
	})

	// id_token.
	reg.step(`^l'en-tête de l'id_token contient exactement "([^"]*)"$`, func(list string) error { return exactKeys("the id_token header", w.fc.idHeader, list) })
	reg.step(`^l'id_token contient exactement les claims "([^"]*)"$`, func(list string) error { return exactKeys("the id_token", w.fc.idClaims, list) })
	reg.step(`^l'id_token a "([^"]*)" égal à `+jsonValue+`$`, func(k, v string) error { return hasValue("the id_token", w.fc.idClaims, k, v) })
	reg.step(`^l'id_token a "nonce" égal au nonce envoyé$`, func() error {
		return hasValue("the id_token", w.fc.idClaims, "nonce", strconv.Quote(w.fc.params.Get("nonce")))
	})
	reg.step(`^l'id_token a "aud" égal à l'identifiant du fournisseur de service$`, func() error {
		return hasValue("the id_token", w.fc.idClaims, "aud", strconv.Quote(w.fc.sp.id))
	})
	reg.step(`^l'id_token expire (\d+) secondes après son émission$`, func(s int) error {
		exp, _ := w.fc.idClaims["exp"].(float64)
		iat, _ := w.fc.idClaims["iat"].(float64)
		if int(exp-iat) != s {
			return fmt.Errorf("exp − iat = %v", exp-iat)
		}
		return nil
	})
	reg.step(`^le sub de l'id_token est fait de 64 chiffres hexadécimaux suivis de "v1"$`, func() error {
		if s, _ := w.fc.idClaims["sub"].(string); !reSub.MatchString(s) {
			return fmt.Errorf("sub %q", s)
		}
		return nil
	})
	reg.step(`^l'id_token (?:déchiffré )?est signé en (ES256|RS256) par une clé du JWKS$`, func(alg string) error {
		_, err := w.verifyJWS(w.fc.idJWS, alg)
		return err
	})
	reg.step(`^l'id_token est signé en HS256 avec le secret du fournisseur de service$`, func() error {
		_, err := w.verifyJWS(w.fc.idJWS, "HS256")
		return err
	})
	reg.step(`^l'on note le sub de l'id_token$`, func() error {
		w.fc.noted, _ = w.fc.idClaims["sub"].(string)
		return nil
	})
	reg.step(`^un second fournisseur de service FranceConnect (de la même entité|d'une autre entité) obtient un id_token pour "([^"]*)"$`, func(which, login string) error {
		if err := w.needControl("needs a second service provider"); err != nil {
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
	})
	reg.step(`^le sub de l'id_token (est|n'est pas) celui noté$`, func(how string) error {
		sub, _ := w.fc.idClaims["sub"].(string)
		if (sub == w.fc.noted) != (how == "est") {
			return fmt.Errorf("sub %s, noted %s: want it %s the same", sub, w.fc.noted, how)
		}
		return nil
	})
	reg.step(`^l'id_token est un JWE dont l'en-tête contient exactement "([^"]*)"$`, func(list string) error {
		h, err := jweHeader(w.fc.idToken)
		if err != nil {
			return err
		}
		return exactKeys("the JWE header", h, list)
	})
	reg.step(`^le JWE a "alg" égal à "([^"]*)", "enc" égal à "([^"]*)" et "cty" égal à "([^"]*)"$`, func(alg, enc, cty string) error {
		h, err := jweHeader(w.fc.idToken)
		if err != nil {
			return err
		}
		if h["alg"] != alg || h["enc"] != enc || h["cty"] != cty {
			return fmt.Errorf("JWE header %v", h)
		}
		return nil
	})

	// Userinfo.
	reg.step(`^le fournisseur de service demande les informations de l'usager$`, func() error { return w.callUserinfo(w.accessToken(), false) })
	reg.step(`^le fournisseur de service demande les informations de l'usager sans jeton$`, func() error { return w.callUserinfo("", false) })
	reg.step(`^le fournisseur de service demande les informations de l'usager avec un jeton altéré$`, func() error {
		t := w.accessToken()
		return w.callUserinfo(t[:len(t)-2]+"xx", false)
	})
	reg.step(`^le fournisseur de service demande les informations de l'usager avec le paramètre access_token$`, func() error {
		return w.callUserinfo(w.accessToken(), true)
	})
	reg.step(`^le fournisseur de service révoque le jeton d'accès$`, func() error {
		e, err := w.http.backend.postForm(w.fcURL(w.fc.sp.prefix()+"/token/revocation"), url.Values{
			"token": {w.accessToken()}, "client_id": {w.fc.sp.id}, "client_secret": {w.fc.sp.secret}})
		if err != nil {
			return err
		}
		w.http.last = e
		return nil
	})
	reg.step(`^l'en-tête du userinfo contient exactement "([^"]*)"$`, func(list string) error { return exactKeys("the userinfo header", w.fc.uiHeader, list) })
	reg.step(`^le userinfo est signé en (ES256|RS256) par une clé du JWKS$`, func(alg string) error {
		_, err := w.verifyJWS(w.fc.uiRaw, alg)
		return err
	})
	reg.step(`^le userinfo contient exactement les claims "([^"]*)"$`, func(list string) error { return exactKeys("the userinfo", w.fc.userinfo, list) })
	reg.step(`^le userinfo a "([^"]*)" égal à `+jsonValue+`$`, func(k, v string) error { return hasValue("the userinfo", w.fc.userinfo, k, v) })
	reg.step(`^le userinfo n'a pas la claim "([^"]*)"$`, func(k string) error {
		if _, ok := w.fc.userinfo[k]; ok {
			return fmt.Errorf("the userinfo has %q", k)
		}
		return nil
	})
	reg.step(`^le userinfo a le même "([^"]*)" que l'id_token$`, func(k string) error {
		if w.fc.userinfo[k] != w.fc.idClaims[k] {
			return fmt.Errorf("userinfo %s = %v, id_token %s = %v", k, w.fc.userinfo[k], k, w.fc.idClaims[k])
		}
		return nil
	})
	reg.step(`^le userinfo est un JWE que le fournisseur de service déchiffre$`, func() error {
		if strings.Count(w.fc.uiRaw, ".") != 4 {
			return fmt.Errorf("the userinfo is not a JWE")
		}
		if w.fc.userinfo == nil {
			return fmt.Errorf("the userinfo could not be decrypted")
		}
		return nil
	})

	// Logout.
	logout := func(params url.Values) error {
		e, err := w.http.browser.get(w.fcURL(w.fc.sp.prefix()+"/session/end") + "?" + params.Encode())
		if err != nil {
			return err
		}
		w.http.last = e
		return nil
	}
	reg.step(`^le fournisseur de service déconnecte l'usager vers "([^"]*)" avec le state "([^"]*)"$`, func(u, st string) error {
		return logout(url.Values{"id_token_hint": {w.fc.idJWS}, "post_logout_redirect_uri": {u}, "state": {st}})
	})
	reg.step(`^le fournisseur de service a déconnecté l'usager$`, func() error {
		if err := logout(url.Values{"id_token_hint": {w.fc.idJWS}, "post_logout_redirect_uri": {"http://localhost:4000/logout-callback"}, "state": {"s"}}); err != nil {
			return err
		}
		if w.http.last.status != http.StatusSeeOther {
			return fmt.Errorf("logout: status %d", w.http.last.status)
		}
		return nil
	})
	reg.step(`^le fournisseur de service déconnecte l'usager sans adresse de retour$`, func() error {
		return logout(url.Values{"id_token_hint": {w.fc.idJWS}})
	})
	reg.step(`^le fournisseur de service déconnecte l'usager avec (une adresse de retour non enregistrée|un paramètre inconnu|un id_token_hint altéré|un id_token_hint absent)$`, func(what string) error {
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
		return logout(p)
	})
}

func (w *world) get(path string) error {
	e, err := w.http.backend.get(w.fcURL(path))
	if err != nil {
		return err
	}
	w.http.last = e
	return nil
}

func (w *world) lastJSON() (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(w.http.last.body, &m); err != nil {
		return nil, fmt.Errorf("the answer is not a JSON object: %s", w.http.last.describe())
	}
	return m, nil
}

func (w *world) loginPageShown(msg string) error {
	if _, ok := loginForm(w.http.last.body); !ok || w.http.callback != nil {
		return fmt.Errorf("no login page (back at the service: %v): %s", w.http.callback != nil, w.http.last.describe())
	}
	if msg != "" && !strings.Contains(string(w.http.last.body), msg) {
		return fmt.Errorf("the login page does not say %q", msg)
	}
	return nil
}

func jweHeader(compact string) (map[string]any, error) {
	jwe, err := jose.ParseEncrypted(compact, []jose.KeyAlgorithm{jose.ECDH_ES, jose.RSA_OAEP, jose.RSA_OAEP_256},
		[]jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("not a JWE: %w", err)
	}
	_ = jwe
	seg := strings.SplitN(compact, ".", 2)[0]
	h, _, err := decodeJWS(seg + "." + "e30" + ".x")
	return h, err
}
