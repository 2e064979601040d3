package sirene

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
)

// INSEE Sirene 3.11 (docs/registre.md; INSEE's OpenAPI description): the
// public API under /api-sirene/3.11 and the private one (birth data of
// natural persons) under /api-sirene/prive/3.11.

const lastProcessed = "2025-01-15T10:30:00.000"

// view says how to render: the caller's rights and the query parameters.
type view struct {
	private  bool            // /prive/: birth data, and nothing masked
	date     string          // only the period covering this date
	champs   map[string]bool // nil: every field
	hideNull bool
}

// inseeError writes INSEE's error body: {"header":{"statut","message"}}.
func inseeError(w http.ResponseWriter, status int, message string) {
	h := object{{"statut", status}, {"message", message}}
	writeObject(w, status, object{{"header", h}}, false)
}

// jsonUTF8 is the Content-Type of every INSEE answer, one slice shared by
// all of them: net/http only reads a header's values, and a handler that
// changes one sets a new slice.
var jsonUTF8 = []string{"application/json;charset=utf-8"}

// query is the request's query parameters; nil, which reads as empty,
// when there are none (a lookup's usual case), rather than a new map.
func query(r *http.Request) url.Values {
	if r.URL.RawQuery == "" {
		return nil
	}
	return r.URL.Query()
}

// buffers recycles encoding buffers: a lookup is a few kilobytes of JSON.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 8192); return &b }}

// writeObject encodes o with its Content-Length, in one write.
func writeObject(w http.ResponseWriter, status int, o object, hideNull bool) {
	bp := buffers.Get().(*[]byte)
	buf := o.appendJSON((*bp)[:0], hideNull)
	h := w.Header()
	h["Content-Type"] = jsonUTF8
	h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	w.WriteHeader(status)
	_, _ = w.Write(buf)
	if cap(buf) <= 1<<20 { // do not keep a huge search answer around
		*bp = buf
		buffers.Put(bp)
	}
}

// Parameters each kind of call takes (INSEE's description); anything else is
// INSEE's 400 ("Nombre incorrect de paramètres ou les paramètres sont mal
// formatés").
var (
	lookupParams = map[string]bool{"date": true, "champs": true, "masquerValeursNulles": true}
	searchParams = map[string]bool{"q": true, "date": true, "champs": true, "masquerValeursNulles": true,
		"facette.champ": true, "tri": true, "nombre": true, "debut": true, "curseur": true}
)

// parseView reads date, champs and masquerValeursNulles; it writes INSEE's
// 400 and returns false for a malformed value or a parameter the call does
// not take.
func parseView(w http.ResponseWriter, q url.Values, private bool, allowed map[string]bool, params map[string]bool) (view, bool) {
	v := view{private: private}
	for k, vals := range q {
		if !params[k] || len(vals) > 1 {
			inseeError(w, http.StatusBadRequest, "Paramètre inconnu ou répété : "+k)
			return v, false
		}
	}
	if d := q.Get("date"); d != "" {
		if !reDay.MatchString(d) {
			inseeError(w, http.StatusBadRequest, "Le paramètre date doit être au format AAAA-MM-JJ : "+d)
			return v, false
		}
		v.date = d
	}
	switch q.Get("masquerValeursNulles") {
	case "", "false":
	case "true":
		v.hideNull = true
	default:
		inseeError(w, http.StatusBadRequest, "Le paramètre masquerValeursNulles doit valoir true ou false")
		return v, false
	}
	if c := q.Get("champs"); c != "" {
		v.champs = map[string]bool{}
		for _, f := range strings.Split(c, ",") {
			f = strings.TrimSpace(f)
			if !allowed[f] {
				inseeError(w, http.StatusBadRequest, "Champ inconnu dans le paramètre champs : "+f)
				return v, false
			}
			v.champs[f] = true
		}
	}
	return v, true
}

// keep filters o by champs (a nested object or list is kept when it keeps
// at least one field).
func (v view) keep(o object) object {
	if v.champs == nil {
		return o
	}
	out := object{}
	for _, f := range o {
		switch x := f.v.(type) {
		case object:
			if k := v.keep(x); len(k) > 0 {
				out = append(out, kv{f.k, k})
			}
		case []object:
			var list []object
			for _, e := range x {
				if k := v.keep(e); len(k) > 0 {
					list = append(list, k)
				}
			}
			if len(list) > 0 {
				out = append(out, kv{f.k, list})
			}
		default:
			if v.champs[f.k] {
				out = append(out, f)
			}
		}
	}
	return out
}

