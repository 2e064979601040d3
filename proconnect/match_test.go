package proconnect

import (
	"reflect"
	"regexp"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Dubois":            "DUBOIS",
		"LÉVÊQUE-D'ARTOIS":  "LEVEQUE D ARTOIS",
		"  Élodie   Anaïs ": "ELODIE ANAIS",
		"Lætitia":           "LAETITIA",
		"Œillet":            "OEILLET",
		"N'DIAYE":           "N DIAYE",
		"Jean-Philippe":     "JEAN PHILIPPE",
		"Jean Philippe":     "JEAN PHILIPPE",
		"":                  "",
		"---":               "",
		"Louis XIV":         "LOUIS XIV",
		"Çà et là":          "CA ET LA",
		"àâäçéèêëîïôöùûüÿ":  "AAACEEEEIIOOUUUY",
		"ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ":  "AAACEEEEIIOOUUUY",
		"Zoë":               "ZOE",
		"l’Hôpital":         "L HOPITAL",
		"Tab\tand\nnewline": "TAB AND NEWLINE",
		// Only the French letters fold; any other becomes a space.
		"García Ñúñez":    "GARC A EZ",
		"NÚÑEZ":           "N EZ",
		"Núñez":           "N EZ",
		"Ångström":        "NGSTROM",
		"Øyvind":          "YVIND",
		"Ìsola":           "SOLA",
		"İlker":           "LKER",
		"José":            "JOSE",
		"Jose\u0301phine": "JOSE PHINE", // decomposed accent: a combining mark
		// JavaScript's toUpperCase (full case mapping), not Go's strings.ToUpper.
		"Strauß":         "STRAUSS",
		"Müller--Straße": "MULLER STRASSE",
		"ﬁn":             "FIN",
		"ﬂeur":           "FLEUR",
		"ǰ":              "J",
		"ı":              "I", // dotless i
		"ſ":              "S", // long s
		"ÿ":              "Y",
		"æ":              "AE",
		"Σοφία":          "",
		"ŉ":              "N",
		"ẖ":              "H",
		"ﬆ":              "ST",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFirstName(t *testing.T) {
	for _, tc := range []struct {
		given []string
		want  string
	}{
		{[]string{"Jean-Pierre"}, "JEAN"},
		{[]string{"Marie-Thérèse", "Anne"}, "MARIE"},
		{[]string{"Jean Philippe", "Pierre"}, "JEAN"},
		{[]string{"  Élodie"}, "ELODIE"},
		{[]string{"", "Paul"}, "PAUL"}, // joined first: an empty first element does not hide the next
		{[]string{"-"}, ""},
		{nil, ""},
	} {
		if got := FirstName(tc.given); got != tc.want {
			t.Errorf("FirstName(%q) = %q, want %q", tc.given, got, tc.want)
		}
	}
}

var angela = Identity{GivenNames: []string{"Angela", "Claire", "Louise"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24",
	Gender: "female", Birthplace: "75107", Birthcountry: "99100", Sub: "s"}

func withBirth(id Identity, date, place, country string) Identity {
	id.Birthdate, id.Birthplace, id.Birthcountry = date, place, country
	return id
}

func TestMatch(t *testing.T) {
	register := Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA", "CLAIRE"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "75107"}
	cases := []struct {
		name       string
		id         Identity
		p          Person
		points     int
		mismatches []string
	}{
		{"exact", angela, register, 5, nil},
		{"accents hyphens apostrophe",
			Identity{GivenNames: []string{"Élodie", "Anaïs"}, FamilyName: "LÉVÊQUE-D'ARTOIS", Birthdate: "1980-02-29", Gender: "female", Birthplace: "69123", Birthcountry: "99100"},
			Person{FamilyName: "LEVEQUE D ARTOIS", GivenNames: []string{"ELODIE"}, Gender: "female", Birthdate: "1980-02-29", Birthplace: "69123"}, 5, nil},
		{"first given name with a space",
			Identity{GivenNames: []string{"Jean Philippe", "Pierre"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24", Gender: "male", Birthplace: "75107", Birthcountry: "99100"},
			Person{FamilyName: "DUBOIS", GivenNames: []string{"JEAN-PHILIPPE"}, Gender: "male", Birthdate: "1962-08-24", Birthplace: "75107"}, 5, nil},
		{"only the second given name in common", angela,
			Person{FamilyName: "DUBOIS", GivenNames: []string{"CLAIRE"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "75107"},
			4, []string{CriterionGivenName}},
		{"Æ", Identity{GivenNames: []string{"Lætitia"}, FamilyName: "ROUX", Birthdate: "1990-01-01", Gender: "female", Birthplace: "75107", Birthcountry: "99100"},
			Person{FamilyName: "ROUX", GivenNames: []string{"LAETITIA"}, Birthdate: "1990-01-01", Birthplace: "75107"}, 5, nil},
		{"no gender in the register", angela,
			Person{FamilyName: "DUBOIS", GivenNames: []string{"Angela"}, Birthdate: "1962-08-24", Birthplace: "75107"}, 5, nil},
		{"no birthplace in the register", angela,
			Person{FamilyName: "DUBOIS", GivenNames: []string{"Angela"}, Gender: "female", Birthdate: "1962-08-24"}, 5, nil},
		{"other birthplace", angela,
			Person{FamilyName: "DUBOIS", GivenNames: []string{"Angela"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "13055"},
			4, []string{CriterionBirthplace}},
		{"historical commune code",
			Identity{GivenNames: []string{"Anne"}, FamilyName: "FAVRE", Birthdate: "1970-01-01", Gender: "female", Birthplace: "74010", Birthcountry: "99100"},
			Person{FamilyName: "FAVRE", GivenNames: []string{"ANNE"}, Gender: "female", Birthdate: "1970-01-01", Birthplace: "74093"}, 5, nil},
		{"presumed birthdate normalised by FranceConnect",
			Identity{GivenNames: []string{"Jean"}, FamilyName: "FLEURET", Birthdate: "1992-11-01", Gender: "male", Birthcountry: "99217"},
			Person{FamilyName: "FLEURET", GivenNames: []string{"JEAN"}, Gender: "male", Birthdate: "1992-11-01", Birthcountry: "99217"}, 5, nil},
		{"born abroad, other country",
			Identity{GivenNames: []string{"Jean"}, FamilyName: "FLEURET", Birthdate: "1992-11-01", Gender: "male", Birthcountry: "99217"},
			Person{FamilyName: "FLEURET", GivenNames: []string{"JEAN"}, Gender: "male", Birthdate: "1992-11-01", Birthcountry: "99109"},
			4, []string{CriterionBirthplace}},
		{"register knows the birth month only: no point", angela,
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962-08", Birthplace: "75107"},
			4, []string{CriterionBirthdate}},
		{"register knows the year only: no point", angela,
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962", Birthplace: "75107"},
			4, []string{CriterionBirthdate}},
		{"impossible register day rolls over, as ProConnect reads it",
			withBirth(angela, "1990-03-02", "75107", "99100"),
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1990-02-30", Birthplace: "75107"}, 5, nil},
		{"compound first name against its first part",
			Identity{GivenNames: []string{"Jean-Philippe"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24", Gender: "male", Birthplace: "75107", Birthcountry: "99100"},
			Person{FamilyName: "DUBOIS", GivenNames: []string{"Jean"}, Gender: "male", Birthdate: "1962-08-24", Birthplace: "75107"}, 5, nil},
		{"two compound first names with the same first part",
			Identity{GivenNames: []string{"Jean Pierre"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24", Gender: "male", Birthplace: "75107", Birthcountry: "99100"},
			Person{FamilyName: "DUBOIS", GivenNames: []string{"JEAN-LUC"}, Gender: "male", Birthdate: "1962-08-24", Birthplace: "75107"}, 5, nil},
		{"Marie-Thérèse against Marie",
			Identity{GivenNames: []string{"Marie-Thérèse"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24", Gender: "female", Birthplace: "75107", Birthcountry: "99100"},
			Person{FamilyName: "DUBOIS", GivenNames: []string{"MARIE", "ANNE"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "75107"}, 5, nil},
		{"Jean against Jeanne",
			Identity{GivenNames: []string{"Jean"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24", Gender: "female", Birthplace: "75107", Birthcountry: "99100"},
			Person{FamilyName: "DUBOIS", GivenNames: []string{"JEANNE"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "75107"},
			4, []string{CriterionGivenName}},
		{"a letter the rule does not fold",
			Identity{GivenNames: []string{"Ana"}, FamilyName: "NUNEZ", Birthdate: "1975-04-02", Gender: "female", Birthplace: "64445", Birthcountry: "99100"},
			Person{FamilyName: "NÚÑEZ", GivenNames: []string{"Ana"}, Gender: "female", Birthdate: "1975-04-02", Birthplace: "64445"},
			4, []string{CriterionFamilyName}},
		{"the same unfolded spelling on both sides",
			Identity{GivenNames: []string{"Ana"}, FamilyName: "NÚÑEZ", Birthdate: "1975-04-02", Gender: "female", Birthplace: "64445", Birthcountry: "99100"},
			Person{FamilyName: "Núñez", GivenNames: []string{"ANA"}, Gender: "female", Birthdate: "1975-04-02", Birthplace: "64445"}, 5, nil},
		{"ß as JavaScript uppercases it",
			Identity{GivenNames: []string{"Hans"}, FamilyName: "STRAUSS", Birthdate: "1975-04-02", Gender: "male", Birthplace: "67482", Birthcountry: "99100"},
			Person{FamilyName: "Strauß", GivenNames: []string{"HANS"}, Gender: "male", Birthdate: "1975-04-02", Birthplace: "67482"}, 5, nil},
		{"family names both empty once normalised",
			Identity{GivenNames: []string{"Ana"}, FamilyName: "--", Birthdate: "1975-04-02", Gender: "female", Birthplace: "64445", Birthcountry: "99100"},
			Person{GivenNames: []string{"ANA"}, Gender: "female", Birthdate: "1975-04-02", Birthplace: "64445"},
			4, []string{CriterionFamilyName}},
		{"FranceConnect gender unspecified, register says male",
			Identity{GivenNames: []string{"Hans"}, FamilyName: "STRAUSS", Birthdate: "1975-04-02", Gender: "unspecified", Birthplace: "67482", Birthcountry: "99100"},
			Person{FamilyName: "STRAUSS", GivenNames: []string{"HANS"}, Gender: "male", Birthdate: "1975-04-02", Birthplace: "67482"},
			4, []string{CriterionGender}},
		{"born abroad, register without a country", withBirth(angela, "1962-08-24", "", "99217"),
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962-08-24"}, 5, nil},
		{"born abroad, register has a French commune but no country", withBirth(angela, "1962-08-24", "", "99217"),
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "75107"}, 5, nil},
		{"born in France, register without a commune but a foreign country", angela,
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962-08-24", Birthcountry: "99217"}, 5, nil},
		{"no birth country: compared as born in France", withBirth(angela, "1962-08-24", "75107", ""), register, 5, nil},
		{"no birth country and another commune", withBirth(angela, "1962-08-24", "75107", ""),
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "13055"},
			4, []string{CriterionBirthplace}},
		{"born in France without a commune, register has one", withBirth(angela, "1962-08-24", "", "99100"), register,
			4, []string{CriterionBirthplace}},
		{"municipal arrondissement against its commune", withBirth(angela, "1962-08-24", "75101", "99100"),
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "75056"}, 5, nil},
		{"two arrondissements of Paris name the same commune", withBirth(angela, "1962-08-24", "75115", "99100"), register, 5, nil},
		{"Corsica before 1976", withBirth(angela, "1962-08-24", "2A004", "99100"),
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "20004"}, 5, nil},
		{"Seine before 1968", withBirth(angela, "1962-08-24", "75050", "99100"),
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "92050"}, 5, nil},
		{"homonym", Identity{GivenNames: []string{"Angèle"}, FamilyName: "DUBOIS", Birthdate: "1990-01-15", Gender: "female", Birthplace: "33063", Birthcountry: "99100"},
			register, 2, []string{CriterionGivenName, CriterionBirthdate, CriterionBirthplace}},
		{"everything differs", Identity{GivenNames: []string{"Paul"}, FamilyName: "X", Birthdate: "2000-01-01", Gender: "male", Birthplace: "13055", Birthcountry: "99100"},
			register, 0, []string{CriterionFamilyName, CriterionGivenName, CriterionGender, CriterionBirthdate, CriterionBirthplace}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Match(tc.id, tc.p)
			if s.Points != tc.points || !reflect.DeepEqual(s.Mismatches, tc.mismatches) {
				t.Fatalf("Match = %d %v, want %d %v", s.Points, s.Mismatches, tc.points, tc.mismatches)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	dirigeant := Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "75107"}
	close := Person{FamilyName: "DUBOIS", GivenNames: []string{"CLAIRE"}, Gender: "female", Birthdate: "1962-08-24", Birthplace: "75107"}
	company := func(p ...Person) Company {
		return Company{SIREN: "901001008", Found: true, LegalCategory: "5710", Candidates: p}
	}
	eidas := angela
	eidas.EIDAS = true
	noCountry := angela
	noCountry.Birthcountry = ""
	for name, tc := range map[string]struct {
		id      Identity
		c       Company
		outcome Outcome
	}{
		"certified":       {angela, company(dirigeant), OutcomeCertified},
		"best of several": {angela, company(close, dirigeant), OutcomeCertified},
		"close match":     {angela, company(close), OutcomeCloseMatch},
		"no candidate":    {angela, company(), OutcomeNotDirigeant},
		"below threshold": {angela, company(Person{FamilyName: "DUBOIS", GivenNames: []string{"PAUL"}, Gender: "male",
			Birthdate: "1990-01-01", Birthplace: "13055"}), OutcomeNotDirigeant},
		// absent gender and birthplace count, as the rule says: 3 points
		"sparse register entry":    {angela, company(Person{FamilyName: "DUBOIS"}), OutcomeCloseMatch},
		"not found":                {angela, Company{SIREN: "999999998"}, OutcomeCompanyNotFound},
		"ceased":                   {angela, Company{Found: true, Ceased: true, LegalCategory: "5710"}, OutcomeCompanyCeased},
		"association":              {angela, Company{Found: true, LegalCategory: "9220"}, OutcomeNotCovered},
		"public body":              {angela, Company{Found: true, LegalCategory: "7210"}, OutcomeNotCovered},
		"eIDAS identity":           {eidas, company(dirigeant), OutcomeUnsupportedIdentity},
		"identity without country": {noCountry, company(dirigeant), OutcomeCertified}, // taken as born in France
		"tie: the first in register order": {angela, company(close, Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "male",
			Birthdate: "1962-08-24", Birthplace: "75107"}), OutcomeCloseMatch},
		"foreign state agency, newly covered": {angela, Company{Found: true, LegalCategory: "3110", Candidates: []Person{dirigeant}}, OutcomeCertified},
		"mutual agricultural insurer":         {angela, Company{Found: true, LegalCategory: "8250", Candidates: []Person{dirigeant}}, OutcomeCertified},
		"SASU code, not in the list":          {angela, Company{Found: true, LegalCategory: "5720", Candidates: []Person{dirigeant}}, OutcomeNotCovered},
		"no category":                         {angela, Company{Found: true, Candidates: []Person{dirigeant}}, OutcomeNotCovered},
		"entrepreneur individuel":             {angela, Company{Found: true, LegalCategory: "1000", Candidates: []Person{dirigeant}}, OutcomeCertified},
	} {
		t.Run(name, func(t *testing.T) {
			d := Decide(tc.id, tc.c)
			if d.Outcome != tc.outcome {
				t.Fatalf("outcome %s, want %s", d.Outcome, tc.outcome)
			}
			if (d.Outcome == OutcomeCloseMatch) != (len(d.Mismatches) > 0) {
				t.Fatalf("mismatches %v for %s", d.Mismatches, d.Outcome)
			}
		})
	}
}

// FuzzNormalize: whatever the input, the result is made of A–Z, 0–9 and
// single inner spaces, and normalising it again changes nothing.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Strauß", "NÚÑEZ", "ﬁn", "Jose\u0301phine", "\xff\xfe", " - ", "İı", "ŉ"} {
		f.Add(s)
	}
	valid := regexp.MustCompile(`^([A-Z0-9]+( [A-Z0-9]+)*)?$`)
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !valid.MatchString(n) {
			t.Fatalf("Normalize(%q) = %q", s, n)
		}
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize(%q) = %q, then %q", s, n, again)
		}
	})
}
