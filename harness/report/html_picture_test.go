package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHTMLReportDrawsEachScenario: a scenario's section draws its
// exchanges and the core's deliveries of its events (the event arrow,
// red for the portal's 400, with the event's type in its details), each
// arrow linked to its details; a scenario without exchanges has no
// picture.
func TestHTMLReportDrawsEachScenario(t *testing.T) {
	sum := Summary{Started: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), Suites: []string{"portail"},
		Counts: map[string]int{StatusFailed: 1, StatusPassed: 1},
		Scenarios: []ScenarioResult{{ID: "portail/a.feature:3", Name: "Avec échanges", Status: StatusFailed},
			{ID: "portail/a.feature:9", Name: "Sans échanges", Status: StatusPassed}}}
	file := filepath.Join(t.TempDir(), "rapport.html")
	details := map[string]*Detail{"portail/a.feature:3": {Exchanges: scenarioExchanges(), Deliveries: scenarioDeliveries()},
		"portail/a.feature:9": {Steps: []StepResult{{Text: "une étape", Status: StatusPassed}}}}
	if err := WriteHTML(file, sum, details); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if n := strings.Count(page, `<svg class="flux"`); n != 1 {
		t.Fatalf("%d pictures, want 1 (the scenario with exchanges)", n)
	}
	for _, want := range []string{`data-de="proconnect" data-vers="portal" data-libelle="événement poussé"`, `href="#sc1-fleche-8"`,
		`<details id="sc1-fleche-8"`, "événement certification.completed, signé par la clé proconnect-es256-1", `stroke="#ce0500"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the report does not contain %q", want)
		}
	}
}
