package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
)

// A company that does not exist is refused before FranceConnect: by
// ProConnect at the certification request (422 company-not-found), and by
// the portal, which says so to the person and offers its alternative path
// (docs/api-proconnect.md, « Une entreprise inconnue » ;
// docs/contrat-portail.md, PSP-PAR-6).

func registerUnknownCompany(reg *stepRegistry, w *world) {
	reg.step(`^FranceConnect n'a reçu aucune requête pendant le scénario$`, w.checkNoFranceConnectExchange)
	reg.step(`^le portail dit que l'entreprise est introuvable, sans passer par FranceConnect$`, w.checkUnknownCompanyPage)
	reg.step(`^la page propose le parcours alternatif du portail$`, w.http.checkAlternativeOffered)
	reg.step(`^un numéro SIREN que le répertoire SIRENE ne connaît pas, pour le scénario$`, w.register.drawAbsentSIREN)
	reg.step(`^le registre ne répondra pas à la prochaine lecture de l'entreprise "([^"]*)"$`, w.failNextRegisterRead)
	reg.step(`^la personne suit le lien de certification$`, w.followCertificationLink)
}

// followCertificationLink opens the certification's authorization_url in
// the browser, without logging in anywhere.
func (w *world) followCertificationLink() error { return w.followLogin("") }

// drawAbsentSIREN draws a Luhn-valid SIREN of the range the synthetic
// register leaves out (999…), the scenario's own: an injected fault on it
// concerns no other scenario.
func (r *registerState) drawAbsentSIREN() error {
	prefix := fixtures.AbsentPrefix + randomDigits(8-len(fixtures.AbsentPrefix))
	r.siren = prefix + string(insee.LuhnKey(prefix))
	return nil
}

// failNextRegisterRead makes INSEE answer 503 to ProConnect's next read of
// a company: the certification request cannot know then whether it exists.
func (w *world) failNextRegisterRead(siren string) error {
	if err := w.needControl("injecte une panne du registre"); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"path": "/api-sirene/prive/3.11/siren/" + w.expand(siren), "status": 503, "count": 1,
		"body": `{"header":{"statut":503,"message":"Service indisponible"}}`})
	if err := w.call(http.MethodPost, w.env.sireneURL+"/__sandbox/faults", map[string]string{"Content-Type": "application/json"}, b); err != nil {
		return err
	}
	if w.http.last.status >= 300 {
		return fmt.Errorf("le registre a refusé la panne : %d %s", w.http.last.status, w.http.last.body)
	}
	return nil
}

// checkNoFranceConnectExchange reads FranceConnect's journal for this
// scenario's requests (the browser and the core tag theirs): none.
func (w *world) checkNoFranceConnectExchange() error {
	if err := w.needControl("lit le journal de FranceConnect"); err != nil {
		return err
	}
	n, err := w.fcExchanges()
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("FranceConnect a reçu %d requête(s) pendant le scénario, aucune attendue : la personne n'aurait pas dû y être envoyée", n)
	}
	return nil
}

// fcExchanges counts FranceConnect's journalled exchanges of this scenario.
func (w *world) fcExchanges() (int, error) {
	e, err := w.controlAt(w.env.fcURL, http.MethodGet, "/journal?limit=4096&scenario="+url.QueryEscape(w.trace), nil)
	if err != nil {
		return 0, err
	}
	if e.status != http.StatusOK {
		return 0, fmt.Errorf("journal de FranceConnect : %s", e.describe())
	}
	var out struct{ Entries []json.RawMessage }
	if err := json.Unmarshal(e.body, &out); err != nil {
		return 0, fmt.Errorf("journal de FranceConnect : %w", err)
	}
	return len(out.Entries), nil
}

// checkUnknownCompanyPage: the start page ended on a page of the portal
// (2xx or 4xx) that says the company is not found, without the browser
// going through ProConnect's login or FranceConnect; with the control
// API, FranceConnect's journal confirms it.
func (w *world) checkUnknownCompanyPage() error {
	last := w.http.last
	if last == nil {
		return errors.New("la page de démarrage n'a pas été ouverte")
	}
	for _, u := range w.http.browser.chain {
		if w.env.fcURL != "" && strings.HasPrefix(u.String(), w.env.fcURL) {
			return w.portalErr(fmt.Errorf("le navigateur est passé par FranceConnect (%s) pour une entreprise que le répertoire SIRENE ne connaît pas", redacted(u)))
		}
	}
	if w.portal.certID != "" {
		return w.portalErr(fmt.Errorf("le navigateur est passé par le lien de connexion de ProConnect (certification %s) : ProConnect refuse pourtant ce SIREN (422 company-not-found)", w.portal.certID))
	}
	if last.status >= 500 || last.isRedirect() {
		return w.portalErr(fmt.Errorf("le portail devait afficher une page (2xx ou 4xx) disant que l'entreprise est introuvable ; réponse : %s", last.describe()))
	}
	if text := strings.ToLower(visibleText(last.body, 4000)); !strings.Contains(text, "introuvable") && !strings.Contains(text, "inconnu") {
		return w.portalErr(fmt.Errorf("la page du portail ne dit pas que l'entreprise est introuvable (la suite cherche « introuvable » ou « inconnu(e) ») : %s", last.describe()))
	}
	if w.env.control && !w.env.noControl[baseOf(w.env.fcURL)] && w.env.fcURL != "" {
		n, err := w.fcExchanges()
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("FranceConnect a reçu %d requête(s) pendant le scénario, aucune attendue", n)
		}
	}
	return nil
}
