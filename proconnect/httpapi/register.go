package httpapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// registerClient reads the register: INSEE Sirene (private API, for the
// birth data of entrepreneurs individuels, with an OAuth2 bearer token) for
// the unit, and the RNE for its dirigeants. It is the core's
// proconnect.Register.
type registerClient struct {
	base, user, password string
	http                 *http.Client
	insee                *inseeAuth

	apie *apiEntrepriseClient // the fallback when the RNE fails; nil: none
	log  *slog.Logger
}

var _ proconnect.Register = (*registerClient)(nil)

func newRegisterClient(cfg Config) *registerClient {
	tokenURL := cfg.INSEETokenURL
	if tokenURL == "" {
		tokenURL = strings.TrimRight(cfg.SireneURL, "/") + inseeTokenPath
	}
	return &registerClient{base: cfg.SireneURL, user: cfg.RNEUser, password: cfg.RNEPassword, http: cfg.HTTPClient,
		insee: newINSEEAuth(tokenURL, cfg.INSEEClientID, cfg.INSEEClientSecret, cfg.INSEEUser, cfg.INSEEPassword, cfg.HTTPClient),
		apie:  newAPIEntrepriseClient(cfg), log: cmp.Or(cfg.Logger, slog.New(slog.DiscardHandler))}
}

type inseeUnit struct {
	UniteLegale struct {
		Siren         string  `json:"siren"`
		Sexe          *string `json:"sexeUniteLegale"`
		Prenom1       *string `json:"prenom1UniteLegale"`
		Prenom2       *string `json:"prenom2UniteLegale"`
		Prenom3       *string `json:"prenom3UniteLegale"`
		Prenom4       *string `json:"prenom4UniteLegale"`
		DateNaissance *string `json:"dateNaissanceUniteLegale"`
		CommuneNaiss  *string `json:"codeCommuneNaissanceUniteLegale"`
		PaysNaiss     *string `json:"codePaysNaissanceUniteLegale"`
		Periodes      []struct {
			DateFin      *string `json:"dateFin"`
			Etat         string  `json:"etatAdministratifUniteLegale"`
			Nom          *string `json:"nomUniteLegale"`
			Denomination *string `json:"denominationUniteLegale"`
			Categorie    string  `json:"categorieJuridiqueUniteLegale"`
		} `json:"periodesUniteLegale"`
	} `json:"uniteLegale"`
}

func deref(s *string) string {
	if s == nil || *s == "[ND]" {
		return ""
	}
	return *s
}

// Company implements proconnect.Register.
func (r *registerClient) Company(ctx context.Context, siren string) (proconnect.Company, error) {
	c := proconnect.Company{SIREN: siren}
	var unit inseeUnit
	status, err := r.inseeUnit(ctx, siren, &unit)
	switch {
	case err != nil:
		return c, err
	case status == http.StatusNotFound:
		return c, nil
	case status == http.StatusUnauthorized:
		return c, fmt.Errorf("%w: INSEE refused a fresh token", proconnect.ErrUnavailable)
	case status != http.StatusOK:
		return c, fmt.Errorf("%w: INSEE answered %d", proconnect.ErrUnavailable, status)
	}
	u := unit.UniteLegale
	c.Found = true
	for _, p := range u.Periodes {
		if p.DateFin == nil {
			c.Ceased = p.Etat == "C"
			c.LegalCategory = p.Categorie
			c.Name = deref(p.Denomination)
			if c.Name == "" {
				c.Name = deref(p.Nom)
			}
			if c.LegalCategory == "1000" {
				c.Candidates = []proconnect.Person{eiPerson(u.Sexe, []*string{u.Prenom1, u.Prenom2, u.Prenom3, u.Prenom4},
					deref(p.Nom), deref(u.DateNaissance), deref(u.CommuneNaiss), deref(u.PaysNaiss))}
			}
			break
		}
	}
	if c.Ceased || c.LegalCategory == "1000" || !proconnect.Covered(c.LegalCategory) {
		return c, nil
	}
	people, err := r.mandataires(ctx, siren)
	if err != nil {
		return c, err
	}
	c.Candidates = people
	return c, nil
}

