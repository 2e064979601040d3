package harness

import (
	"fmt"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
)

// TestDrawCompanyTellsDirigeantsApart: some synthetic companies have two
// dirigeants that ProConnect's rule cannot tell apart (a close match); the
// harness never gives one to a scenario (the « dirigeant parti » scenario
// failed about once in a few hundred full runs on them).
func TestDrawCompanyTellsDirigeantsApart(t *testing.T) {
	ambiguous := ""
	for i := 10000000; i < 10200000 && ambiguous == ""; i += 7 {
		prefix := fmt.Sprintf("%08d", i)
		if siren := prefix + string(insee.LuhnKey(prefix)); !distinctDirigeants(siren) {
			ambiguous = siren
		}
	}
	if ambiguous == "" {
		t.Fatal("no synthetic company with two close dirigeants in the range: the test no longer tests anything")
	}
	t.Logf("%s has two dirigeants the rule does not tell apart", ambiguous)
	var r registerState
	for range 5000 {
		if err := r.drawCompany(); err != nil {
			t.Fatal(err)
		}
		if !distinctDirigeants(r.siren) {
			t.Fatalf("drawCompany gave %s", r.siren)
		}
	}
}
