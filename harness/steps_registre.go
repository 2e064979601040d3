package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// The registre suite: the register mock's INSEE Sirene and RNE APIs. The
// proconnect and portail suites use its steps too, to give a scenario its
// own company and change it under a portal.

// registerState is the register's part of a scenario: its own company and
// its RNE session.
type registerState struct {
	siren      string         // the scenario's own company
	rneToken   string         // RNE session
	inseeToken string         // INSEE private API access token (steps_insee_token.go)
	rneDoc     map[string]any // the last RNE company read
}

// Demo credentials of the register mock (docs/bac-a-sable.md, « Valeurs de démonstration »).
const (
	demoINSEEKey    = "sandbox-insee-key"
	demoRNEUser     = "sandbox"
	demoRNEPassword = "sandbox-rne-password"
)

// registerRegistre binds the register's steps to w.
func registerRegistre(reg *stepRegistry, w *world) {
	reg.step(`^une entreprise synthétique pour le scénario$`, w.register.drawCompany)

	// INSEE.
	reg.step(`^on interroge l'API Sirene "([^"]*)"$`, w.querySirene)
	reg.step(`^on interroge l'API Sirene privée "([^"]*)"$`, w.queryPrivateSirene)
	reg.step(`^on interroge l'API Sirene "([^"]*)" sans clé d'API$`, w.querySireneWithoutKey)
	reg.step(`^on interroge l'API Sirene "([^"]*)" avec la clé d'API "([^"]*)"$`, w.querySireneWithKey)
	reg.step(`^deux interrogations de l'API Sirene "([^"]*)" donnent la même réponse$`, w.checkSireneStable)
	reg.step(`^l'en-tête "Location" désigne l'unité légale "([^"]*)"$`, w.http.checkLocationIsUnit)
	registerINSEEToken(reg, w)

	// RNE.
	reg.step(`^on se connecte au RNE avec l'identifiant "([^"]*)" et le mot de passe "([^"]*)"$`, w.loginRNE)
	reg.step(`^on est connecté au RNE$`, w.haveLoggedInRNE)
	reg.step(`^on consulte l'entreprise "([^"]*)" au RNE$`, w.readRNECompany)
	reg.step(`^on consulte l'entreprise "([^"]*)" au RNE sans jeton$`, w.readRNECompanyWithoutToken)
	reg.step(`^on consulte l'entreprise "([^"]*)" au RNE avec un jeton falsifié$`, w.readRNECompanyWithForgedToken)
	reg.step(`^on référence le courriel de contact "([^"]*)" pour l'entreprise "([^"]*)"$`, w.putContactEmail)
	reg.step(`^on consulte le courriel de contact de l'entreprise "([^"]*)"$`, w.readContactEmail)

	// Changing the register under a portal.
	reg.step(`^l'entreprise "([^"]*)" cesse son activité le "([^"]*)"$`, w.ceaseCompany)
	reg.step(`^le dirigeant n°(\d+) de l'entreprise "([^"]*)" quitte ses fonctions$`, w.dirigeantLeaves)

	// A synthetic dirigeant at FranceConnect has the register's identity.
	reg.step(`^l'identité du userinfo est celle du dirigeant n°(\d+) au RNE$`, w.checkUserinfoIsDirigeant)
}

// drawCompany gives the scenario a company of its own, which no other
// scenario running at the same time changes, and whose dirigeants are
// told apart by ProConnect's matching rule.
func (r *registerState) drawCompany() error {
	for {
		if r.siren = randomSIREN(); distinctDirigeants(r.siren) {
			return nil
		}
	}
}

