package proconnect

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestCommuneTable samples the embedded table against INSEE's history: rows
// checked one by one, and the kinds of codes the table does not carry.
func TestCommuneTable(t *testing.T) {
	m, err := parseCommunes(communesCSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 4285 {
		t.Errorf("%d pairs, want 4285 (regenerate with internal/gencommunes, and update this count deliberately)", len(m))
	}
	for _, want := range []string{"@etalab/decoupage-administratif@6.0.0", "Code officiel geographique 2026", "Licence Ouverte"} {
		if !strings.Contains(communesCSV, want) {
			t.Errorf("header does not name %q", want)
		}
	}
	code := regexp.MustCompile(`^[0-9][0-9AB][0-9]{3}$`)
	for old, cur := range m {
		if !code.MatchString(old) || !code.MatchString(cur) {
			t.Errorf("%s -> %s: not commune codes", old, cur)
		}
		if next, chained := m[cur]; chained {
			t.Errorf("%s -> %s -> %s: the table must give current communes", old, cur, next)
		}
	}
	for old, want := range map[string]string{
		"75050": "92050", // Nanterre, 1968 Seine code
		"75001": "94002", // Alfortville, 1968 Seine code
		"01340": "01015", // Arboys en Bugey, commune nouvelle
		"74011": "74010", // Annecy, 2017
		"74093": "74010",
		"50173": "50129", // Cherbourg-en-Cotentin, 2016
		"20001": "2A001", // Afa, Corsica split of 1976
		"20004": "2A004", // Ajaccio
		"75101": "75056", // Paris 1er
		"75120": "75056",
		"69381": "69123", // Lyon 1er
		"13201": "13055", // Marseille 1er
		"14010": "14654", // merged twice: the current commune, not the intermediate 14624
		"14624": "14654",
		// Not former codes: unchanged.
		"75056": "75056",
		"13001": "13001",
		"2A004": "2A004",
		"":      "",
		// Outside what the table covers (docs/api-proconnect.md): a scission,
		// a pre-1946 overseas code, an old country code.
		"13085": "13085",
		"97251": "97251",
		"99704": "99704",
	} {
		if got := CurrentCOG(old); got != want {
			t.Errorf("CurrentCOG(%q) = %q, want %q", old, got, want)
		}
	}
}

func TestParseCommunesRefusesBadData(t *testing.T) {
	for name, data := range map[string]string{
		"no header":  "74011,74010\n",
		"bad header": "a,b\n74011,74010\n",
		"short code": "old,new\n7401,74010\n",
		"identity":   "old,new\n74010,74010\n",
		"twice":      "old,new\n74011,74010\n74011,74010\n",
	} {
		if _, err := parseCommunes(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	m, err := parseCommunes("# c\nold,new\n74011,74010\n")
	if err != nil || !reflect.DeepEqual(m, map[string]string{"74011": "74010"}) {
		t.Errorf("parseCommunes = %v, %v", m, err)
	}
}

// TestCoveredCategories: exactly ProConnect's list, not a rule on the first
// digit.
func TestCoveredCategories(t *testing.T) {
	if n := len(coveredCategories()); n != 148 {
		t.Errorf("%d covered categories, want 148", n)
	}
	for code, want := range map[string]bool{
		"1000":  true,  // entrepreneur individuel
		"3110":  true,  // foreign state agency registered at the RCS
		"3120":  true,  // foreign company registered at the RCS
		"3220":  true,  // foreign company not registered at the RCS
		"4140":  true,  // local public industrial or commercial body
		"5202":  true,  // SNC
		"5499":  true,  // SARL
		"5599":  true,  // SA
		"5710":  true,  // SAS
		"6220":  true,  // GIE
		"6540":  true,  // SCI
		"6901":  true,  // other private persons registered at the RCS
		"8250":  true,  // mutual agricultural insurance
		"1100":  false, // a 1xxx code that is not 1000
		"5498":  false, // single-member SARL code, not in the list
		"5720":  false, // single-member SAS code, not in the list
		"6999":  false,
		"7210":  false, // commune
		"9220":  false, // association déclarée
		"":      false,
		"57":    false,
		" 5710": false,
	} {
		if got := Covered(code); got != want {
			t.Errorf("Covered(%q) = %v, want %v", code, got, want)
		}
	}
}

// TestDecideTieTakesFirst: on equal points the first candidate in register
// order decides (its mismatches are the ones reported).
func TestDecideTieTakesFirst(t *testing.T) {
	first := Person{FamilyName: "DUBOIS", GivenNames: []string{"CLAIRE"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "75107", Role: "73"}
	second := Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "male", Birthdate: "1962-08-24", Birthplace: "75107", Role: "53"}
	d := Decide(angela, Company{Found: true, LegalCategory: "5710", Candidates: []Person{first, second}})
	if d.Outcome != OutcomeCloseMatch || d.Dirigeant == nil || d.Dirigeant.Role != "73" || !reflect.DeepEqual(d.Mismatches, []string{CriterionGivenName}) {
		t.Fatalf("Decide = %+v", d)
	}
}
