package franceconnect

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// Scopes and the claims they open, per docs/franceconnect.md, « Userinfo » (FranceConnect's
// libs/scopes data). A scope absent from the table is unknown: FranceConnect
// drops it silently.
var lowScopes = map[string][]string{
	"openid":             {"sub"},
	"profile":            {"given_name", "given_name_array", "family_name", "birthdate", "gender", "preferred_username"},
	"birth":              {"birthplace", "birthcountry"},
	"identite_pivot":     {"given_name", "given_name_array", "family_name", "birthdate", "gender", "birthplace", "birthcountry"},
	"given_name":         {"given_name", "given_name_array"},
	"family_name":        {"family_name"},
	"gender":             {"gender"},
	"birthdate":          {"birthdate"},
	"birthplace":         {"birthplace"},
	"birthcountry":       {"birthcountry"},
	"email":              {"email"},
	"preferred_username": {"preferred_username"},
	"idp_birthdate":      {"idp_birthdate"},
	"idp_id":             {"idp_id"},
	"amr":                {"amr"},
}

var plusScopes = func() map[string][]string {
	m := map[string][]string{
		"openid":             {"sub"},
		"profile":            {"given_name", "family_name", "birthdate", "gender", "preferred_username"},
		"birth":              {"birthplace", "birthcountry"},
		"identite_pivot":     {"given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry"},
		"given_name":         {"given_name"},
		"family_name":        {"family_name"},
		"gender":             {"gender"},
		"birthdate":          {"birthdate"},
		"birthplace":         {"birthplace"},
		"birthcountry":       {"birthcountry"},
		"email":              {"email"},
		"preferred_username": {"preferred_username"},
		"amr":                {"amr"},
	}
	for _, c := range []string{"given_name", "family_name", "gender", "birthdate", "birthplace", "birthcountry"} {
		m["rnipp_"+c] = []string{c, "rnipp_" + c}
	}
	m["rnipp_given_name"] = append(m["rnipp_given_name"], "rnipp_given_name_array")
	rnipp := func(base string) []string {
		var out []string
		for _, c := range m[base] {
			if c == "preferred_username" {
				continue
			}
			out = append(out, c, "rnipp_"+c)
			if c == "given_name" {
				out = append(out, "rnipp_given_name_array")
			}
		}
		return out
	}
	m["rnipp_profile"] = rnipp("profile")
	m["rnipp_birth"] = rnipp("birth")
	m["rnipp_identite_pivot"] = rnipp("identite_pivot")
	return m
}()

// claimsFor returns the set of claims the granted scopes open.
func claimsFor(table map[string][]string, scopes []string) map[string]bool {
	out := map[string]bool{}
	for _, s := range scopes {
		for _, c := range table[s] {
			out[c] = true
		}
	}
	return out
}

// maxNameLength is FranceConnect's cap on given_name and family_name, in
// JavaScript string length (UTF-16 code units).
const maxNameLength = 256

// identityProblem returns why FranceConnect refuses an identity provider's
// answer (Y600006), or "" when it is acceptable: the checks of its identity
// DTO (docs/franceconnect.md, « Contrôles de l'identité »). eIDAS identities
// follow the bridge's looser rules: names only.
func identityProblem(p fixtures.Persona) string {
	id := p.Identity
	if problem := nameProblem("given_name", strings.Join(id.GivenNames, " ")); problem != "" {
		return problem
	}
	if problem := nameProblem("family_name", id.FamilyName); problem != "" {
		return problem
	}
	if p.EIDAS {
		return ""
	}
	switch {
	case !fixtures.ValidBirthdate(id.Birthdate):
		return "birthdate n'est pas une date du calendrier (AAAA-MM-JJ, AAAA-MM-00 ou AAAA-00-00)"
	case !slices.Contains(fixtures.Genders, id.Gender):
		return "gender n'est pas male, female ou unspecified"
	case !fixtures.IsCOG(id.Birthcountry):
		return "birthcountry n'est pas un code COG"
	case id.Birthcountry == "99100" && !fixtures.IsCOG(id.Birthplace):
		return "birthplace n'est pas un code COG pour une personne née en France"
	case !validEmail(id.Email):
		return "email manquant ou invalide"
	}
	return ""
}

// nameProblem checks a name is 1 to 256 characters long.
func nameProblem(field, v string) string {
	switch n := utf16Len(v); {
	case strings.TrimSpace(v) == "":
		return field + " manquant"
	case n > maxNameLength:
		return fmt.Sprintf("%s dépasse %d caractères", field, maxNameLength)
	}
	return ""
}

