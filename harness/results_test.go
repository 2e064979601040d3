package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/features"
)

func TestScenarioIDsAreUniqueLines(t *testing.T) {
	idx, err := buildIndex(features.FS, Suites())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, id := range idx {
		if seen[id] {
			t.Errorf("two scenarios share the ID %s", id)
		}
		seen[id] = true
		if !strings.Contains(id, ".feature:") {
			t.Errorf("ID %q", id)
		}
	}
	if len(idx) < 250 {
		t.Fatalf("%d scenarios indexed", len(idx))
	}
}

func TestExpectedFailuresFile(t *testing.T) {
	ef, err := parseExpectedFailures(strings.NewReader("# gaps we know\n\nportail/01-integration.feature:22  # ticket 12\nproconnect/02-api.feature:9\n"), "f")
	if err != nil || len(ef) != 2 || ef["portail/01-integration.feature:22"] != "ticket 12" || ef["proconnect/02-api.feature:9"] != "expected failure" {
		t.Fatalf("%v %v", ef, err)
	}
	for _, bad := range []string{"Un scénario par son nom\n", "portail/01-integration.feature:vingt\n"} {
		if _, err := parseExpectedFailures(strings.NewReader(bad), "f"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestExpectedFailuresAndSummary: a known gap listed by ID does not fail
// the run; once fixed, the same list fails it; the JSON summary counts both.
func TestExpectedFailuresAndSummary(t *testing.T) {
	stack, err := Start(context.Background(), StackConfig{Ports: FreePorts()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stack.Close(ctx)
	})
	url := func(n string) string { s, _ := stack.Service(n); return s.PublicURL }
	target := Target{ProConnectURL: url("proconnect"), FranceConnectURL: url("franceconnect"), SireneURL: url("sirene"),
		PisteURL: url("piste"), MailboxURL: url("mailbox"), Portal: ReferencePortal(url("portal"))}
	defects := func(body string) {
		req, _ := http.NewRequest(http.MethodPut, url("portal")+"/__sandbox/defects", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("defects: %v", err)
		}
		resp.Body.Close()
	}
	run := func(expected ExpectedFailures, summary string) Result {
		var out bytes.Buffer
		res, err := Run(context.Background(), RunOptions{Suites: []string{"portail"}, Tags: "@portail && ~@securite",
			Concurrency: 4, Format: "progress", Output: &out, Target: target, NoColors: true,
			ExpectedFailures: expected, Summary: summary})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	defects(`{"no_alternative": true}`)
	broken := run(nil, "")
	if broken.Passed || len(broken.Failed) == 0 {
		t.Fatal("the broken portal passed")
	}
	expected := ExpectedFailures{}
	for _, r := range broken.Scenarios {
		if r.Status == StatusFailed {
			expected[r.ID] = "no alternative page yet"
		}
	}
	file := filepath.Join(t.TempDir(), "summary.json")
	known := run(expected, file)
	if !known.Passed || known.ExpectedFailureCount != len(expected) {
		t.Fatalf("with the gaps listed: passed %v, %d expected failures, failed %v", known.Passed, known.ExpectedFailureCount, known.Failed)
	}
	for _, r := range known.Scenarios {
		if !strings.Contains(r.ID, ".feature:") {
			t.Errorf("scenario %q has no file:line ID", r.ID)
		}
	}
	var sum Summary
	b, _ := os.ReadFile(file)
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if !sum.Passed || sum.Counts[StatusExpectedFailure] != len(expected) || sum.Counts[StatusPassed] == 0 ||
		sum.ByTag["@obligatoire"][StatusPassed] == 0 || sum.BySuite["portail"][StatusExpectedFailure] != len(expected) {
		t.Fatalf("summary %s", b)
	}
	defects(`{}`)
	fixed := run(expected, "")
	if fixed.Passed {
		t.Fatal("expected failures that now pass did not fail the run")
	}
	for _, r := range fixed.Scenarios {
		if _, ok := expected[r.ID]; ok && r.Status != StatusUnexpectedPass {
			t.Fatalf("%s is %s, want unexpected_pass", r.ID, r.Status)
		}
	}
}
