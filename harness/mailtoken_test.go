package harness

import (
	"bytes"
	"context"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
)

// TestMailScenariosWithControlToken: against a sandbox shared with a
// control token, whose mailbox then reads only with it, the scenarios that
// read ProConnect's mail (the contact address, the access requests, in the
// proconnect and portail suites) pass: the harness gives the mailbox the
// token too.
func TestMailScenariosWithControlToken(t *testing.T) {
	_, u := testStack(t, sandbox.Config{ControlToken: "jeton"})
	var out bytes.Buffer
	res, err := Run(context.Background(), RunOptions{Suites: []string{"proconnect", "portail"}, Tags: "@courriel,@acces",
		Concurrency: 4, Format: "progress", Output: &out, NoColors: true,
		Target: Target{ProConnectURL: u("proconnect"), FranceConnectURL: u("franceconnect"), SireneURL: u("sirene"),
			PisteURL: u("piste"), MailboxURL: u("mailbox"), Portal: ReferencePortal(u("portal")), ControlToken: "jeton"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed || len(res.Scenarios) < 20 || len(res.NotApplicable) != 0 {
		t.Fatalf("with the control token: %s; %d scenarios, not applicable %v, failed %v\n%s",
			res.Verdict, len(res.Scenarios), res.NotApplicable, res.Failed, out.String())
	}
}
