package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cucumber/godog"
)

// The registre suite's API Entreprise scenarios (the fallback register:
// Infogreffe's mandataires sociaux and INSEE's legal unit), and the
// proconnect suite's RNE outage that sends the core there.

// demoAPIEntrepriseToken is the API Entreprise mock's token
// (docs/bac-a-sable.md, « Valeurs de démonstration »).
const demoAPIEntrepriseToken = "sandbox-api-entreprise-token"

// apieParams are API Entreprise's mandatory parameters, as ProConnect
// sends them.
var apieParams = url.Values{"context": {"ProConnect"}, "recipient": {"13002526500013"}, "object": {"findMandatairesSociauxBySiren"}}

// registerAPIEntreprise binds the API Entreprise steps to w.
func registerAPIEntreprise(reg *stepRegistry, w *world) {
	reg.step(`^on interroge API Entreprise "([^"]*)"$`, w.queryAPIEntreprise)
	reg.step(`^on interroge API Entreprise "([^"]*)" sans jeton$`, w.queryAPIEntrepriseWithoutToken)
	reg.step(`^on interroge API Entreprise "([^"]*)" avec le jeton "([^"]*)"$`, w.queryAPIEntrepriseWithToken)
	reg.step(`^on interroge API Entreprise "([^"]*)" sans le paramètre "(context|recipient|object)"$`, w.queryAPIEntrepriseWithout)
	reg.step(`^les mandataires sociaux sont les dirigeants personnes physiques lus au RNE$`, w.checkMandatairesAreRNEDirigeants)
	reg.step(`^le RNE est indisponible pour l'entreprise "([^"]*)"$`, w.failRNEFor)
	reg.step(`^ProConnect a lu les mandataires sociaux de l'entreprise "([^"]*)" à API Entreprise$`, w.checkReadAtAPIEntreprise)
}

// needAPIEntreprise makes a scenario not applicable when the run has no
// API Entreprise URL (a target given by URLs without --apientreprise-url).
func (w *world) needAPIEntreprise() error {
	if w.env.apieURL != "" {
		return nil
	}
	w.env.notApplicable(w.name, "il faut API Entreprise : donnez son URL (--apientreprise-url)")
	return godog.ErrSkip
}

// getAPIEntreprise calls API Entreprise with the token (none when "") and
// the mandatory parameters but those left out.
func (w *world) getAPIEntreprise(path, token string, without string) error {
	if err := w.needAPIEntreprise(); err != nil {
		return err
	}
	q := url.Values{}
	for k, v := range apieParams {
		if k != without {
			q[k] = v
		}
	}
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return w.call(http.MethodGet, w.env.apieURL+w.expand(path)+"?"+q.Encode(), h, nil)
}

func (w *world) queryAPIEntreprise(path string) error {
	return w.getAPIEntreprise(path, demoAPIEntrepriseToken, "")
}

func (w *world) queryAPIEntrepriseWithoutToken(path string) error {
	return w.getAPIEntreprise(path, "", "")
}

func (w *world) queryAPIEntrepriseWithToken(path, token string) error {
	return w.getAPIEntreprise(path, token, "")
}

func (w *world) queryAPIEntrepriseWithout(path, param string) error {
	return w.getAPIEntreprise(path, demoAPIEntrepriseToken, param)
}

// failRNEFor makes the RNE answer 503 for a company, through the register
// mock's faults; INSEE keeps answering.
func (w *world) failRNEFor(siren string) error {
	if err := w.needControl("injecte une panne du RNE"); err != nil {
		return err
	}
	if err := w.needAPIEntreprise(); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"path": "/api/companies/" + w.expand(siren), "status": 503, "count": 3,
		"body": `{"code":"503","errorCode":"service_unavailable","message":"Service indisponible","type":"unavailable"}`})
	if err := w.call(http.MethodPost, w.env.sireneURL+"/__sandbox/faults", map[string]string{"Content-Type": "application/json"}, b); err != nil {
		return err
	}
	if w.http.last.status >= 300 {
		return fmt.Errorf("le registre a refusé la panne : %d %s", w.http.last.status, w.http.last.body)
	}
	return nil
}

// checkReadAtAPIEntreprise checks, in API Entreprise's journal, that the
// company's mandataires sociaux were read and answered.
func (w *world) checkReadAtAPIEntreprise(siren string) error {
	if err := w.needControl("lit le journal d'API Entreprise"); err != nil {
		return err
	}
	entries, err := w.journal(w.env.apieURL, 0)
	if err != nil {
		return err
	}
	want := "/v3/infogreffe/rcs/unites_legales/" + w.expand(siren) + "/mandataires_sociaux"
	for _, e := range entries {
		if e.Path == want {
			if e.Status != http.StatusOK {
				return fmt.Errorf("API Entreprise a répondu %d à %s", e.Status, want)
			}
			if !strings.Contains(e.Query, "object=") {
				return fmt.Errorf("ProConnect a appelé %s sans object", want)
			}
			return nil
		}
	}
	return fmt.Errorf("le journal d'API Entreprise n'a pas %s", want)
}

// checkMandatairesAreRNEDirigeants compares the last API Entreprise answer
// with the RNE company read before it: the same active natural persons,
// in the same order, with the same names and birthdates.
func (w *world) checkMandatairesAreRNEDirigeants() error {
	var apie struct {
		Data []struct {
			Data struct {
				Type          string `json:"type"`
				Nom           string `json:"nom"`
				Prenom        string `json:"prenom"`
				DateNaissance string `json:"date_naissance"`
			} `json:"data"`
		} `json:"data"`
	}
	if err := json.Unmarshal(w.http.last.body, &apie); err != nil {
		return fmt.Errorf("la réponse d'API Entreprise : %w", err)
	}
	var rne struct {
		Formality struct {
			Content struct {
				PersonneMorale struct {
					Composition struct {
						Pouvoirs []struct {
							TypeDePersonne string `json:"typeDePersonne"`
							Actif          *bool  `json:"actif"`
							Individu       struct {
								Desc struct {
									Nom     string   `json:"nom"`
									Prenoms []string `json:"prenoms"`
									Date    string   `json:"dateDeNaissance"`
								} `json:"descriptionPersonne"`
							} `json:"individu"`
						} `json:"pouvoirs"`
					} `json:"composition"`
				} `json:"personneMorale"`
			} `json:"content"`
		} `json:"formality"`
	}
	b, _ := json.Marshal(w.register.rneDoc)
	if err := json.Unmarshal(b, &rne); err != nil {
		return fmt.Errorf("l'entreprise au RNE : %w", err)
	}
	var want, got []string
	for _, p := range rne.Formality.Content.PersonneMorale.Composition.Pouvoirs {
		if p.TypeDePersonne == "INDIVIDU" && (p.Actif == nil || *p.Actif) {
			d := p.Individu.Desc
			want = append(want, d.Nom+"|"+strings.Join(d.Prenoms, " ")+"|"+d.Date)
		}
	}
	for _, m := range apie.Data {
		if m.Data.Type == "personne_physique" {
			got = append(got, m.Data.Nom+"|"+m.Data.Prenom+"|"+m.Data.DateNaissance)
		}
	}
	if len(want) == 0 || strings.Join(want, ";") != strings.Join(got, ";") {
		return fmt.Errorf("API Entreprise liste %q, le RNE %q", got, want)
	}
	return nil
}
