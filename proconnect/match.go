package proconnect

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Person is a candidate of the register: a natural-person dirigeant, or the
// entrepreneur individuel behind a unit.
type Person struct {
	FamilyName   string
	GivenNames   []string
	Gender       string // male, female, or "" when the register does not say
	Birthdate    string // YYYY-MM-DD, or YYYY-MM when the register only has the month
	Birthplace   string // COG, or "" when the register does not say
	Birthcountry string // INSEE country code, or ""
	Role         string
}

// Company is what the register says of a SIREN.
type Company struct {
	SIREN         string
	Found         bool
	Ceased        bool
	LegalCategory string
	Name          string
	Candidates    []Person
}

// Criteria of the matching rule, in the order mismatches are listed.
const (
	CriterionFamilyName = "family_name"
	CriterionGivenName  = "given_name"
	CriterionGender     = "gender"
	CriterionBirthdate  = "birthdate"
	CriterionBirthplace = "birthplace"
)

// Normalize applies the rule's normalisation to a name: uppercase, accents
// folded, Æ→AE and Œ→OE, anything outside A–Z and 0–9 a space, spaces
// collapsed.
func Normalize(s string) string {
	s = strings.NewReplacer("Æ", "AE", "æ", "AE", "Œ", "OE", "œ", "OE", "ß", "SS").Replace(s)
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	if folded, _, err := transform.String(t, s); err == nil {
		s = folded
	}
	var b strings.Builder
	space := true
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}

// Score is a candidate's points under the rule, and what did not match.
type Score struct {
	Points     int
	Mismatches []string
}

// Match scores identity against person: one point each for the family name,
// the first given name, the gender (or none in the register), the birthdate,
// and the birthplace (COG, historical codes mapped; or none in the register)
// — or, for someone born abroad, the birth country.
func Match(id Identity, p Person) Score {
	var s Score
	point := func(ok bool, criterion string) {
		if ok {
			s.Points++
		} else {
			s.Mismatches = append(s.Mismatches, criterion)
		}
	}
	point(id.FamilyName != "" && Normalize(id.FamilyName) == Normalize(p.FamilyName), CriterionFamilyName)
	point(len(id.GivenNames) > 0 && len(p.GivenNames) > 0 && Normalize(id.GivenNames[0]) == Normalize(p.GivenNames[0]), CriterionGivenName)
	point(p.Gender == "" || p.Gender == id.Gender, CriterionGender)
	point(sameBirthdate(id.Birthdate, p.Birthdate), CriterionBirthdate)
	point(sameBirthplace(id, p), CriterionBirthplace)
	return s
}

func sameBirthdate(fc, register string) bool {
	switch {
	case fc == "" || register == "":
		return false
	case len(register) == 7: // YYYY-MM: the register knows the month only
		return strings.HasPrefix(fc, register+"-")
	}
	return fc == register
}

func sameBirthplace(id Identity, p Person) bool {
	if id.Birthcountry != "" && id.Birthcountry != FranceCountryCode {
		return p.Birthcountry == id.Birthcountry
	}
	if p.Birthplace == "" {
		return p.Birthcountry == "" || p.Birthcountry == FranceCountryCode
	}
	return CurrentCOG(id.Birthplace) == CurrentCOG(p.Birthplace)
}

// FranceCountryCode is the INSEE code of France.
const FranceCountryCode = "99100"

// mergedCommunes maps codes of communes merged into a "commune nouvelle" to
// the code that replaced them, so that a birthplace written with the old
// code matches the new one. A sample of real mergers; extend as needed.
var mergedCommunes = map[string]string{
	// Annecy (2017)
	"74011": "74010", "74093": "74010", "74182": "74010", "74217": "74010", "74268": "74010",
	// Cherbourg-en-Cotentin (2016)
	"50173": "50129", "50203": "50129", "50416": "50129", "50602": "50129",
}

// CurrentCOG returns the code a commune is known under today.
func CurrentCOG(cog string) string {
	if c, ok := mergedCommunes[cog]; ok {
		return c
	}
	return cog
}

// coveredCategories are the first digits of the legal categories whose
// dirigeants a register lists: entrepreneurs individuels (1), commercial
// companies (5), civil and other private legal persons with a register (6).
const coveredCategories = "156"

// Covered reports whether a legal category has a dirigeant register.
func Covered(category string) bool {
	return category != "" && strings.IndexByte(coveredCategories, category[0]) >= 0
}

// Decision is the outcome of matching an identity against a company.
type Decision struct {
	Outcome    Outcome
	Dirigeant  *Person
	Mismatches []string
}

// Decide applies the rules in order: foreign identity, company found, still
// active, covered, then the best-scoring candidate.
func Decide(id Identity, c Company) Decision {
	switch {
	case id.EIDAS || id.Birthcountry == "":
		return Decision{Outcome: OutcomeUnsupportedIdentity}
	case !c.Found:
		return Decision{Outcome: OutcomeCompanyNotFound}
	case c.Ceased:
		return Decision{Outcome: OutcomeCompanyCeased}
	case !Covered(c.LegalCategory):
		return Decision{Outcome: OutcomeNotCovered}
	}
	best, bestScore := -1, Score{}
	for i, p := range c.Candidates {
		s := Match(id, p)
		if best < 0 || s.Points > bestScore.Points {
			best, bestScore = i, s
		}
	}
	if best < 0 || bestScore.Points < 3 {
		return Decision{Outcome: OutcomeNotDirigeant}
	}
	p := c.Candidates[best]
	if bestScore.Points == 5 {
		return Decision{Outcome: OutcomeCertified, Dirigeant: &p}
	}
	return Decision{Outcome: OutcomeCloseMatch, Dirigeant: &p, Mismatches: bestScore.Mismatches}
}
