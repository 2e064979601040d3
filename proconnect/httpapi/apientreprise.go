package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// API Entreprise's tracking parameters the core sends by default: the
// framework of the call, and the SIRET of the administration the data is
// for (DINUM's, which runs ProConnect).
const (
	defaultAPIEntrepriseContext   = "ProConnect"
	defaultAPIEntrepriseRecipient = "13002526500013"
)

// apiEntrepriseClient reads Infogreffe's mandataires sociaux through API
// Entreprise: the register ProConnect falls back to when the RNE fails.
type apiEntrepriseClient struct {
	base, token, context, recipient string
	http                            *http.Client
}

func newAPIEntrepriseClient(cfg Config) *apiEntrepriseClient {
	if cfg.APIEntrepriseURL == "" {
		return nil
	}
	c := &apiEntrepriseClient{base: strings.TrimRight(cfg.APIEntrepriseURL, "/"), token: cfg.APIEntrepriseToken,
		context: cfg.APIEntrepriseContext, recipient: cfg.APIEntrepriseRecipient, http: cfg.HTTPClient}
	if c.context == "" {
		c.context = defaultAPIEntrepriseContext
	}
	if c.recipient == "" {
		c.recipient = defaultAPIEntrepriseRecipient
	}
	return c
}

type mandatairesAnswer struct {
	Data []struct {
		Data struct {
			Type      string `json:"type"`
			Fonction  string `json:"fonction"`
			Nom       string `json:"nom"`
			Prenom    string `json:"prenom"`
			Timestamp *int64 `json:"date_naissance_timestamp"`
			CodePays  string `json:"code_pays_naissance"`
		} `json:"data"`
	} `json:"data"`
}

// mandataires returns the natural persons among a company's mandataires
// sociaux, read as ProConnect reads them: the given names are Infogreffe's
// one string (its first word is the first name), the birthdate comes from
// date_naissance_timestamp (milliseconds, UTC), the country from its ISO
// alpha-2 code; Infogreffe gives no gender and no commune of birth, so
// both stay unknown. Any answer but 200 is an error (ErrUnavailable):
// nothing is behind this fallback.
func (a *apiEntrepriseClient) mandataires(ctx context.Context, siren string) ([]proconnect.Person, error) {
	q := url.Values{"context": {a.context}, "recipient": {a.recipient}, "object": {"findMandatairesSociauxBySiren"}}
	u := a.base + "/v3/infogreffe/rcs/unites_legales/" + url.PathEscape(siren) + "/mandataires_sociaux?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: API Entreprise: %v", proconnect.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil, fmt.Errorf("%w: API Entreprise answered %d", proconnect.ErrUnavailable, resp.StatusCode)
	}
	var doc mandatairesAnswer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: API Entreprise: unreadable answer: %v", proconnect.ErrUnavailable, err)
	}
	var out []proconnect.Person
	for _, item := range doc.Data {
		d := item.Data
		if d.Type != "personne_physique" {
			continue
		}
		p := proconnect.Person{FamilyName: d.Nom, GivenNames: strings.Fields(d.Prenom), Role: d.Fonction}
		if d.Timestamp != nil {
			p.Birthdate = time.UnixMilli(*d.Timestamp).UTC().Format(time.DateOnly)
		}
		if c, ok := insee.CountryByISO2(strings.ToUpper(d.CodePays)); ok {
			p.Birthcountry = c.INSEE
		}
		out = append(out, p)
	}
	return out, nil
}