func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// identity is what INSEE knows of an entrepreneur individuel.
type identity struct {
	sexe                              string
	prenoms                           []string
	nom                               string
	naissance, commune, paysNaissance string
}

// eiIdentity returns the natural person behind an EI: the unit's own fields,
// completed from its dirigeant (a persona) when the fixture leaves them out.
func (m *Mock) eiIdentity(c fixtures.Company) identity {
	u := c.Unit
	id := identity{sexe: u.Sexe, prenoms: u.Prenoms, nom: u.Nom, naissance: u.DateNaissance,
		commune: u.CodeCommuneNaiss, paysNaissance: u.CodePaysNaissance}
	if len(c.Dirigeants) > 0 {
		d := m.set.Resolve(c.Dirigeants[0])
		if id.sexe == "" {
			id.sexe = map[string]string{"1": "M", "2": "F"}[d.Genre]
		}
		if len(id.prenoms) == 0 {
			for _, p := range d.Prenoms {
				id.prenoms = append(id.prenoms, strings.ToUpper(p))
			}
		}
		if id.nom == "" {
			id.nom = strings.ToUpper(d.Nom)
		}
		if id.naissance == "" {
			id.naissance = d.DateNaissance
		}
		if id.commune == "" && id.paysNaissance == "" {
			if d.CodePaysINSEE == "99100" || d.CodePaysINSEE == "" {
				id.commune = d.CodeInsee
			} else {
				id.paysNaissance = d.CodePaysINSEE
			}
		}
	}
	return id
}

func isEI(c fixtures.Company) bool { return c.Unit.CategorieJuridique == "1000" }

// uniteLegale renders a legal unit (ReponseUniteLegale.uniteLegale).
func (m *Mock) uniteLegale(c fixtures.Company, v view) object {
	u := c.Unit
	masked := u.StatutDiffusion == "P" && !v.private
	nd := func(s string) any {
		if masked && s != "" {
			return "[ND]"
		}
		return str(s)
	}
	var id identity
	if isEI(c) {
		id = m.eiIdentity(c)
	}
	prenom := func(i int) any {
		if i < len(id.prenoms) {
			return nd(id.prenoms[i])
		}
		return nil
	}
	periods := m.periods(c, v, id, nd)
	o := object{
		{"siren", c.SIREN}, {"statutDiffusionUniteLegale", u.StatutDiffusion}, {"unitePurgeeUniteLegale", nil},
		{"dateCreationUniteLegale", str(u.DateCreation)}, {"sigleUniteLegale", nil}, {"sexeUniteLegale", nd(id.sexe)},
		{"prenom1UniteLegale", prenom(0)}, {"prenom2UniteLegale", prenom(1)}, {"prenom3UniteLegale", prenom(2)},
		{"prenom4UniteLegale", prenom(3)}, {"prenomUsuelUniteLegale", prenom(0)}, {"pseudonymeUniteLegale", nil},
		{"identifiantAssociationUniteLegale", associationID(c)}, {"trancheEffectifsUniteLegale", nil},
		{"anneeEffectifsUniteLegale", nil}, {"dateDernierTraitementUniteLegale", lastProcessed},
		{"nombrePeriodesUniteLegale", len(c.Unit.Periodes)}, {"categorieEntreprise", categorieEntreprise(c)},
		{"anneeCategorieEntreprise", yearIf(categorieEntreprise(c) != nil)},
	}
	if v.private {
		birth := any(nil)
		if id.naissance != "" {
			birth = strings.ReplaceAll(id.naissance, "-", "") // INSEE's private API writes AAAAMMJJ
		}
		o = append(o, kv{"dateNaissanceUniteLegale", birth}, kv{"codeCommuneNaissanceUniteLegale", str(id.commune)},
			kv{"codePaysNaissanceUniteLegale", str(id.paysNaissance)}, kv{"libelleNationaliteUniteLegale", nationality(isEI(c))})
	}
	o = append(o, kv{"periodesUniteLegale", periods})
	return o
}

func associationID(c fixtures.Company) any {
	if strings.HasPrefix(c.Unit.CategorieJuridique, "92") {
		return "W" + c.SIREN[:9] // an RNA number for the sandbox's associations
	}
	return nil
}

func categorieEntreprise(c fixtures.Company) any {
	if isEI(c) || strings.HasPrefix(c.Unit.CategorieJuridique, "9") {
		return nil
	}
	return "PME"
}

