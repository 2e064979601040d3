package harness_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/portal"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// TestSuiteFailsBrokenPortals proves the portail suite strict: the reference
// portal with one defect at a time must fail, and on the scenario that
// checks that rule. Each broken portal is the reference one with a single
// check turned off through its control API.
func TestSuiteFailsBrokenPortals(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the broken-portal runs take a few seconds; run without -short to prove the portail suite's strictness")
	}
	// each broken portal is the reference one in a sandbox of its own, so
	// that they run side by side
	sandbox := func(t *testing.T) (harness.Target, func(portal.Defects)) {
		t.Helper()
		_, url := sandboxtest.Start(t, sandbox.Config{})
		target := harness.Target{ProConnectURL: url("proconnect"), FranceConnectURL: url("franceconnect"),
			SireneURL: url("sirene"), PisteURL: url("piste"), MailboxURL: url("mailbox"), Portal: harness.ReferencePortal(url("portal"))}
		return target, func(d portal.Defects) {
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
	}
	cases := []struct {
		name     string
		defect   portal.Defects
		tags     string
		scenario string // a failed scenario's name contains this
	}{
		{"accepts unsigned events", portal.Defects{AcceptUnsigned: true}, "@PSP-EVT-2", "mal signé"},
		{"accepts HS256 keyed with the public key", portal.Defects{AcceptHS256: true}, "@PSP-EVT-2", "mal signé"},
		{"ignores kid", portal.Defects{AcceptUnknownKID: true}, "@PSP-EVT-2", "mal signé"},
		{"answers 500 to bad events", portal.Defects{ServerErrorOnBadEvents: true}, "@PSP-EVT-2", "mal signé"},
		{"trusts the keys the header offers", portal.Defects{TrustHeaderKeys: true}, "@PSP-EVT-3", "sa propre clé"},
		{"ignores typ", portal.Defects{IgnoreType: true}, "@PSP-EVT-4", "autre type"},
		{"ignores an unknown crit extension", portal.Defects{IgnoreCritical: true}, "@PSP-EVT-4", "autre type"},
		{"ignores aud", portal.Defects{IgnoreAudience: true}, "@PSP-EVT-5", "comparés exactement"},
		{"compares aud loosely", portal.Defects{LooseAudience: true}, "@PSP-EVT-5", "comparés exactement"},
		{"ignores iss", portal.Defects{IgnoreIssuer: true}, "@PSP-EVT-5", "comparés exactement"},
		{"compares iss as a prefix", portal.Defects{LooseIssuer: true}, "@PSP-EVT-5", "comparés exactement"},
		{"ignores exp", portal.Defects{IgnoreExpiry: true}, "@PSP-EVT-6", "dates"},
		{"accepts an event without exp", portal.Defects{NoExpRequired: true}, "@PSP-EVT-6", "dates"},
		{"accepts iat in the future", portal.Defects{IgnoreIssuedAt: true}, "@PSP-EVT-6", "dates"},
		{"tolerates an hour of clock skew", portal.Defects{HourOfLeeway: true}, "@PSP-EVT-6", "dates"},
		{"answers 2xx to garbage", portal.Defects{AcceptMalformed: true}, "@PSP-EVT-7", "mal formé"},
		{"applies a duplicate twice", portal.Defects{ApplyDuplicates: true}, "@PSP-EVT-8", "doublon"},
		{"answers events slowly", portal.Defects{SlowEvents: true}, "@PSP-EVT-1", "quelques secondes"},
		{"lets a late completion undo a revocation", portal.Defects{RecertifyAfterRevocation: true}, "@PSP-EVT-9", "après la révocation"},
		{"loses a revocation that comes before the completion", portal.Defects{IgnoreEarlyRevocation: true}, "@PSP-EVT-9", "avant la certification"},
		{"refuses the contact email event", portal.Defects{OnlyCertificationEvts: true}, "@PSP-EVT-10", "courriel de contact"},
		{"refuses data fields it does not know", portal.Defects{StrictData: true}, "@PSP-EVT-10", "enrichi"},
		{"refuses an event about an account it never opened", portal.Defects{RefuseUnknownAccount: true}, "@PSP-EVT-11", "n'a pas ouvert"},
		{"reads the JWKS for every event", portal.Defects{NoJWKSCache: true}, "@PSP-CLE-1", "pas relu"},
		{"never reads the JWKS again (misses a rotation)", portal.Defects{StaticKeys: true}, "@PSP-CLE-2", "nouvelle clé"},
		{"reads the JWKS again for every unknown kid", portal.Defects{RefetchEveryKID: true}, "@PSP-CLE-3", "kid inconnu"},
		{"accepts a return without this browser's state (CSRF)", portal.Defects{IgnoreState: true}, "@PSP-PAR-2", "ne vient pas du navigateur"},
		{"treats close_match as certified", portal.Defects{CloseMatchAsCertified: true}, "@PSP-PAR-3", "négatif"},
		{"offers no alternative", portal.Defects{NoAlternative: true}, "@PSP-PAR-4", "alternatif"},
		{"offers no alternative for an unknown company", portal.Defects{NoAlternative: true}, "@PSP-PAR-6", "inconnue"},
		{"certifies an existing account as a new registration", portal.Defects{CertifyAsRegistration: true}, "@PSP-PAR-5", "compte existant"},
		{"asks PISTE for a token at every call", portal.Defects{NoTokenCache: true}, "@PSP-API-2", "jeton PISTE"},
		{"does not apply its re-check's answer", portal.Defects{IgnoreRecheck: true}, "@PSP-VER-2", "négative"},
		{"opens a collaborator's account before the dirigeant answers", portal.Defects{ApproveOnFiling: true}, "@acces", "pas dirigeante"},
		{"opens a collaborator's account on a refusal", portal.Defects{AnyAccessEventAdmits: true}, "@acces", "refuse"},
		{"takes an event whatever its Content-Type", portal.Defects{AcceptAnyContentType: true}, "@PSP-EVT-7", "autre type de contenu"},
		{"normalises iss (case, trailing slash)", portal.Defects{NormaliseIssuer: true}, "@PSP-EVT-5", "comparés exactement"},
		{"refuses aud as a list", portal.Defects{AudienceStringOnly: true}, "@PSP-EVT-5", "plusieurs portails"},
		{"forgets a jti after 2 s", portal.Defects{ShortJTIMemory: true}, "@PSP-EVT-8", "plus tard"},
		{"remembers a jti before checking the event", portal.Defects{RecordJTIBeforeVerify: true}, "@PSP-EVT-8", "faux événement"},
		{"keeps its PISTE token after a 401", portal.Defects{NoRenewOn401: true}, "@PSP-API-1", "renouvelle son jeton"},
		{"revokes every account of the company", portal.Defects{RevokeBySIREN: true}, "@PSP-VER-1", "autre dirigeant"},
		{"binds its state with a SameSite=Strict cookie", portal.Defects{StrictStateCookie: true}, "@PSP-PAR-1", "certifié et son compte"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target, setDefects := sandbox(t)
			setDefects(tc.defect)
			run := func(strict bool) harness.Result {
				var out bytes.Buffer
				res, err := harness.Run(context.Background(), harness.RunOptions{Suites: []string{"portail"}, Tags: tc.tags,
					Format: "progress", Concurrency: 4, Output: io.Writer(&out), Target: target, NoColors: true, StrictRecommendations: strict})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			res := run(false)
			// a recommendation (@recommande) not followed is reported but
			// does not fail the run, unless asked
			for _, r := range res.Scenarios {
				if r.Status == harness.StatusAdvisory && strings.Contains(r.Name, tc.scenario) {
					if !res.Passed {
						t.Fatalf("a recommendation not followed failed the run: %v", res.Failed)
					}
					if strict := run(true); strict.Passed {
						t.Fatal("with StrictRecommendations, a recommendation not followed did not fail the run")
					}
					return
				}
			}
			if res.Passed || res.FailedCount == 0 {
				t.Fatalf("the suite passed a portal that %s", tc.name)
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
	t.Run("no defect", func(t *testing.T) {
		t.Parallel()
		target, _ := sandbox(t)
		var out bytes.Buffer
		res, err := harness.Run(context.Background(), harness.RunOptions{Suites: []string{"portail"}, Format: "progress",
			Concurrency: 4, Output: &out, Target: target, NoColors: true})
		if err != nil || !res.Passed {
			t.Fatalf("the reference portal fails the portail suite: %v\n%s", err, out.String())
		}
	})
}
