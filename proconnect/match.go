package proconnect

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// Person is a candidate of the register: a natural-person dirigeant, or the
// entrepreneur individuel behind a unit.
type Person struct {
	FamilyName   string
	GivenNames   []string
	Gender       string // male, female, or "" when the register does not say
	Birthdate    string // YYYY-MM-DD; a register may hold YYYY-MM, which earns no point
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

// Normalize applies the rule's normalisation to a name, as ProConnect
// does: uppercase with Unicode's full mappings (ß becomes SS, ﬁ becomes FI,
// as JavaScript's toUpperCase does, where Go's strings.ToUpper keeps them);
// then only the French letters À Â Ä Ç É È Ê Ë Î Ï Ô Ö Ù Û Ü Ÿ lose their
// accent, Æ becomes AE and Œ OE; every other character outside A–Z, 0–9
// and the space (Ñ, Å, Ø, a combining accent…) becomes a space; spaces are
// collapsed and trimmed. So NÚÑEZ gives "N EZ" and does not match NUNEZ.
func Normalize(s string) string {
	if s == "" {
		return ""
	}
	// A Caser is stateful: one per call.
	s = cases.Upper(language.Und).String(s)
	var b strings.Builder
	space := true // no leading space
	for _, r := range s {
		if f, ok := frenchFolds[r]; ok {
			b.WriteString(f)
			space = false
			continue
		}
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// frenchFolds are the only letters the rule folds (after uppercasing).
var frenchFolds = map[rune]string{
	'À': "A", 'Â': "A", 'Ä': "A", 'Ç': "C", 'É': "E", 'È': "E", 'Ê': "E", 'Ë': "E",
	'Î': "I", 'Ï': "I", 'Ô': "O", 'Ö': "O", 'Ù': "U", 'Û': "U", 'Ü': "U", 'Ÿ': "Y",
	'Æ': "AE", 'Œ': "OE",
}

// FirstName is what the rule compares of the given names: the first word of
// all of them, joined and normalised. A hyphen becomes a space, so
// "Jean-Philippe" gives JEAN, as "Jean Philippe" and "Jean" do.
func FirstName(givenNames []string) string {
	n := Normalize(strings.Join(givenNames, " "))
	first, _, _ := strings.Cut(n, " ")
	return first
}

// Score is a candidate's points under the rule, and what did not match.
type Score struct {
	Points     int
	Mismatches []string
}

// Match scores identity against person: one point each for the family
// name, the first name (FirstName), the gender (or none in the register),
// the birthdate, and the birthplace — the commune for someone born in France
// (or with no birth country), the country for someone born abroad; a
// register that does not know the commune, or the country, gives the point.
func Match(id Identity, p Person) Score {
	var s Score
	point := func(ok bool, criterion string) {
		if ok {
			s.Points++
		} else {
			s.Mismatches = append(s.Mismatches, criterion)
		}
	}
	family := Normalize(id.FamilyName)
	first := FirstName(id.GivenNames)
	point(family != "" && family == Normalize(p.FamilyName), CriterionFamilyName)
	point(first != "" && first == FirstName(p.GivenNames), CriterionGivenName)
	point(p.Gender == "" || p.Gender == id.Gender, CriterionGender)
	point(sameBirthdate(id.Birthdate, p.Birthdate), CriterionBirthdate)
	point(sameBirthplace(id, p), CriterionBirthplace)
	return s
}

var reFullDate = regexp.MustCompile(`^(\d+)-(\d{2})-(\d{2})$`)

// birthday reads a complete YYYY-MM-DD date the way ProConnect does (an
// impossible day rolls over: 1990-02-30 is 1990-03-02). Anything else, a
// register's YYYY-MM included, is no date.
func birthday(s string) (time.Time, bool) {
	m := reFullDate.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	y, err1 := strconv.Atoi(m[1])
	mo, err2 := strconv.Atoi(m[2])
	d, err3 := strconv.Atoi(m[3])
	if err1 != nil || err2 != nil || err3 != nil {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), true
}

// sameBirthdate: both dates complete and the same day. A register that
// knows only the month (YYYY-MM) earns no point.
func sameBirthdate(fc, register string) bool {
	a, okA := birthday(fc)
	b, okB := birthday(register)
	return okA && okB && a.Equal(b)
}

// sameBirthplace: born in France (or no birth country, which ProConnect
// takes for France): the register has no commune, or both codes name the
// same commune today; born abroad: the register has no country, or the same.
func sameBirthplace(id Identity, p Person) bool {
	if id.Birthcountry == "" || id.Birthcountry == FranceCountryCode {
		register := CurrentCOG(p.Birthplace)
		if register == "" {
			return true
		}
		return id.Birthplace != "" && CurrentCOG(id.Birthplace) == register
	}
	return p.Birthcountry == "" || p.Birthcountry == id.Birthcountry
}

// FranceCountryCode is the INSEE code of France.
const FranceCountryCode = "99100"

// Decision is the outcome of matching an identity against a company.
type Decision struct {
	Outcome    Outcome
	Dirigeant  *Person
	Mismatches []string
}

// Decide applies the rules in order: eIDAS identity, company found, still
// active, covered, then the best-scoring candidate (the first in register
// order on a tie).
func Decide(id Identity, c Company) Decision {
	switch {
	case id.EIDAS:
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