func yearIf(ok bool) any {
	if ok {
		return "2022"
	}
	return nil
}

func nationality(ei bool) any {
	if ei {
		return "Française"
	}
	return nil
}

// periods renders periodesUniteLegale, most recent first, with the
// changement* flags computed against the previous period.
func (m *Mock) periods(c fixtures.Company, v view, id identity, nd func(string) any) []object {
	u := c.Unit
	var out []object
	for i, p := range u.Periodes {
		if v.date != "" && !covers(p, v.date) {
			continue
		}
		var prev *fixtures.Period
		if i+1 < len(u.Periodes) {
			prev = &u.Periodes[i+1]
		}
		changed := func(f func(fixtures.Period) string) bool { return prev != nil && f(*prev) != f(p) }
		nom, denomination := any(nil), any(nil)
		if isEI(c) {
			n := p.Nom
			if n == "" {
				n = id.nom
			}
			nom = nd(n)
		} else {
			d := p.Denomination
			if d == "" {
				d = u.Denomination
			}
			denomination = str(d)
		}
		var dateFin any
		if p.DateFin != "" {
			dateFin = p.DateFin
		}
		ess := "N"
		if strings.HasPrefix(u.CategorieJuridique, "92") {
			ess = "O"
		}
		out = append(out, object{
			{"dateFin", dateFin}, {"dateDebut", p.DateDebut},
			{"etatAdministratifUniteLegale", p.Etat}, {"changementEtatAdministratifUniteLegale", changed(func(x fixtures.Period) string { return x.Etat })},
			{"nomUniteLegale", nom}, {"changementNomUniteLegale", changed(func(x fixtures.Period) string { return x.Nom })},
			{"nomUsageUniteLegale", nd(p.NomUsage)}, {"changementNomUsageUniteLegale", changed(func(x fixtures.Period) string { return x.NomUsage })},
			{"denominationUniteLegale", denomination}, {"changementDenominationUniteLegale", changed(func(x fixtures.Period) string { return x.Denomination })},
			{"denominationUsuelle1UniteLegale", nil}, {"denominationUsuelle2UniteLegale", nil}, {"denominationUsuelle3UniteLegale", nil},
			{"changementDenominationUsuelleUniteLegale", false},
			{"categorieJuridiqueUniteLegale", u.CategorieJuridique}, {"changementCategorieJuridiqueUniteLegale", false},
			{"activitePrincipaleUniteLegale", str(u.ActivitePrincipale)}, {"nomenclatureActivitePrincipaleUniteLegale", nafNomenclature(u.ActivitePrincipale)},
			{"changementActivitePrincipaleUniteLegale", false},
			{"nicSiegeUniteLegale", str(u.NICSiege)}, {"changementNicSiegeUniteLegale", false},
			{"economieSocialeSolidaireUniteLegale", ess}, {"changementEconomieSocialeSolidaireUniteLegale", false},
			{"societeMissionUniteLegale", nil}, {"changementSocieteMissionUniteLegale", false},
			{"caractereEmployeurUniteLegale", "N"}, {"changementCaractereEmployeurUniteLegale", false},
		})
	}
	return out
}

func nafNomenclature(naf string) any {
	if naf == "" {
		return nil
	}
	return "NAFRev2"
}

// covers reports whether period p covers day (YYYY-MM-DD).
func covers(p fixtures.Period, day string) bool {
	return p.DateDebut <= day && (p.DateFin == "" || day <= p.DateFin)
}

// current returns the period without an end.
func current(c fixtures.Company) fixtures.Period {
	for _, p := range c.Unit.Periodes {
		if p.DateFin == "" {
			return p
		}
	}
	if len(c.Unit.Periodes) > 0 {
		return c.Unit.Periodes[0]
	}
	return fixtures.Period{DateDebut: c.Unit.DateCreation, Etat: "A", Denomination: c.Unit.Denomination}
}