// inseeUnit reads a legal unit on INSEE's private API with the bearer
// token; a 401 (the token expired or was revoked before its time) drops the
// token and tries once more with a new one.
func (r *registerClient) inseeUnit(ctx context.Context, siren string, unit *inseeUnit) (int, error) {
	for attempt := 0; ; attempt++ {
		tok, gen, err := r.insee.token()
		if err != nil {
			return 0, err
		}
		status, err := r.getJSON(ctx, "/api-sirene/prive/3.11/siren/"+siren, map[string]string{"Authorization": "Bearer " + tok}, unit)
		if err != nil || status != http.StatusUnauthorized || attempt > 0 {
			return status, err
		}
		r.insee.invalidate(gen)
	}
}

func eiPerson(sexe *string, prenoms []*string, nom, naissance, commune, pays string) proconnect.Person {
	p := proconnect.Person{FamilyName: nom, Gender: map[string]string{"M": "male", "F": "female"}[deref(sexe)], Role: "entrepreneur individuel"}
	for _, x := range prenoms {
		if v := deref(x); v != "" {
			p.GivenNames = append(p.GivenNames, v)
		}
	}
	if len(naissance) == 8 { // AAAAMMJJ
		p.Birthdate = naissance[:4] + "-" + naissance[4:6] + "-" + naissance[6:]
	}
	if pays != "" {
		p.Birthcountry = pays
	} else {
		p.Birthplace, p.Birthcountry = commune, proconnect.FranceCountryCode
	}
	return p
}

type rneCompany struct {
	Formality struct {
		Content struct {
			PersonneMorale struct {
				Composition struct {
					Pouvoirs []struct {
						TypeDePersonne string `json:"typeDePersonne"`
						Actif          *bool  `json:"actif"`
						Role           string `json:"roleEntreprise"`
						Individu       *struct {
							Desc struct {
								Nom           string   `json:"nom"`
								Prenoms       []string `json:"prenoms"`
								Genre         string   `json:"genre"`
								Date          string   `json:"dateDeNaissance"`
								CodeInsee     string   `json:"codeInseeGeographique"`
								CodePostal    string   `json:"codePostalNaissance"`
								CodePays      string   `json:"codePaysNaissance"`
								PaysNaissance string   `json:"paysNaissance"`
							} `json:"descriptionPersonne"`
						} `json:"individu"`
					} `json:"pouvoirs"`
				} `json:"composition"`
			} `json:"personneMorale"`
		} `json:"content"`
	} `json:"formality"`
}

// errRNENotFound is the RNE's 404 for a company.
var errRNENotFound = errors.New("RNE answered 404")

// mandataires returns the company's natural-person dirigeants: the RNE's
// and, when the RNE fails in any way (a 404 included), API Entreprise's,
// as ProConnect does. An RNE that answers without any dirigeant is no
// failure. Without API Entreprise, an RNE 404 means no dirigeant.
func (r *registerClient) mandataires(ctx context.Context, siren string) ([]proconnect.Person, error) {
	people, err := r.dirigeants(ctx, siren)
	switch {
	case err == nil:
		return people, nil
	case r.apie == nil && errors.Is(err, errRNENotFound):
		return nil, nil
	case r.apie == nil:
		return nil, err
	}
	r.log.Info("the RNE failed: reading the mandataires sociaux at API Entreprise", "siren", siren, "rne_error", err.Error())
	return r.apie.mandataires(ctx, siren)
}

