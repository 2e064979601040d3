package franceconnect

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
)

// TestIdentityProblem follows FranceConnect's identity DTO, the checks
// behind Y600006.
func TestIdentityProblem(t *testing.T) {
	ok := fixtures.Identity{GivenNames: []string{"Angela", "Claire"}, FamilyName: "DUBOIS", Birthdate: "1962-08-24",
		Gender: "female", Birthplace: "75107", Birthcountry: "99100", Email: "angela.dubois@example.test"}
	long := strings.Repeat("é", 256)
	for name, tc := range map[string]struct {
		change func(*fixtures.Persona)
		ok     bool
	}{
		"complete":                    {func(*fixtures.Persona) {}, true},
		"gender unspecified":          {func(p *fixtures.Persona) { p.Identity.Gender = "unspecified" }, true},
		"no gender":                   {func(p *fixtures.Persona) { p.Identity.Gender = "" }, false},
		"gender other":                {func(p *fixtures.Persona) { p.Identity.Gender = "other" }, false},
		"birthplace 97801":            {func(p *fixtures.Persona) { p.Identity.Birthplace = "97801" }, true},
		"birthplace 97701":            {func(p *fixtures.Persona) { p.Identity.Birthplace = "97701" }, true},
		"birthplace 2A004":            {func(p *fixtures.Persona) { p.Identity.Birthplace = "2A004" }, true},
		"birthplace 2C004":            {func(p *fixtures.Persona) { p.Identity.Birthplace = "2C004" }, false},
		"birthplace empty in France":  {func(p *fixtures.Persona) { p.Identity.Birthplace = "" }, false},
		"birthplace free text abroad": {func(p *fixtures.Persona) { p.Identity.Birthcountry, p.Identity.Birthplace = "99217", "Tokyo" }, true},
		"birthcountry empty":          {func(p *fixtures.Persona) { p.Identity.Birthcountry = "" }, false},
		"birthcountry not COG":        {func(p *fixtures.Persona) { p.Identity.Birthcountry = "FRA" }, false},
		"30 February":                 {func(p *fixtures.Persona) { p.Identity.Birthdate = "1990-02-30" }, false},
		"29 February 2000":            {func(p *fixtures.Persona) { p.Identity.Birthdate = "2000-02-29" }, true},
		"presumed day":                {func(p *fixtures.Persona) { p.Identity.Birthdate = "1992-11-00" }, true},
		"month 00 with a day":         {func(p *fixtures.Persona) { p.Identity.Birthdate = "1985-00-12" }, false},
		"no email":                    {func(p *fixtures.Persona) { p.Identity.Email = "" }, false},
		"email without domain":        {func(p *fixtures.Persona) { p.Identity.Email = "angela" }, false},
		"email without TLD":           {func(p *fixtures.Persona) { p.Identity.Email = "angela@localhost" }, false},
		"email with display name":     {func(p *fixtures.Persona) { p.Identity.Email = "Angela <angela@example.fr>" }, false},
		"email one-letter TLD":        {func(p *fixtures.Persona) { p.Identity.Email = "angela@example.f" }, false},
		"email accented domain":       {func(p *fixtures.Persona) { p.Identity.Email = "angela@élysée.fr" }, true},
		"given_name 256":              {func(p *fixtures.Persona) { p.Identity.GivenNames = []string{long} }, true},
		"given_name 257":              {func(p *fixtures.Persona) { p.Identity.GivenNames = []string{long, ""} }, false},
		"family_name 256":             {func(p *fixtures.Persona) { p.Identity.FamilyName = long }, true},
		"family_name 257":             {func(p *fixtures.Persona) { p.Identity.FamilyName = long + "X" }, false},
		"no given_name":               {func(p *fixtures.Persona) { p.Identity.GivenNames = nil }, false},
		"no family_name":              {func(p *fixtures.Persona) { p.Identity.FamilyName = "" }, false},
		"eIDAS without gender, country or email": {func(p *fixtures.Persona) {
			p.EIDAS = true
			p.Identity.Gender, p.Identity.Birthcountry, p.Identity.Email, p.Identity.Birthplace = "", "", "", "Paris 10"
		}, true},
		"eIDAS name 257": {func(p *fixtures.Persona) { p.EIDAS = true; p.Identity.FamilyName = long + "X" }, false},
	} {
		t.Run(name, func(t *testing.T) {
			p := fixtures.Persona{Login: "x", Identity: ok}
			p.Identity.GivenNames = slices.Clone(ok.GivenNames)
			tc.change(&p)
			if got := identityProblem(p); (got == "") != tc.ok {
				t.Errorf("identityProblem = %q, want accepted %v", got, tc.ok)
			}
		})
	}
}

// TestSyntheticDirigeantsPassFranceConnect: every identity the synthetic
// register generates is one FranceConnect accepts, or dirigeant:<siren>
// logins would fail at random.
func TestSyntheticDirigeantsPassFranceConnect(t *testing.T) {
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		prefix := fmt.Sprintf("%08d", 10_000_000+i*7919)
		siren := prefix + string(insee.LuhnKey(prefix))
		for n := 1; n <= 3; n++ {
			login := fmt.Sprintf("dirigeant:%s:%d", siren, n)
			p, ok := set.DirigeantPersona(login)
			if !ok {
				break
			}
			if problem := identityProblem(p); problem != "" {
				t.Fatalf("%s: %s (%+v)", login, problem, p.Identity)
			}
		}
	}
}

// TestDefaultPersonasAndY600006: the default personas that say they
// demonstrate Y600006 are refused, and only those.
func TestDefaultPersonasAndY600006(t *testing.T) {
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range set.Personas {
		want := strings.Contains(p.Demonstrates, "Y600006")
		if got := identityProblem(p) != ""; got != want {
			t.Errorf("%s: refused %v (%q), want %v", p.Login, got, identityProblem(p), want)
		}
	}
}
