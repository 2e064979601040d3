package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
)

// Demo credentials of the register mock (docs/bac-a-sable.md, « Valeurs de démonstration »).
const (
	demoINSEEKey    = "sandbox-insee-key"
	demoRNEUser     = "sandbox"
	demoRNEPassword = "sandbox-rne-password"
)

// registerState is the register's part of a scenario: its own company and
// its RNE session.
type registerState struct {
	siren    string         // the scenario's own company
	rneToken string         // RNE session
	rneDoc   map[string]any // the last RNE company read
}

// pisteState is the piste suite's part of a scenario: a portal registered
// at PISTE for it, and the last token PISTE gave.
type pisteState struct {
	portalID  string // a portal registered for the scenario
	portalKey string
	token     string
}

// registerControl posts JSON to a control route of the register.
func (w *world) registerControl(path string, body any) error {
	if err := w.needControl("changes the register through the control API"); err != nil {
		return err
	}
	b, _ := json.Marshal(body)
	h := map[string]string{"Content-Type": "application/json"}
	if err := w.call(http.MethodPost, w.env.sireneURL+"/__sandbox"+path, h, b); err != nil {
		return err
	}
	if w.http.last.status >= 300 {
		return fmt.Errorf("register control %s: %d %s", path, w.http.last.status, w.http.last.body)
	}
	return nil
}

// randomSIREN draws a Luhn-valid SIREN of the synthetic register (not a
// fixture: they all start with 901; not the absent 999 range).
func randomSIREN() string {
	for {
		prefix := randomDigits(8)
		if prefix[0] == '0' || strings.HasPrefix(prefix, "99") || strings.HasPrefix(prefix, "901") {
			continue
		}
		return prefix + string(insee.LuhnKey(prefix))
	}
}

func randomDigits(n int) string {
	h := randomHex(n)
	var b strings.Builder
	for i := range n {
		b.WriteByte('0' + h[i]%10)
	}
	return b.String()
}