// lookupSiren serves GET /siren/{siren}.
func (m *Mock) lookupSiren(private bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		siren := pathParam(r, "siren")
		if len(siren) != 9 || !allDigits(siren) {
			inseeError(w, http.StatusBadRequest, "Erreur de syntaxe dans le paramètre siren : "+siren+" (9 chiffres attendus)")
			return
		}
		v, ok := parseView(w, query(r), private, unitFields, lookupParams)
		if !ok {
			return
		}
		if m.serveRenderedUnit(w, siren, v) {
			return
		}
		c, snap, from, ok := m.companySnapshot(siren)
		if !ok {
			inseeError(w, http.StatusNotFound, "Aucun élément trouvé pour le siren "+siren)
			return
		}
		if c.DuplicateOf != "" {
			target := strings.Replace(r.URL.Path, siren, c.DuplicateOf, 1)
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", target)
			inseeError(w, http.StatusMovedPermanently, "Unité légale fermée pour cause de doublon : "+c.DuplicateOf)
			return
		}
		if v.date != "" && (c.Unit.DateCreation != "" && v.date < c.Unit.DateCreation) {
			inseeError(w, http.StatusNotFound, "Aucun élément trouvé pour le siren "+siren+" à la date "+v.date)
			return
		}
		header := object{{"statut", 200}, {"message", "OK"}}
		answer := object{{"header", header}, {"uniteLegale", v.keep(m.uniteLegale(c, v))}}
		if m.keepRenderedUnit(w, siren, v, snap, from, answer) {
			return
		}
		writeObject(w, http.StatusOK, answer, v.hideNull)
	}
}

// etablissement renders the head office of a unit (ReponseEtablissement).
func (m *Mock) etablissement(c fixtures.Company, v view) object {
	u := c.Unit
	cur := current(c)
	var id identity
	if isEI(c) {
		id = m.eiIdentity(c)
	}
	masked := u.StatutDiffusion == "P" && !v.private
	nd := func(s string) any {
		if masked && s != "" {
			return "[ND]"
		}
		return str(s)
	}
	prenom := func(i int) any {
		if i < len(id.prenoms) {
			return nd(id.prenoms[i])
		}
		return nil
	}
	denomination := any(nil)
	if !isEI(c) {
		denomination = str(cur.Denomination)
		if denomination == nil {
			denomination = str(u.Denomination)
		}
	}
	nom := any(nil)
	if isEI(c) {
		nom = nd(id.nom)
	}
	a := m.address(c)
	unit := object{
		{"etatAdministratifUniteLegale", cur.Etat}, {"statutDiffusionUniteLegale", u.StatutDiffusion},
		{"unitePurgeeUniteLegale", nil}, {"dateCreationUniteLegale", str(u.DateCreation)},
		{"categorieJuridiqueUniteLegale", u.CategorieJuridique}, {"denominationUniteLegale", denomination},
		{"sigleUniteLegale", nil}, {"denominationUsuelle1UniteLegale", nil}, {"denominationUsuelle2UniteLegale", nil},
		{"denominationUsuelle3UniteLegale", nil}, {"sexeUniteLegale", nd(id.sexe)}, {"nomUniteLegale", nom},
		{"nomUsageUniteLegale", nil}, {"prenom1UniteLegale", prenom(0)}, {"prenom2UniteLegale", prenom(1)},
		{"prenom3UniteLegale", prenom(2)}, {"prenom4UniteLegale", prenom(3)}, {"prenomUsuelUniteLegale", prenom(0)},
		{"pseudonymeUniteLegale", nil}, {"activitePrincipaleUniteLegale", str(u.ActivitePrincipale)},
		{"nomenclatureActivitePrincipaleUniteLegale", nafNomenclature(u.ActivitePrincipale)},
		{"identifiantAssociationUniteLegale", associationID(c)}, {"economieSocialeSolidaireUniteLegale", "N"},
		{"societeMissionUniteLegale", nil}, {"caractereEmployeurUniteLegale", "N"}, {"trancheEffectifsUniteLegale", nil},
		{"anneeEffectifsUniteLegale", nil}, {"nicSiegeUniteLegale", str(u.NICSiege)},
		{"dateDernierTraitementUniteLegale", lastProcessed}, {"categorieEntreprise", categorieEntreprise(c)},
		{"anneeCategorieEntreprise", yearIf(categorieEntreprise(c) != nil)},
	}
	street := func(s string) any { return nd(s) }
	adresse := object{
		{"complementAdresseEtablissement", nil}, {"numeroVoieEtablissement", street(a.NumeroVoie)},
		{"indiceRepetitionEtablissement", nil}, {"dernierNumeroVoieEtablissement", nil},
		{"indiceRepetitionDernierNumeroVoieEtablissement", nil}, {"typeVoieEtablissement", street(a.TypeVoie)},
		{"libelleVoieEtablissement", street(a.LibelleVoie)}, {"codePostalEtablissement", str(a.CodePostal)},
		{"libelleCommuneEtablissement", str(a.LibelleCommune)}, {"libelleCommuneEtrangerEtablissement", nil},
		{"distributionSpecialeEtablissement", nil}, {"codeCommuneEtablissement", str(a.CodeCommune)},
		{"codeCedexEtablissement", nil}, {"libelleCedexEtablissement", nil}, {"codePaysEtrangerEtablissement", nil},
		{"libellePaysEtrangerEtablissement", nil}, {"identifiantAdresseEtablissement", nil},
		{"coordonneeLambertAbscisseEtablissement", nil}, {"coordonneeLambertOrdonneeEtablissement", nil},
	}
	adresse2 := object{}
	for _, k := range []string{"complementAdresse2Etablissement", "numeroVoie2Etablissement", "indiceRepetition2Etablissement",
		"typeVoie2Etablissement", "libelleVoie2Etablissement", "codePostal2Etablissement", "libelleCommune2Etablissement",
		"libelleCommuneEtranger2Etablissement", "distributionSpeciale2Etablissement", "codeCommune2Etablissement",
		"codeCedex2Etablissement", "libelleCedex2Etablissement", "codePaysEtranger2Etablissement", "libellePaysEtranger2Etablissement"} {
		adresse2 = append(adresse2, kv{k, nil})
	}
	var periods []object
	for i, p := range u.Periodes {
		if v.date != "" && !covers(p, v.date) {
			continue
		}
		e := "A"
		if p.Etat == "C" {
			e = "F"
		}
		changed := i+1 < len(u.Periodes) && u.Periodes[i+1].Etat != p.Etat
		var dateFin any
		if p.DateFin != "" {
			dateFin = p.DateFin
		}
		periods = append(periods, object{
			{"dateFin", dateFin}, {"dateDebut", p.DateDebut}, {"etatAdministratifEtablissement", e},
			{"changementEtatAdministratifEtablissement", changed}, {"enseigne1Etablissement", nil},
			{"enseigne2Etablissement", nil}, {"enseigne3Etablissement", nil}, {"changementEnseigneEtablissement", false},
			{"denominationUsuelleEtablissement", nil}, {"changementDenominationUsuelleEtablissement", false},
			{"activitePrincipaleEtablissement", str(u.ActivitePrincipale)},
			{"nomenclatureActivitePrincipaleEtablissement", nafNomenclature(u.ActivitePrincipale)},
			{"changementActivitePrincipaleEtablissement", false}, {"caractereEmployeurEtablissement", "N"},
			{"changementCaractereEmployeurEtablissement", false},
		})
	}
	return object{
		{"siren", c.SIREN}, {"nic", u.NICSiege}, {"siret", c.SIREN + u.NICSiege},
		{"statutDiffusionEtablissement", u.StatutDiffusion}, {"dateCreationEtablissement", str(u.DateCreation)},
		{"trancheEffectifsEtablissement", nil}, {"anneeEffectifsEtablissement", nil},
		{"activitePrincipaleRegistreMetiersEtablissement", nil}, {"dateDernierTraitementEtablissement", lastProcessed},
		{"etablissementSiege", true}, {"nombrePeriodesEtablissement", len(u.Periodes)},
		{"uniteLegale", unit}, {"adresseEtablissement", adresse}, {"adresse2Etablissement", adresse2},
		{"periodesEtablissement", periods},
	}
}

