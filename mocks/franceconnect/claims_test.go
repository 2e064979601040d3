package franceconnect

import (
	"fmt"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
)

func TestCOGShape(t *testing.T) {
	for cog, want := range map[string]bool{
		"75107": true, "2A004": true, "2B033": true, "97411": true, "97611": true, "98735": true, "01053": true,
		"00000": false, "96001": false, "97711": false, "9741": false, "974111": false, "2C004": false, "": false,
	} {
		if got := reCOG.MatchString(cog); got != want {
			t.Errorf("COG %q: %v, want %v", cog, got, want)
		}
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