func registerAPI(reg *stepRegistry, w *world) {

	// INSEE.
	insee := func(path, key string, private bool) error {
		base := "/api-sirene/3.11"
		if private {
			base = "/api-sirene/prive/3.11"
		}
		h := map[string]string{}
		if key != "" {
			h["X-INSEE-Api-Key-Integration"] = key
		}
		return w.call(http.MethodGet, w.env.sireneURL+base+w.expand(path), h, nil)
	}
	reg.step(`^une entreprise synthétique pour le scénario$`, func() error {
		w.register.siren = randomSIREN()
		return nil
	})
	reg.step(`^on interroge ProConnect "([^"]*)"$`, func(p string) error { return w.call(http.MethodGet, w.env.coreURL+p, nil, nil) })
	reg.step(`^on interroge l'API Sirene "([^"]*)"$`, func(p string) error { return insee(p, demoINSEEKey, false) })
	reg.step(`^on interroge l'API Sirene privée "([^"]*)"$`, func(p string) error { return insee(p, demoINSEEKey, true) })
	reg.step(`^on interroge l'API Sirene "([^"]*)" sans clé d'API$`, func(p string) error { return insee(p, "", false) })
	reg.step(`^on interroge l'API Sirene "([^"]*)" avec la clé d'API "([^"]*)"$`, func(p, k string) error { return insee(p, k, false) })
	reg.step(`^deux interrogations de l'API Sirene "([^"]*)" donnent la même réponse$`, func(p string) error {
		if err := insee(p, demoINSEEKey, false); err != nil {
			return err
		}
		first := w.http.last.body
		if err := insee(p, demoINSEEKey, false); err != nil {
			return err
		}
		if !bytes.Equal(first, w.http.last.body) {
			return fmt.Errorf("two answers differ:\n%s\n%s", first, w.http.last.body)
		}
		return nil
	})
	reg.step(`^l'en-tête "Location" désigne l'unité légale "([^"]*)"$`, func(siren string) error {
		if loc := w.http.last.header.Get("Location"); !strings.HasSuffix(strings.SplitN(loc, "?", 2)[0], "/siren/"+siren) {
			return fmt.Errorf("Location %q", loc)
		}
		return nil
	})

	// RNE.
	rneLogin := func(user, pass string) error {
		b, _ := json.Marshal(map[string]string{"username": user, "password": pass})
		if err := w.call(http.MethodPost, w.env.sireneURL+"/api/sso/login", map[string]string{"Content-Type": "application/json"}, b); err != nil {
			return err
		}
		var out struct{ Token string }
		if w.http.last.status == http.StatusOK && json.Unmarshal(w.http.last.body, &out) == nil {
			w.register.rneToken = out.Token
		}
		return nil
	}
	rne := func(method, path, token string, body []byte) error {
		h := map[string]string{}
		if token != "" {
			h["Authorization"] = "Bearer " + token
		}
		if body != nil {
			h["Content-Type"] = "application/json"
		}
		if err := w.call(method, w.env.sireneURL+"/api"+w.expand(path), h, body); err != nil {
			return err
		}
		if method == http.MethodGet && w.http.last.status == http.StatusOK {
			w.register.rneDoc = nil
			_ = json.Unmarshal(w.http.last.body, &w.register.rneDoc)
		}
		return nil
	}
	reg.step(`^on se connecte au RNE avec l'identifiant "([^"]*)" et le mot de passe "([^"]*)"$`, rneLogin)
	reg.step(`^on est connecté au RNE$`, func() error {
		if err := rneLogin(demoRNEUser, demoRNEPassword); err != nil {
			return err
		}
		if w.register.rneToken == "" {
			return fmt.Errorf("RNE login refused: %d %s", w.http.last.status, w.http.last.body)
		}
		return nil
	})
	reg.step(`^on consulte l'entreprise "([^"]*)" au RNE$`, func(s string) error { return rne(http.MethodGet, "/companies/"+s, w.register.rneToken, nil) })
	reg.step(`^on consulte l'entreprise "([^"]*)" au RNE sans jeton$`, func(s string) error { return rne(http.MethodGet, "/companies/"+s, "", nil) })
	reg.step(`^on consulte l'entreprise "([^"]*)" au RNE avec un jeton falsifié$`, func(s string) error {
		return rne(http.MethodGet, "/companies/"+s, "ZmFsc2U.ZmFsc2U", nil)
	})
	reg.step(`^on référence le courriel de contact "([^"]*)" pour l'entreprise "([^"]*)"$`, func(mail, s string) error {
		b, _ := json.Marshal(map[string]string{"contact_email": w.expand(mail)})
		return rne(http.MethodPut, "/companies/"+s+"/contact-email", w.register.rneToken, b)
	})
	reg.step(`^on consulte le courriel de contact de l'entreprise "([^"]*)"$`, func(s string) error {
		return rne(http.MethodGet, "/companies/"+s+"/contact-email", w.register.rneToken, nil)
	})

	// Changing the register under a portal.
	reg.step(`^l'entreprise "([^"]*)" cesse son activité le "([^"]*)"$`, func(s, day string) error {
		return w.registerControl("/companies/"+w.expand(s)+"/cease", map[string]string{"date": day})
	})
	reg.step(`^le dirigeant n°(\d+) de l'entreprise "([^"]*)" quitte ses fonctions$`, func(n int, s string) error {
		return w.registerControl("/companies/"+w.expand(s)+"/dirigeants/"+strconv.Itoa(n)+"/leave", map[string]any{})
	})

	// A synthetic dirigeant at FranceConnect has the register's identity.
	reg.step(`^l'identité du userinfo est celle du dirigeant n°(\d+) au RNE$`, func(n int) error {
		d, ok := jsonAt(w.register.rneDoc, fmt.Sprintf("formality.content.personneMorale.composition.pouvoirs[%d].individu.descriptionPersonne", n-1))
		desc, isMap := d.(map[string]any)
		if !ok || !isMap {
			return fmt.Errorf("no dirigeant n°%d in the RNE document", n)
		}
		var prenoms []string
		for _, p := range desc["prenoms"].([]any) {
			prenoms = append(prenoms, p.(string))
		}
		gender := map[any]string{"1": "male", "2": "female"}[desc["genre"]]
		want := map[string]any{"family_name": desc["nom"], "given_name": strings.Join(prenoms, " "),
			"birthdate": desc["dateDeNaissance"], "birthplace": desc["codeInseeGeographique"], "gender": gender}
		for k, v := range want {
			if w.fc.userinfo[k] != v {
				return fmt.Errorf("userinfo %s = %v, the RNE says %v", k, w.fc.userinfo[k], v)
			}
		}
		return nil
	})

	// PISTE.
	piste := func(form url.Values, user, pass string) error {
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
	cc := url.Values{"grant_type": {"client_credentials"}}
	reg.step(`^le portail "([^"]*)" demande un jeton à PISTE avec le secret "([^"]*)"$`, func(id, secret string) error {
		return piste(cc, id, secret)
	})
	reg.step(`^le portail "([^"]*)" demande un jeton à PISTE avec le secret "([^"]*)" et le scope "([^"]*)"$`, func(id, secret, scope string) error {
		return piste(url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}, id, secret)
	})
	reg.step(`^le portail "([^"]*)" demande un jeton à PISTE avec le secret "([^"]*)" dans le corps de la requête$`, func(id, secret string) error {
		return piste(url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}, "", "")
	})
	reg.step(`^on demande un jeton à PISTE avec le grant_type "([^"]*)"$`, func(gt string) error {
		return piste(url.Values{"grant_type": {gt}}, "portail-demo", "portail-demo-secret")
	})
	reg.step(`^on demande un jeton à PISTE sans s'authentifier$`, func() error { return piste(cc, "", "") })
	reg.step(`^un portail est enregistré à PISTE pour le scénario$`, func() error {
		if err := w.needControl("registers a portal through the control API"); err != nil {
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
			return fmt.Errorf("portal registration: %d %s", w.http.last.status, w.http.last.body)
		}
		return nil
	})
	reg.step(`^ce portail demande un jeton à PISTE$`, func() error { return piste(cc, w.piste.portalID, w.piste.portalKey) })
	reg.step(`^PISTE répondra (\d+) aux (\d+) prochaines demandes de jeton de ce portail$`, func(status, count int) error {
		if err := w.needControl("injects a fault through the control API"); err != nil {
			return err
		}
		b, _ := json.Marshal(map[string]any{"path": "/api/oauth/token", "client_id": w.piste.portalID, "status": status, "count": count,
			"body": `{"error":"too_many_requests","error_description":"Quota dépassé"}`})
		h := map[string]string{"Content-Type": "application/json"}
		return w.call(http.MethodPost, w.env.pisteURL+"/__sandbox/faults", h, b)
	})
	reg.step(`^le jeton PISTE est un JWT ES256 vérifié par le JWKS de PISTE$`, func() error {
		_, err := w.pisteClaims()
		return err
	})
	reg.step(`^le jeton PISTE a "([^"]*)" égal à `+jsonValue+`$`, func(k, v string) error {
		c, err := w.pisteClaims()
		if err != nil {
			return err
		}
		return hasValue("the PISTE token", c, k, v)
	})
	reg.step(`^le jeton PISTE expire (\d+) secondes après son émission$`, func(s int) error {
		c, err := w.pisteClaims()
		if err != nil {
			return err
		}
		exp, _ := c["exp"].(float64)
		iat, _ := c["iat"].(float64)
		if int(exp-iat) != s || time.Unix(int64(iat), 0).After(time.Now().Add(time.Minute)) {
			return fmt.Errorf("iat %v exp %v", iat, exp)
		}
		return nil
	})
}

// pisteClaims verifies the PISTE token against PISTE's JWKS.
func (w *world) pisteClaims() (map[string]any, error) {
	if w.piste.token == "" {
		return nil, fmt.Errorf("no PISTE token (last answer %d %s)", w.http.last.status, w.http.last.body)
	}
	jws, err := jose.ParseSigned(w.piste.token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return nil, fmt.Errorf("not an ES256 JWS: %w", err)
	}
	e, err := w.http.backend.get(w.env.pisteURL + "/api/oauth/jwks")
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(e.body, &set); err != nil {
		return nil, fmt.Errorf("PISTE JWKS: %w", err)
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) == 0 {
		return nil, fmt.Errorf("kid %q is not in PISTE's JWKS", jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		return nil, err
	}
	var c map[string]any
	return c, json.Unmarshal(payload, &c)
}
