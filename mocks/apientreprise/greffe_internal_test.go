package apientreprise

import (
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// TestAtGreffe: every category ProConnect reads from the RNE and that is
// registered at a commercial court has mandataires sociaux at Infogreffe,
// so the core's fallback finds them; entrepreneurs individuels,
// associations and administrations do not.
func TestAtGreffe(t *testing.T) {
	for cat, want := range map[string]bool{"5710": true, "6540": true, "3110": true, "3120": true, "4110": true,
		"4140": true, "8250": true, "1000": false, "9220": false, "7120": false, "3220": false, "": false} {
		c := fixtures.Company{}
		c.Unit.CategorieJuridique = cat
		if got := atGreffe(c); got != want {
			t.Errorf("atGreffe(%q) = %v, want %v", cat, got, want)
		}
	}
}
