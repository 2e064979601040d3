package harness

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
)

// TestAPIEntrepriseScenariosNeedItsURL: against components given by URL,
// without --apientreprise-url, the API Entreprise scenarios are not
// applicable (and say why); the others run.
func TestAPIEntrepriseScenariosNeedItsURL(t *testing.T) {
	stack, _ := testStack(t, sandbox.Config{})
	sir, _ := stack.Service("sirene")
	fc, _ := stack.Service("franceconnect")
	var out bytes.Buffer
	res, err := Run(context.Background(), RunOptions{Suites: []string{"registre"}, Tags: "@apientreprise", Concurrency: 4,
		Format: "progress", Output: &out, NoColors: true, Target: Target{SireneURL: sir.PublicURL, FranceConnectURL: fc.PublicURL}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed || len(res.NotApplicable) == 0 {
		t.Fatalf("passed %v, %d not applicable, failed %v\n%s", res.Passed, len(res.NotApplicable), res.Failed, out.String())
	}
	for _, n := range res.NotApplicable {
		if !strings.Contains(n.Reason, "--apientreprise-url") {
			t.Errorf("reason %q", n.Reason)
		}
	}
}
