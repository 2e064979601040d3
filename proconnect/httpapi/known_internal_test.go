package httpapi

import (
	"context"
	"errors"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// TestKnownReadsSIRENEOnly: only a SIREN INSEE answers 404 for is unknown;
// a closed company and a non-diffusible one are known; an unreachable
// INSEE is ErrUnavailable, never "unknown".
func TestKnownReadsSIRENEOnly(t *testing.T) {
	reg, _, _, _ := registers(t, false)
	ctx := context.Background()
	for siren, want := range map[string]bool{
		"999999998": false, // INSEE: « Aucun élément trouvé »
		"901001008": true,
		"901006007": true, // ceased in 2020
		"901007005": true, // non-diffusible
	} {
		got, err := reg.Known(ctx, siren)
		if err != nil || got != want {
			t.Errorf("Known(%s) = %v, %v; want %v", siren, got, err, want)
		}
	}
	down := *reg
	down.base = "http://127.0.0.1:1"
	down.insee = newINSEEAuth("http://127.0.0.1:1/token", "c", "s", "u", "p", reg.http)
	if _, err := down.Known(ctx, "999999998"); !errors.Is(err, proconnect.ErrUnavailable) {
		t.Errorf("INSEE unreachable: %v, want ErrUnavailable", err)
	}
}
