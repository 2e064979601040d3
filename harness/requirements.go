package harness

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/proconnect-sandbox/proconnect-sandbox/docs"
	"github.com/proconnect-sandbox/proconnect-sandbox/harness/report"
)

// reRequirement is a requirement's heading in the contract.
var reRequirement = regexp.MustCompile(`^### (PSP-[A-Z]+-\d+) · (DOIT|DEVRAIT|PEUT) · (.+)$`)

// Requirements reads the portal contract's requirements, in their order.
func Requirements() ([]Requirement, error) {
	var out []Requirement
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(docs.PortalContract))
	for sc.Scan() {
		m := reRequirement.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if seen[m[1]] {
			return nil, fmt.Errorf("docs/contrat-portail.md: %s is defined twice", m[1])
		}
		seen[m[1]] = true
		out = append(out, Requirement{ID: m[1], Level: m[2], Title: m[3]})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("docs/contrat-portail.md holds no requirement heading")
	}
	return out, nil
}

// trace builds the matrix: every requirement → its scenarios (from the
// feature files, run or not) → their results in this run.
func trace(reqs []Requirement, index scenarioIndex, results []ScenarioResult) []Traceability {
	status := map[string]string{}
	for _, r := range results {
		status[r.ID] = r.Status
	}
	var out []Traceability
	for _, req := range reqs {
		t := Traceability{Requirement: req, Verdict: VerdictNotChecked}
		for _, e := range index {
			if slices.Contains(e.tags, "@"+req.ID) {
				t.Scenarios = append(t.Scenarios, TracedOutcome{ID: e.id, Name: e.name, Status: status[e.id]})
			}
		}
		slices.SortFunc(t.Scenarios, func(a, b TracedOutcome) int { return report.CompareIDs(a.ID, b.ID) })
		ran, na := 0, 0
		for _, s := range t.Scenarios {
			switch s.Status {
			case StatusFailed, StatusUnexpectedPass, StatusExpectedFailure:
				t.Verdict = VerdictFailed
			case StatusNotApplicable:
				na++
			case StatusAdvisory:
				if t.Verdict != VerdictFailed {
					t.Verdict = VerdictNotFollowed
				}
			case StatusPassed:
				ran++
			}
		}
		switch {
		case t.Verdict == VerdictFailed || t.Verdict == VerdictNotFollowed:
		case ran > 0:
			t.Verdict = VerdictSatisfied
		case na > 0:
			t.Verdict = VerdictNotApplicable
		}
		out = append(out, t)
	}
	return out
}

// printTraceability prints the matrix for a terminal.
func printTraceability(out io.Writer, matrix []Traceability) {
	fmt.Fprintf(out, "\nExigences du contrat du portail (docs/contrat-portail.md) :\n")
	for _, t := range matrix {
		fmt.Fprintf(out, "  %-11s %-7s %s — %s\n", t.ID, t.Level, report.VerdictText[t.Verdict], t.Title)
		notRun := 0
		for _, s := range t.Scenarios {
			if s.Status == "" {
				notRun++
				continue
			}
			fmt.Fprintf(out, "      %-40s %s\n", s.ID, report.StatusText[s.Status])
		}
		switch {
		case len(t.Scenarios) == 0:
			fmt.Fprintf(out, "      (aucun scénario)\n")
		case notRun > 0:
			fmt.Fprintf(out, "      %d scénario(s) non sélectionné(s) dans cette exécution\n", notRun)
		}
	}
}