// address returns the head office address (fixture, or derived).
func (m *Mock) address(c fixtures.Company) fixtures.Adresse {
	if c.Unit.Adresse != nil {
		return *c.Unit.Adresse
	}
	s := fixtures.Synthetic(c.SIREN) // a stable address, even for fixture companies without one
	if s.Unit.Adresse != nil {
		return *s.Unit.Adresse
	}
	return fixtures.Adresse{}
}

// lookupSiret serves GET /siret/{siret}: the head office of the unit.
func (m *Mock) lookupSiret(private bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		siret := pathParam(r, "siret")
		if len(siret) != 14 || !allDigits(siret) {
			inseeError(w, http.StatusBadRequest, "Erreur de syntaxe dans le paramètre siret : "+siret+" (14 chiffres attendus)")
			return
		}
		v, ok := parseView(w, query(r), private, etablissementFieldNames, lookupParams)
		if !ok {
			return
		}
		c, _, ok := m.company(siret[:9])
		if !ok || !insee.ValidSIRET(siret) || c.Unit.NICSiege != siret[9:] || c.DuplicateOf != "" {
			inseeError(w, http.StatusNotFound, "Aucun élément trouvé pour le siret "+siret)
			return
		}
		header := object{{"statut", 200}, {"message", "OK"}}
		writeObject(w, http.StatusOK, object{{"header", header}, {"etablissement", v.keep(m.etablissement(c, v))}}, v.hideNull)
	}
}

