package harness

import (
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/features"
)

// TestPortalContractTraceability keeps the contract and the portail suite in
// step: every requirement of docs/contrat-portail.md is proven by at least
// one scenario, every scenario proves at least one requirement, and no
// scenario cites a requirement the contract does not have.
func TestPortalContractTraceability(t *testing.T) {
	reqs, err := Requirements()
	if err != nil {
		t.Fatal(err)
	}
	index, err := buildIndex(features.FS, []string{"portail"})
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, r := range reqs {
		known[r.ID] = true
	}
	for _, e := range index {
		cites := 0
		for _, tag := range e.tags {
			if id, ok := strings.CutPrefix(tag, "@PSP-"); ok {
				cites++
				if !known["PSP-"+id] {
					t.Errorf("%s cites %s, which docs/contrat-portail.md does not define", e.id, tag)
				}
			}
		}
		if cites == 0 {
			t.Errorf("%s (%s) cites no requirement of the portal contract", e.id, e.name)
		}
	}
	matrix := trace(reqs, index, nil)
	for _, m := range matrix {
		if len(m.Scenarios) == 0 {
			t.Errorf("%s (%s) is proven by no scenario", m.ID, m.Title)
		}
		if m.Verdict != VerdictNotChecked {
			t.Errorf("%s: verdict %q without any result, want %q", m.ID, m.Verdict, VerdictNotChecked)
		}
	}
	if len(reqs) < 20 {
		t.Errorf("only %d requirements read from the contract: its headings changed shape?", len(reqs))
	}
}

// TestTraceVerdicts checks how scenario results make a requirement's verdict.
func TestTraceVerdicts(t *testing.T) {
	reqs := []Requirement{{ID: "PSP-X-1"}, {ID: "PSP-X-2"}, {ID: "PSP-X-3"}, {ID: "PSP-X-4"}}
	index := scenarioIndex{
		"a": {id: "portail/a.feature:1", tags: []string{"@PSP-X-1", "@PSP-X-2"}},
		"b": {id: "portail/a.feature:2", tags: []string{"@PSP-X-2"}},
		"c": {id: "portail/a.feature:3", tags: []string{"@PSP-X-3"}},
		"d": {id: "portail/a.feature:4", tags: []string{"@PSP-X-4"}},
	}
	results := []ScenarioResult{{ID: "portail/a.feature:1", Status: StatusPassed}, {ID: "portail/a.feature:2", Status: StatusFailed},
		{ID: "portail/a.feature:3", Status: StatusNotApplicable}}
	want := map[string]string{"PSP-X-1": VerdictSatisfied, "PSP-X-2": VerdictFailed, "PSP-X-3": VerdictNotApplicable, "PSP-X-4": VerdictNotChecked}
	for _, m := range trace(reqs, index, results) {
		if m.Verdict != want[m.ID] {
			t.Errorf("%s: %s, want %s", m.ID, m.Verdict, want[m.ID])
		}
	}
}
