package sirene

import "testing"

// TestInRNE: companies of the RCS and the trades' register are in the RNE,
// associations and public bodies are not, except the agricultural mutual
// insurers (8250), which ProConnect certifies from the RNE.
func TestInRNE(t *testing.T) {
	for cat, want := range map[string]bool{"1000": true, "5710": true, "6540": true, "3110": true, "8250": true,
		"9220": false, "7120": false, "8210": false, "": false} {
		if got := inRNE(cat); got != want {
			t.Errorf("inRNE(%q) = %v, want %v", cat, got, want)
		}
	}
}