// dirigeants returns the RNE's active natural-person dirigeants (actif
// absent means active: only false removes a pouvoir).
func (r *registerClient) dirigeants(ctx context.Context, siren string) ([]proconnect.Person, error) {
	var doc rneCompany
	for attempt := 0; attempt < 2; attempt++ {
		tok, err := r.session(ctx)
		if err != nil {
			return nil, err
		}
		status, err := r.getJSON(ctx, "/api/companies/"+siren, map[string]string{"Authorization": "Bearer " + tok}, &doc)
		switch {
		case err != nil:
			return nil, err
		case status == http.StatusUnauthorized:
			continue // the session expired: log in again once
		case status == http.StatusNotFound:
			return nil, errRNENotFound
		case status != http.StatusOK:
			return nil, fmt.Errorf("%w: RNE answered %d", proconnect.ErrUnavailable, status)
		}
		var out []proconnect.Person
		for _, p := range doc.Formality.Content.PersonneMorale.Composition.Pouvoirs {
			if p.TypeDePersonne != "INDIVIDU" || p.Individu == nil || (p.Actif != nil && !*p.Actif) {
				continue
			}
			d := p.Individu.Desc
			person := proconnect.Person{FamilyName: d.Nom, GivenNames: d.Prenoms, Gender: map[string]string{"1": "male", "2": "female"}[d.Genre],
				Birthdate: d.Date, Role: p.Role}
			if c, ok := insee.CountryByISO3(d.CodePays); ok {
				person.Birthcountry = c.INSEE
			}
			person.Birthplace = rneBirthplace(d.CodePostal, d.CodeInsee)
			out = append(out, person)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: RNE refused the session", proconnect.ErrUnavailable)
}

// reCOGCommune is a well-formed commune code of the COG: five digits, or
// 2A/2B and three digits for Corsica.
var reCOGCommune = regexp.MustCompile(`^(\d{5}|2[AB]\d{3})$`)

// rneBirthplace is the birthplace the RNE gives, as ProConnect reads it:
// codeInseeGeographique only when the form also has a codePostalNaissance
// (a commune code without its postal code is not trusted), the code is
// well formed, and it is not a country code (99xxx). Otherwise "" (unknown,
// which the matching forgives). The country of birth is not cross-checked.
func rneBirthplace(postal, code string) string {
	if postal == "" || !reCOGCommune.MatchString(code) || strings.HasPrefix(code, "99") {
		return ""
	}
	return code
}

// session logs in to the RNE and returns a fresh token: ProConnect logs in
// before every RNE request and keeps no session, so a login the RNE refuses
// fails the lookup at once, here as there.
func (r *registerClient) session(ctx context.Context) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": r.user, "password": r.password})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.base+"/api/sso/login", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: RNE login: %v", proconnect.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out) != nil || out.Token == "" {
		return "", fmt.Errorf("%w: RNE login answered %d", proconnect.ErrUnavailable, resp.StatusCode)
	}
	return out.Token, nil
}

func (r *registerClient) getJSON(ctx context.Context, path string, header map[string]string, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+path, nil)
	if err != nil {
		return 0, err
	}
	for k, val := range header {
		req.Header.Set(k, val)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", proconnect.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v); err != nil {
			return 0, fmt.Errorf("%w: unreadable answer from %s: %v", proconnect.ErrUnavailable, path, err)
		}
	} else {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	}
	return resp.StatusCode, nil
}

// ContactEmail implements proconnect.ContactRegister.
func (r *registerClient) ContactEmail(ctx context.Context, siren string) (string, time.Time, error) {
	var out struct {
		ContactEmail string    `json:"contact_email"`
		UpdatedAt    time.Time `json:"updated_at"`
	}
	for attempt := 0; attempt < 2; attempt++ {
		tok, err := r.session(ctx)
		if err != nil {
			return "", time.Time{}, err
		}
		status, err := r.getJSON(ctx, "/api/companies/"+siren+"/contact-email", map[string]string{"Authorization": "Bearer " + tok}, &out)
		switch {
		case err != nil:
			return "", time.Time{}, err
		case status == http.StatusUnauthorized:
			continue
		case status == http.StatusNotFound:
			return "", time.Time{}, proconnect.ErrNotFound
		case status != http.StatusOK:
			return "", time.Time{}, fmt.Errorf("%w: the register answered %d", proconnect.ErrUnavailable, status)
		}
		return out.ContactEmail, out.UpdatedAt, nil
	}
	return "", time.Time{}, fmt.Errorf("%w: RNE refused the session", proconnect.ErrUnavailable)
}

// SetContactEmail implements proconnect.ContactRegister.
func (r *registerClient) SetContactEmail(ctx context.Context, siren, email string) error {
	body, _ := json.Marshal(map[string]string{"contact_email": email})
	for attempt := 0; attempt < 2; attempt++ {
		tok, err := r.session(ctx)
		if err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, r.base+"/api/companies/"+siren+"/contact-email", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := r.http.Do(req)
		if err != nil {
			return fmt.Errorf("%w: %v", proconnect.ErrUnavailable, err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusUnauthorized:
			continue
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("%w: the register answered %d", proconnect.ErrUnavailable, resp.StatusCode)
		}
		return nil
	}
	return fmt.Errorf("%w: RNE refused the session", proconnect.ErrUnavailable)
}
