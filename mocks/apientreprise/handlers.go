package apientreprise

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
)

// apiError is one member of API Entreprise's error list (schema Error):
// {"errors":[{"code","title","detail",…}]}.
type apiError struct {
	Code   string         `json:"code"`
	Title  string         `json:"title"`
	Detail string         `json:"detail"`
	Source map[string]any `json:"source,omitempty"`
	Meta   map[string]any `json:"meta,omitempty"`
}

func writeErrors(w http.ResponseWriter, status int, errs ...apiError) {
	writeJSON(w, status, map[string]any{"errors": errs})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// The errors of API Entreprise. The details and titles of 401, 422 and the
// Infogreffe 404 are API Entreprise's; the codes of a missing parameter
// and of a malformed SIREN, and the 401 title, are the sandbox's (not
// found in public sources).
var (
	errToken   = apiError{Code: "00101", Title: "Accès non autorisé", Detail: "Votre token n'est pas valide ou n'est pas renseigné"}
	errNoRoute = apiError{Code: "00404", Title: "Ressource inconnue", Detail: "Aucune route d'API Entreprise ne correspond à cette requête"}
	errSIREN   = apiError{Code: "00301", Title: "Entité non traitable", Detail: "Le numéro de siren n'est pas correctement formatté",
		Source: map[string]any{"parameter": "siren"}}
	errRecipient = apiError{Code: "00210", Title: "Entité non traitable", Detail: "Le paramètre recipient n'est pas un siret valid",
		Source: map[string]any{"parameter": "recipient"}}
	errGreffeNotFound = apiError{Code: "02003", Title: "Entité non trouvée",
		Detail: "Le siren indiqué n'existe pas, n'est pas connu ou ne comporte aucune information pour cet appel.",
		Meta: map[string]any{"provider": "Infogreffe",
			"provider_error": map[string]string{"code": "006", "message": "DOSSIER NON TROUVE DANS LA BASE DE GREFFES"}}}
	errINSEENotFound = apiError{Code: "01003", Title: "Entité non trouvée",
		Detail: "Le siren indiqué n'existe pas, n'est pas connu, est possiblement une entité pour laquelle aucun organisme ne peut avoir accès, ou ne comporte aucune information pour cet appel",
		Meta:   map[string]any{"provider": "INSEE"}}
)

// missingParam is the 422 of a missing mandatory parameter.
func missingParam(name string) apiError {
	return apiError{Code: "00201", Title: "Entité non traitable", Detail: "Le paramètre " + name + " est obligatoire",
		Source: map[string]any{"parameter": name}}
}

// auth requires a known bearer token.
func (m *Mock) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !m.validToken(r.Header.Get("Authorization")) {
			writeErrors(w, http.StatusUnauthorized, errToken)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// mandatoryParams requires recipient (the SIRET of the administration the
// data is for), context and object (why, under 50 characters) on every
// call; all missing ones are listed.
func (m *Mock) mandatoryParams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var errs []apiError
		for _, name := range []string{"context", "object", "recipient"} {
			if strings.TrimSpace(q.Get(name)) == "" {
				errs = append(errs, missingParam(name))
			}
		}
		if rec := q.Get("recipient"); rec != "" && !insee.ValidSIRET(rec) {
			errs = append(errs, errRecipient)
		}
		if len(errs) > 0 {
			writeErrors(w, http.StatusUnprocessableEntity, errs...)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// lookup reads the SIREN of the path: 422 when malformed, notFound when
// no company has it.
func (m *Mock) lookup(w http.ResponseWriter, r *http.Request, notFound apiError) (fixtures.Company, bool) {
	siren := chi.URLParam(r, "siren")
	if len(siren) != 9 || strings.Trim(siren, "0123456789") != "" {
		writeErrors(w, http.StatusUnprocessableEntity, errSIREN)
		return fixtures.Company{}, false
	}
	c, ok, err := m.company(r.Context(), siren)
	if err != nil {
		control.NoteCause(r.Context(), err)
		writeErrors(w, http.StatusBadGateway, errRegister)
		return fixtures.Company{}, false
	}
	if !ok || c.DuplicateOf != "" {
		writeErrors(w, http.StatusNotFound, notFound)
		return fixtures.Company{}, false
	}
	return c, true
}

func envelope(data any) map[string]any {
	return map[string]any{"data": data, "links": map[string]any{}, "meta": map[string]any{}}
}

// uniteLegale serves GET /v3/insee/sirene/unites_legales/{siren}.
func (m *Mock) uniteLegale(w http.ResponseWriter, r *http.Request) {
	c, ok := m.lookup(w, r, errINSEENotFound)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, envelope(unitData(c)))
}

// unitData renders the legal unit (API Entreprise's fields, in its order).
func unitData(c fixtures.Company) any {
	u, cur := c.Unit, c.CurrentPeriod()
	ei := u.CategorieJuridique == "1000"
	typ := "personne_morale"
	if ei {
		typ = "personne_physique"
	}
	prenom := func(i int) *string {
		if !ei || i >= len(u.Prenoms) {
			return nil
		}
		return &u.Prenoms[i]
	}
	var pm, pp any
	if ei {
		pp = map[string]any{"pseudonyme": nil, "prenom_usuel": prenom(0), "prenom_1": prenom(0), "prenom_2": prenom(1),
			"prenom_3": prenom(2), "prenom_4": prenom(3), "nom_usage": orNil(cur.NomUsage), "nom_naissance": orNil(cmp.Or(cur.Nom, u.Nom)),
			"sexe": orNil(u.Sexe)}
		pm = map[string]any{"raison_sociale": nil, "sigle": nil}
	} else {
		pm = map[string]any{"raison_sociale": orNil(cmp.Or(cur.Denomination, u.Denomination)), "sigle": nil}
		pp = map[string]any{"pseudonyme": nil, "prenom_usuel": nil, "prenom_1": nil, "prenom_2": nil, "prenom_3": nil,
			"prenom_4": nil, "nom_usage": nil, "nom_naissance": nil, "sexe": nil}
	}
	status := "diffusible"
	if u.StatutDiffusion == "P" {
		status = "partiellement_diffusible"
	}
	var siret any
	if u.NICSiege != "" {
		siret = c.SIREN + u.NICSiege
	}
	var cessation any
	if cur.Etat == "C" {
		cessation = dayTimestamp(cur.DateDebut)
	}
	return ordered{
		{"siren", c.SIREN}, {"rna", nil}, {"siret_siege_social", siret}, {"type", typ},
		{"personne_morale_attributs", pm}, {"personne_physique_attributs", pp},
		{"categorie_entreprise", nil}, {"status_diffusion", status}, {"diffusable_commercialement", u.StatutDiffusion != "P"},
		{"forme_juridique", map[string]any{"code": u.CategorieJuridique, "libelle": orNil(legalForms[u.CategorieJuridique])}},
		{"activite_principale", map[string]any{"code": orNil(u.ActivitePrincipale), "nomenclature": "NAFRev2"}},
		{"tranche_effectif_salarie", nil}, {"etat_administratif", cmp.Or(cur.Etat, "A")},
		{"economie_sociale_et_solidaire", nil}, {"date_creation", dayTimestamp(u.DateCreation)},
		{"date_cessation", cessation}, {"date_derniere_mise_a_jour", dayTimestamp(cur.DateDebut)},
		{"redirect_from_siren", nil},
	}
}

// mandatairesSociaux serves GET
// /v3/infogreffe/rcs/unites_legales/{siren}/mandataires_sociaux: the
// company's active dirigeants, natural and legal persons.
func (m *Mock) mandatairesSociaux(w http.ResponseWriter, r *http.Request) {
	c, ok := m.lookup(w, r, errGreffeNotFound)
	if !ok {
		return
	}
	if !atGreffe(c) {
		writeErrors(w, http.StatusNotFound, errGreffeNotFound)
		return
	}
	items := []any{}
	pp, pm := 0, 0
	for _, d := range c.Dirigeants {
		if d.Actif != nil && !*d.Actif {
			continue // Infogreffe lists the current mandataires only
		}
		var data any
		if d.Type == "entreprise" {
			pm++
			data = ordered{{"type", "personne_morale"}, {"fonction", fonction(d.Role)}, {"numero_identification", d.SIREN},
				{"raison_sociale", d.Denomination}, {"code_greffe", nil}, {"libelle_greffe", nil}}
		} else {
			pp++
			d = m.set.Resolve(d)
			country, _ := insee.CountryByISO3(d.CodePays)
			data = ordered{{"type", "personne_physique"}, {"fonction", fonction(d.Role)}, {"nom", d.Nom},
				{"prenom", strings.Join(d.Prenoms, " ")}, {"date_naissance", orNil(d.DateNaissance)},
				{"date_naissance_timestamp", birthTimestamp(d.DateNaissance)}, {"lieu_naissance", orNil(d.LieuNaissance)},
				{"pays_naissance", orNil(d.Pays)}, {"code_pays_naissance", orNil(country.ISO2())},
				{"nationalite", nil}, {"code_nationalite", nil}}
		}
		items = append(items, envelope(data))
	}
	h := w.Header()
	h.Set("RateLimit-Limit", "250")
	h.Set("RateLimit-Remaining", "249")
	h.Set("RateLimit-Reset", strconv.FormatInt(m.kit.Clock.Now().Add(time.Minute).Unix(), 10))
	writeJSON(w, http.StatusOK, map[string]any{"data": items,
		"meta":  ordered{{"personnes_physiques_count", pp}, {"personnes_morales_count", pm}, {"count", pp + pm}},
		"links": map[string]any{}})
}

// fonction is the Infogreffe label of an RNE role code.
func fonction(role string) string {
	if f, ok := map[string]string{"73": "PRESIDENT", "30": "GERANT", "53": "DIRECTEUR GENERAL", "51": "PRESIDENT DU CONSEIL D'ADMINISTRATION",
		"65": "DIRECTEUR GENERAL DELEGUE"}[role]; ok {
		return f
	}
	return "MANDATAIRE SOCIAL"
}

// legalForms are the labels of the legal categories the fixtures use.
var legalForms = map[string]string{
	"1000": "Entrepreneur individuel",
	"5498": "SARL unipersonnelle",
	"5499": "Société à responsabilité limitée (sans autre indication)",
	"5599": "SA à conseil d'administration (s.a.i.)",
	"5710": "SAS, société par actions simplifiée",
	"5720": "Société par actions simplifiée à associé unique ou société par actions simplifiée unipersonnelle",
	"9220": "Association déclarée",
}

// dayTimestamp is a YYYY-MM-DD day as seconds since the epoch at UTC
// midnight (API Entreprise's dates of the legal unit); nil when absent.
func dayTimestamp(day string) any {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return nil
	}
	return t.Unix()
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ordered is a JSON object that keeps its keys in API Entreprise's order.
type ordered []struct {
	k string
	v any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(f.k)
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}
