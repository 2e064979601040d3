package harness_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/portal"
)

// TestSuiteFailsBrokenPortals proves the portail suite strict: the reference
// portal with one defect at a time must fail, and on the scenario that
// checks that rule. Each broken portal is the reference one with a single
// check turned off through its control API.
func TestSuiteFailsBrokenPortals(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the broken-portal runs take a few seconds; run without -short to prove the portail suite's strictness")
	}
	ports := harness.FreePorts()
	stack, err := harness.Start(context.Background(), harness.StackConfig{Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stack.Close(ctx)
	})
	url := func(name string) string { s, _ := stack.Service(name); return s.PublicURL }
	target := harness.Target{ProConnectURL: url("proconnect"), FranceConnectURL: url("franceconnect"),
		SireneURL: url("sirene"), PisteURL: url("piste"), MailboxURL: url("mailbox"), Portal: harness.ReferencePortal(url("portal"))}
	setDefects := func(d portal.Defects) {
		t.Helper()
		b, _ := json.Marshal(d)
		req, _ := http.NewRequest(http.MethodPut, url("portal")+"/__sandbox/defects", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("defects: %d", resp.StatusCode)
		}
	}
	cases := []struct {
		name     string
		defect   portal.Defects
		tags     string
		scenario string // a failed scenario's name contains this
	}{
		{"accepts unsigned events", portal.Defects{AcceptUnsigned: true}, "@securite", "falsifié"},
		{"accepts HS256 keyed with the public key", portal.Defects{AcceptHS256: true}, "@securite", "falsifié"},
		{"ignores kid", portal.Defects{AcceptUnknownKID: true}, "@securite", "falsifié"},
		{"ignores aud", portal.Defects{IgnoreAudience: true}, "@securite", "falsifié"},
		{"ignores iss", portal.Defects{IgnoreIssuer: true}, "@securite", "falsifié"},
		{"ignores exp", portal.Defects{IgnoreExpiry: true}, "@securite", "falsifié"},
		{"applies a duplicate twice", portal.Defects{ApplyDuplicates: true}, "@securite", "doublon"},
		{"answers 2xx to garbage", portal.Defects{AcceptMalformed: true}, "@securite", "mal formé"},
		{"answers events slowly", portal.Defects{SlowEvents: true}, "@delai", "quelques secondes"},
		{"treats close_match as certified", portal.Defects{CloseMatchAsCertified: true}, "@portail && ~@securite", "négatif"},
		{"offers no alternative", portal.Defects{NoAlternative: true}, "@portail && ~@securite", "alternatif"},
		{"opens a collaborator's account before the dirigeant answers", portal.Defects{ApproveOnFiling: true}, "@acces", "pas dirigeante"},
		{"opens a collaborator's account on a refusal", portal.Defects{AnyAccessEventAdmits: true}, "@acces", "refuse"},
		{"refuses the contact email event", portal.Defects{OnlyCertificationEvts: true}, "@evenements", "courriel de contact"},
		{"refuses data fields it does not know", portal.Defects{StrictData: true}, "@evenements", "enrichi"},
		{"lets a late completion undo a revocation", portal.Defects{RecertifyAfterRevocation: true}, "@evenements", "après la révocation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setDefects(tc.defect)
			defer setDefects(portal.Defects{})
			var out bytes.Buffer
			res, err := harness.Run(context.Background(), harness.RunOptions{Suites: []string{"portail"}, Tags: tc.tags,
				Format: "progress", Concurrency: 4, Output: io.Writer(&out), Target: target, NoColors: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Passed || res.FailedCount == 0 {
				t.Fatalf("the suite passed a portal that %s:\n%s", tc.name, out.String())
			}
			for _, f := range res.Failed {
				if strings.Contains(f, tc.scenario) {
					return
				}
			}
			t.Fatalf("the suite failed %v, none about %q", res.Failed, tc.scenario)
		})
	}
	// The reference portal, without defects, passes the same suite.
	setDefects(portal.Defects{})
	var out bytes.Buffer
	res, err := harness.Run(context.Background(), harness.RunOptions{Suites: []string{"portail"}, Format: "progress",
		Concurrency: 4, Output: &out, Target: target, NoColors: true})
	if err != nil || !res.Passed {
		t.Fatalf("the reference portal fails the portail suite: %v\n%s", err, out.String())
	}
}