// utf16Len is the length of v in UTF-16 code units, what
// len(utf16.Encode([]rune(v))) gives, without building either slice (every
// login checks two names).
func utf16Len(v string) int {
	n := 0
	for _, r := range v {
		if l := utf16.RuneLen(r); l > 0 {
			n += l
		} else {
			n++ // utf16.Encode writes U+FFFD for a rune it cannot encode
		}
	}
	return n
}

// validEmail is the shape of an address as validator.js's isEmail checks it
// by default (what FranceConnect's IsEmail runs): no display name, a local
// part of at most 64 bytes, and a domain of at most 254 bytes made of DNS
// labels (letters, digits, hyphens, not at either end, 63 at most) ending
// in a top-level domain of two letters or more.
func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at < 1 || len(s[:at]) > 64 || len(s[at+1:]) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	labels := strings.Split(s[at+1:], ".")
	if len(labels) < 2 || !reTLD().MatchString(labels[len(labels)-1]) {
		return false
	}
	for _, l := range labels {
		if !reDNSLabel().MatchString(l) {
			return false
		}
	}
	return true
}

// The email checks' expressions, compiled on first use rather than at
// every start of the binary (their Unicode classes are most of this
// package's initialisation: issue 14).
var (
	reDNSLabel = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?i)[a-z0-9\x{00a1}-\x{ffff}](?:[a-z0-9\x{00a1}-\x{ffff}-]{0,61}[a-z0-9\x{00a1}-\x{ffff}])?$`)
	})
	reTLD = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?i)(?:[a-z\x{00a1}-\x{ffff}]{2,}|xn[a-z0-9-]{2,})$`)
	})
)

// pairwiseSalt makes subs stable across restarts and sandboxes, like a
// deployment secret that never changes.
const pairwiseSalt = "proconnect-sandbox/pairwise/v1"

// pairwiseSub computes FranceConnect's sub: 64 hex digits of SHA-256 over the
// service's entity, the pivot identity and a secret, followed by "v1"
// (docs/franceconnect.md, « id_token »). A persona with a fixed sub keeps it.
func pairwiseSub(entity string, p fixtures.Persona) string {
	if p.Sub != "" {
		return p.Sub
	}
	id := p.Identity
	h := sha256.New()
	for _, part := range []string{entity, strings.Join(id.GivenNames, " "), id.FamilyName,
		fixtures.NormaliseBirthdate(id.Birthdate), id.Gender, id.Birthplace, id.Birthcountry, pairwiseSalt} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)) + "v1"
}

// userClaims returns the claims of the persona that the granted set opens.
// Claims the identity lacks are left out, as FranceConnect does.
func userClaims(s *session, open map[string]bool) map[string]any {
	p := s.Persona
	if p == nil {
		p = &fixtures.Persona{}
	}
	id := p.Identity
	out := make(map[string]any, len(open)+4)
	set := func(name string, v any) {
		if open[name] {
			out[name] = v
		}
	}
	set("sub", s.Subject)
	given := strings.Join(id.GivenNames, " ")
	gender := id.Gender
	if p.EIDAS && gender == "" {
		gender = "unspecified"
	}
	birthdate := fixtures.NormaliseBirthdate(id.Birthdate)
	set("given_name", given)
	set("given_name_array", id.GivenNames)
	set("family_name", id.FamilyName)
	set("birthdate", birthdate)
	if gender != "" {
		set("gender", gender)
	}
	switch {
	case p.EIDAS:
		if id.Birthplace != "" {
			set("birthplace", id.Birthplace)
		}
	case id.Birthcountry == "99100":
		set("birthplace", id.Birthplace)
		set("birthcountry", id.Birthcountry)
	default:
		set("birthplace", "")
		set("birthcountry", id.Birthcountry)
	}
	if id.PreferredUsername != "" {
		set("preferred_username", id.PreferredUsername)
	}
	if id.Email != "" && !p.EIDAS {
		set("email", id.Email)
	}
	set("idp_birthdate", id.Birthdate)
	set("idp_id", s.IdPID)
	set("amr", s.IdPAMR)
	if !p.EIDAS { // the RNIPP copy; eIDAS identities have none
		set("rnipp_given_name", given)
		set("rnipp_given_name_array", id.GivenNames)
		set("rnipp_family_name", id.FamilyName)
		set("rnipp_birthdate", birthdate)
		set("rnipp_gender", gender)
		if _, ok := out["birthcountry"]; ok || open["rnipp_birthcountry"] {
			set("rnipp_birthcountry", id.Birthcountry)
		}
		if open["rnipp_birthplace"] {
			if id.Birthcountry == "99100" {
				out["rnipp_birthplace"] = id.Birthplace
			} else {
				out["rnipp_birthplace"] = ""
			}
		}
	}
	return out
}
