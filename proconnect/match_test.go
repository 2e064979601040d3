package proconnect

import (
	"reflect"
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
		"García Ñúñez":      "GARCIA NUNEZ",
		"Müller--Straße":    "MULLER STRASSE",
		"":                  "",
		"---":               "",
		"Louis XIV":         "LOUIS XIV",
		"Çà et là":          "CA ET LA",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

var angela = Identity{GivenNames: []string{"Angela", "Claire", "Louise"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24",
	Gender: "female", Birthplace: "75107", Birthcountry: "99100", Sub: "s"}

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
		{"register knows the birth month only", angela,
			Person{FamilyName: "DUBOIS", GivenNames: []string{"ANGELA"}, Gender: "female", Birthdate: "1962-08", Birthplace: "75107"}, 5, nil},
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
		"identity without country": {noCountry, company(dirigeant), OutcomeUnsupportedIdentity},
		"entrepreneur individuel":  {angela, Company{Found: true, LegalCategory: "1000", Candidates: []Person{dirigeant}}, OutcomeCertified},
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