// informations serves GET /informations (état des données).
func (m *Mock) informations(w http.ResponseWriter, _ *http.Request) {
	dates := []object{
		{{"collection", "Unités Légales"}, {"dateDerniereMiseADisposition", lastProcessed}, {"dateDernierTraitementMaximum", lastProcessed}, {"dateDernierTraitementDeMasse", "2024-01-01T00:00:00.000"}},
		{{"collection", "Établissements"}, {"dateDerniereMiseADisposition", lastProcessed}, {"dateDernierTraitementMaximum", lastProcessed}, {"dateDernierTraitementDeMasse", "2024-01-01T00:00:00.000"}},
	}
	writeObject(w, http.StatusOK, object{
		{"etatService", "UP"},
		{"etatsDesServices", []object{{{"Collection", "Unités Légales"}, {"etatCollection", "UP"}}, {{"Collection", "Établissements"}, {"etatCollection", "UP"}}}},
		{"versionService", "3.11.sandbox"}, {"journalDesModifications", "https://www.sirene.fr/static-resources/documentation/"},
		{"datesDernieresMisesAJourDesDonnees", dates},
	}, false)
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

var unitFields, etablissementFieldNames = func() (map[string]bool, map[string]bool) {
	unit := map[string]bool{}
	for _, f := range strings.Fields(`siren statutDiffusionUniteLegale unitePurgeeUniteLegale dateCreationUniteLegale
		sigleUniteLegale sexeUniteLegale prenom1UniteLegale prenom2UniteLegale prenom3UniteLegale prenom4UniteLegale
		prenomUsuelUniteLegale pseudonymeUniteLegale identifiantAssociationUniteLegale trancheEffectifsUniteLegale
		anneeEffectifsUniteLegale dateDernierTraitementUniteLegale nombrePeriodesUniteLegale categorieEntreprise
		anneeCategorieEntreprise dateNaissanceUniteLegale codeCommuneNaissanceUniteLegale codePaysNaissanceUniteLegale
		libelleNationaliteUniteLegale dateFin dateDebut etatAdministratifUniteLegale changementEtatAdministratifUniteLegale
		nomUniteLegale changementNomUniteLegale nomUsageUniteLegale changementNomUsageUniteLegale denominationUniteLegale
		changementDenominationUniteLegale denominationUsuelle1UniteLegale denominationUsuelle2UniteLegale
		denominationUsuelle3UniteLegale changementDenominationUsuelleUniteLegale categorieJuridiqueUniteLegale
		changementCategorieJuridiqueUniteLegale activitePrincipaleUniteLegale nomenclatureActivitePrincipaleUniteLegale
		changementActivitePrincipaleUniteLegale nicSiegeUniteLegale changementNicSiegeUniteLegale
		economieSocialeSolidaireUniteLegale changementEconomieSocialeSolidaireUniteLegale societeMissionUniteLegale
		changementSocieteMissionUniteLegale caractereEmployeurUniteLegale changementCaractereEmployeurUniteLegale`) {
		unit[f] = true
	}
	etab := map[string]bool{}
	for _, f := range strings.Fields(`siren nic siret statutDiffusionEtablissement dateCreationEtablissement
		trancheEffectifsEtablissement anneeEffectifsEtablissement activitePrincipaleRegistreMetiersEtablissement
		dateDernierTraitementEtablissement etablissementSiege nombrePeriodesEtablissement etatAdministratifUniteLegale
		statutDiffusionUniteLegale unitePurgeeUniteLegale dateCreationUniteLegale categorieJuridiqueUniteLegale
		denominationUniteLegale sigleUniteLegale sexeUniteLegale nomUniteLegale nomUsageUniteLegale prenom1UniteLegale
		prenomUsuelUniteLegale activitePrincipaleUniteLegale nicSiegeUniteLegale categorieEntreprise
		numeroVoieEtablissement typeVoieEtablissement libelleVoieEtablissement codePostalEtablissement
		libelleCommuneEtablissement codeCommuneEtablissement dateFin dateDebut etatAdministratifEtablissement
		activitePrincipaleEtablissement nomenclatureActivitePrincipaleEtablissement caractereEmployeurEtablissement`) {
		etab[f] = true
	}
	return unit, etab
}()
