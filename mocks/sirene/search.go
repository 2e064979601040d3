package sirene

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// Pagination limits (INSEE: nombre 20 by default).
const (
	defaultNombre = 20
	maxNombre     = 1000
	maxDebut      = 1000
)

// readSearch reads a search's parameters from the query (GET) or the form
// (POST, UniteLegalePostMultiCriteres).
func readSearch(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method == http.MethodGet {
		return r.URL.Query(), true
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		inseeError(w, http.StatusBadRequest, "Le corps de la requête n'est pas un formulaire valide")
		return nil, false
	}
	return r.PostForm, true
}

// pagination reads nombre and debut, and refuses what the sandbox does not
// implement rather than ignoring it silently.
func pagination(w http.ResponseWriter, q url.Values) (nombre, debut int, ok bool) {
	for _, p := range []string{"facette.champ", "curseur"} {
		if q.Get(p) != "" {
			inseeError(w, http.StatusBadRequest, "Le paramètre "+p+" n'est pas pris en charge par le bac à sable")
			return 0, 0, false
		}
	}
	if t := q.Get("tri"); t != "" && t != "siren" && t != "siret" {
		inseeError(w, http.StatusBadRequest, "Le bac à sable ne trie que par siren ou siret : tri="+t)
		return 0, 0, false
	}
	nombre, debut = defaultNombre, 0
	var err error
	if s := q.Get("nombre"); s != "" {
		if nombre, err = strconv.Atoi(s); err != nil || nombre < 0 || nombre > maxNombre {
			inseeError(w, http.StatusBadRequest, "Le paramètre nombre doit être un entier entre 0 et "+strconv.Itoa(maxNombre))
			return 0, 0, false
		}
	}
	if s := q.Get("debut"); s != "" {
		if debut, err = strconv.Atoi(s); err != nil || debut < 0 || debut > maxDebut {
			inseeError(w, http.StatusBadRequest, "Le paramètre debut doit être un entier entre 0 et "+strconv.Itoa(maxDebut))
			return 0, 0, false
		}
	}
	return nombre, debut, true
}

// candidates lists the companies a search looks at: every fixture and
// run-time company, and the synthetic ones the query names exactly.
func (m *Mock) candidates(n node) []fixtures.Company {
	seen := map[string]bool{}
	var out []fixtures.Company
	add := func(siren string) {
		if seen[siren] {
			return
		}
		seen[siren] = true
		if c, _, ok := m.company(siren); ok && c.DuplicateOf == "" {
			out = append(out, c)
		}
	}
	m.runtime.Range(func(k, _ any) bool { add(k.(string)); return true })
	for _, c := range m.set.Companies {
		add(c.SIREN)
	}
	if n != nil {
		for _, s := range exactSirens(n) {
			add(s)
		}
	}
	slices.SortFunc(out, func(a, b fixtures.Company) int {
		switch {
		case a.SIREN < b.SIREN:
			return -1
		case a.SIREN > b.SIREN:
			return 1
		}
		return 0
	})
	return out
}

// flatten turns a rendered object into a record: its scalar members, those
// of its nested objects, and one map per element of its periods list.
func flatten(o object, periodsKey string) record {
	r := record{fixed: map[string]string{}, current: -1}
	var walk func(o object)
	walk = func(o object) {
		for _, f := range o {
			switch x := f.v.(type) {
			case object:
				walk(x)
			case []object:
				if f.k != periodsKey {
					continue
				}
				for i, p := range x {
					pm := map[string]string{}
					for _, pf := range p {
						pm[pf.k] = scalar(pf.v)
					}
					if pm["dateFin"] == "" && r.current < 0 {
						r.current = i
					}
					r.periods = append(r.periods, pm)
				}
			default:
				r.fixed[f.k] = scalar(f.v)
			}
		}
	}
	walk(o)
	for _, p := range r.periods {
		for k := range p {
			delete(r.fixed, k) // a historised variable is searched in periods
		}
	}
	return r
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	}
	return ""
}

// search runs a multicriteria search over units (establishments=false) or
// establishments.
func (m *Mock) search(private, establishments bool) http.HandlerFunc {
	fields, listKey, periodsKey, what := unitFields, "unitesLegales", "periodesUniteLegale", "unités légales"
	if establishments {
		fields, listKey, periodsKey, what = etablissementFieldNames, "etablissements", "periodesEtablissement", "établissements"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		q, ok := readSearch(w, r)
		if !ok {
			return
		}
		v, ok := parseView(w, q, private, fields, searchParams)
		if !ok {
			return
		}
		nombre, debut, ok := pagination(w, q)
		if !ok {
			return
		}
		var n node
		if qs := q.Get("q"); qs != "" {
			var err error
			if n, err = parseQ(qs, fields); err != nil {
				status := http.StatusBadRequest
				var qe qError
				if errors.As(err, &qe) && len(qs) > maxQLength {
					status = http.StatusRequestURITooLong
				}
				inseeError(w, status, err.Error())
				return
			}
		}
		var matched []object
		for _, c := range m.candidates(n) {
			var o object
			if establishments {
				o = m.etablissement(c, v)
			} else {
				o = m.uniteLegale(c, v)
			}
			rec := flatten(o, periodsKey)
			if n == nil || n.eval(rec, rec.current) {
				matched = append(matched, o)
			}
		}
		if len(matched) == 0 {
			inseeError(w, http.StatusNotFound, "Aucun élément trouvé pour les "+what+" recherchées")
			return
		}
		total := len(matched)
		page := matched[min(debut, total):min(debut+nombre, total)]
		list := make([]object, len(page))
		for i, o := range page {
			list[i] = v.keep(o)
		}
		header := object{{"statut", 200}, {"message", "OK"}, {"total", total}, {"debut", debut}, {"nombre", len(list)}}
		writeObject(w, http.StatusOK, object{{"header", header}, {listKey, list}}, v.hideNull)
	}
}
