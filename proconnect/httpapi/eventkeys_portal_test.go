package httpapi

import (
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// TestPortalKeyRotation: a portal's rotation signs its events with the next
// key and another portal's with the core's; the JWKS publishes both; the
// owner's reset puts every portal back.
func TestPortalKeyRotation(t *testing.T) {
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	ks, err := newEventKeys(set.KeysFor("proconnect"))
	if err != nil {
		t.Fatal(err)
	}
	first := ks.current().active
	kid, err := ks.rotateFor("portail-a")
	if err != nil || kid == first.kid {
		t.Fatalf("rotateFor: %q %v", kid, err)
	}
	if ks.activeFor("portail-a").kid != kid || ks.activeFor("portail-b") != first || ks.current().active != first {
		t.Errorf("portail-a signs with %s, portail-b with %s, the core with %s; want %s, %s, %s",
			ks.activeFor("portail-a").kid, ks.activeFor("portail-b").kid, ks.current().active.kid, kid, first.kid, first.kid)
	}
	if n := len(ks.current().published); n != 2 {
		t.Errorf("the JWKS publishes %d keys, want 2", n)
	}
	if got := ks.resetFor("portail-a"); got != first.kid || ks.activeFor("portail-a") != first {
		t.Errorf("resetFor: %s", got)
	}
	_, _ = ks.rotateFor("portail-a")
	ks.reset()
	if ks.activeFor("portail-a") != first || len(ks.current().published) != 1 {
		t.Error("reset left portail-a on its rotated key")
	}
}