// distinctDirigeants reports whether no natural-person dirigeant of the
// synthetic company of siren scores 3 points or more (a close match) under
// ProConnect's rule against another one. About one synthetic company in
// a thousand has two such dirigeants (same gender, family name and
// commune of birth, as relatives may have): there, the first dirigeant
// leaving does not end the person's certification (the second still
// matches closely), which a scenario about one dirigeant does not expect.
// The register draws its synthetic companies from the SIREN alone, with
// the same code, so the harness can look before it chooses.
func distinctDirigeants(siren string) bool {
	var people []fixtures.Identity
	for _, d := range fixtures.Synthetic(siren).Dirigeants {
		if d.Type == "individu" {
			people = append(people, d.Identity(siren))
		}
	}
	for i, a := range people {
		id := proconnect.Identity{GivenNames: a.GivenNames, FamilyName: a.FamilyName, Birthdate: a.Birthdate,
			Gender: a.Gender, Birthplace: a.Birthplace, Birthcountry: a.Birthcountry}
		for j, b := range people {
			if i == j {
				continue
			}
			p := proconnect.Person{FamilyName: b.FamilyName, GivenNames: b.GivenNames, Gender: b.Gender,
				Birthdate: b.Birthdate, Birthplace: b.Birthplace, Birthcountry: b.Birthcountry}
			if proconnect.Match(id, p).Points >= 3 {
				return false
			}
		}
	}
	return true
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

// INSEE.

// getSirene calls INSEE's public Sirene API, with an API key when key is
// not "" (the private API takes a token: steps_insee_token.go).
func (w *world) getSirene(path, key string) error {
	h := map[string]string{}
	if key != "" {
		h["X-INSEE-Api-Key-Integration"] = key
	}
	return w.call(http.MethodGet, w.env.sireneURL+"/api-sirene/3.11"+w.expand(path), h, nil)
}

func (w *world) querySirene(path string) error { return w.getSirene(path, demoINSEEKey) }

func (w *world) querySireneWithoutKey(path string) error { return w.getSirene(path, "") }

func (w *world) querySireneWithKey(path, key string) error { return w.getSirene(path, key) }

// checkSireneStable checks that the synthetic register answers the same
// twice: its data are derived from the SIREN, not drawn at each call.
func (w *world) checkSireneStable(path string) error {
	if err := w.getSirene(path, demoINSEEKey); err != nil {
		return err
	}
	first := w.http.last.body
	if err := w.getSirene(path, demoINSEEKey); err != nil {
		return err
	}
	if !bytes.Equal(first, w.http.last.body) {
		return fmt.Errorf("les deux réponses diffèrent :\n%s\n%s", first, w.http.last.body)
	}
	return nil
}

func (h *httpState) checkLocationIsUnit(siren string) error {
	if loc := h.last.header.Get("Location"); !strings.HasSuffix(strings.SplitN(loc, "?", 2)[0], "/siren/"+siren) {
		return fmt.Errorf("Location %q", loc)
	}
	return nil
}

// RNE.

// loginRNE logs in at the RNE and keeps the token of a success.
func (w *world) loginRNE(user, pass string) error {
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

// haveLoggedInRNE logs in with the demo credentials, and fails unless the
// RNE agrees (a step of a scenario's context).
func (w *world) haveLoggedInRNE() error {
	if err := w.loginRNE(demoRNEUser, demoRNEPassword); err != nil {
		return err
	}
	if w.register.rneToken == "" {
		return fmt.Errorf("connexion au RNE refusée : %d %s", w.http.last.status, w.http.last.body)
	}
	return nil
}

// callRNE calls the RNE API with a token (none when ""), and keeps a
// company read.
func (w *world) callRNE(method, path, token string, body []byte) error {
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

func (w *world) readRNECompany(siren string) error {
	return w.callRNE(http.MethodGet, "/companies/"+siren, w.register.rneToken, nil)
}

func (w *world) readRNECompanyWithoutToken(siren string) error {
	return w.callRNE(http.MethodGet, "/companies/"+siren, "", nil)
}

func (w *world) readRNECompanyWithForgedToken(siren string) error {
	return w.callRNE(http.MethodGet, "/companies/"+siren, "ZmFsc2U.ZmFsc2U", nil)
}

// putContactEmail references a company's contact email at the RNE, as its
// dirigeant would have.
func (w *world) putContactEmail(mail, siren string) error {
	b, _ := json.Marshal(map[string]string{"contact_email": w.expand(mail)})
	return w.callRNE(http.MethodPut, "/companies/"+siren+"/contact-email", w.register.rneToken, b)
}

func (w *world) readContactEmail(siren string) error {
	return w.callRNE(http.MethodGet, "/companies/"+siren+"/contact-email", w.register.rneToken, nil)
}

// Changing the register under a portal.

func (w *world) ceaseCompany(siren, day string) error {
	return w.registerControl("/companies/"+w.expand(siren)+"/cease", map[string]string{"date": day})
}

func (w *world) dirigeantLeaves(n int, siren string) error {
	return w.registerControl("/companies/"+w.expand(siren)+"/dirigeants/"+strconv.Itoa(n)+"/leave", map[string]any{})
}

// registerControl posts JSON to a control route of the register.
func (w *world) registerControl(path string, body any) error {
	if err := w.needControl("change le registre"); err != nil {
		return err
	}
	b, _ := json.Marshal(body)
	h := map[string]string{"Content-Type": "application/json"}
	if err := w.call(http.MethodPost, w.env.sireneURL+"/__sandbox"+path, h, b); err != nil {
		return err
	}
	if w.http.last.status >= 300 {
		return fmt.Errorf("contrôle du registre %s : %d %s", path, w.http.last.status, w.http.last.body)
	}
	return nil
}

// checkUserinfoIsDirigeant compares the userinfo with the n-th dirigeant
// of the last RNE company read: a synthetic dirigeant logs in at
// FranceConnect with the register's identity.
func (w *world) checkUserinfoIsDirigeant(n int) error {
	d, ok := jsonAt(w.register.rneDoc, fmt.Sprintf("formality.content.personneMorale.composition.pouvoirs[%d].individu.descriptionPersonne", n-1))
	desc, isMap := d.(map[string]any)
	if !ok || !isMap {
		return fmt.Errorf("aucun dirigeant n°%d dans le document du RNE", n)
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
			return fmt.Errorf("userinfo %s = %v, le RNE dit %v", k, w.fc.userinfo[k], v)
		}
	}
	return nil
}
