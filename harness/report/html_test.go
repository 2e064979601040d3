package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// visibleText is what a person reads in a page: its text, without markup,
// style or script (attributes such as onchange are markup).
func visibleText(t *testing.T, page string) string {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	var b strings.Builder
	hidden := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.StartTagToken:
			name, _ := z.TagName()
			hidden = string(name) == "style" || string(name) == "script"
		case html.EndTagToken:
			hidden = false
		case html.TextToken:
			if !hidden {
				b.Write(z.Text())
				b.WriteByte(' ')
			}
		}
	}
}

// englishStatus are the machine values of scenario and step statuses, and
// godog's and the runner's English sentences: none may reach the page's
// visible text (issue 15).
var englishStatus = regexp.MustCompile(`(?i)\b(passed|passes|failed|failure|skipped|undefined|pending|ambiguous|not_applicable|expected_failure|unexpected_pass|recommendation_failed|listed|tags|step)\b`)

// TestHTMLReportSaysStatusesInFrench: every scenario and step status shows
// its French label, and no English status word is visible; the JSON summary
// keeps its machine values.
func TestHTMLReportSaysStatusesInFrench(t *testing.T) {
	scenario := func(id, status string) ScenarioResult {
		return ScenarioResult{ID: "portail/a.feature:" + id, Name: "Scénario " + id, Suite: "portail", Status: status}
	}
	sum := Summary{
		Started: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), Duration: 1.5, Suites: []string{"portail"},
		Tags: "@obligatoire", Target: map[string]string{"proconnect": "http://127.0.0.1:7100"},
		Counts: map[string]int{StatusPassed: 1, StatusFailed: 2, StatusNotApplicable: 1, StatusExpectedFailure: 1,
			StatusUnexpectedPass: 1, StatusAdvisory: 1},
		Scenarios: []ScenarioResult{
			scenario("1", StatusPassed),
			{ID: "portail/a.feature:2", Name: "Scénario 2", Status: StatusFailed, Error: "step is undefined", FailedStep: "une étape"},
			{ID: "portail/a.feature:3", Name: "Scénario 3", Status: StatusNotApplicable, Reason: "le portail ne déclare pas de status_url"},
			{ID: "portail/a.feature:4", Name: "Scénario 4", Status: StatusExpectedFailure, Reason: "ticket 12", Error: "la réponse a le statut 500"},
			{ID: "portail/a.feature:5", Name: "Scénario 5", Status: StatusUnexpectedPass, ExpectedReason: "ticket 13",
				Reason: "listed as an expected failure (ticket 13) but passes: remove it from the file"},
			scenario("6", StatusAdvisory),
			{ID: "portail/a.feature:7", Name: "Scénario 7", Status: StatusFailed, Error: "ambiguous step definition, step text: une étape\n    matches:\n        ^une étape$"},
		},
		Requirements: []Traceability{{Requirement: Requirement{ID: "PSP-EVT-1", Level: "DOIT", Title: "Recevoir"}, Verdict: VerdictFailed,
			Scenarios: []TracedOutcome{{ID: "portail/a.feature:1", Status: StatusPassed}, {ID: "portail/a.feature:2", Status: StatusFailed}, {ID: "portail/a.feature:9"}}}},
	}
	details := map[string]*Detail{
		"portail/a.feature:2": {Steps: []StepResult{
			{Text: "une étape réussie", Status: "passed"},
			{Text: "une étape sans définition", Status: "undefined", Error: "step is undefined"},
			{Text: "une étape en attente", Status: "pending", Error: "step implementation is pending"},
			{Text: "une étape sautée", Status: "skipped"},
			{Text: "une étape ambiguë", Status: "ambiguous", Error: "ambiguous step definition, step text: x\n    matches:\n        ^x$"},
			{Text: "une étape en échec", Status: "failed", Error: "la réponse a le statut 500"},
		}},
	}
	file := filepath.Join(t.TempDir(), "rapport.html")
	if err := WriteHTML(file, sum, details); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := visibleText(t, string(page))
	for _, want := range []string{
		"Conformité ProConnect : en échec", "02/12/2026 10:00:00 · 1,5 s",
		"réussi Scénario 1", "en échec Scénario 2", "non applicable Scénario 3", "échec attendu Scénario 4",
		"réussit (attendu en échec) Scénario 5", "recommandation non suivie Scénario 6",
		"1 recommandation(s) non suivie(s)", "étiquettes @obligatoire", "EN ÉCHEC",
		"Listé comme échec attendu (ticket 13) mais réussit",
		"une étape sans définition (non définie) — étape non définie",
		"une étape en attente (en attente) — étape en attente d'implémentation",
		"une étape sautée (sautée)",
		"une étape ambiguë (ambiguë) — définition d'étape ambiguë, étape : x correspond à :",
		"Étape : une étape étape non définie",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the report does not say %q:\n%s", want, text)
		}
	}
	if w := englishStatus.FindAllString(text, -1); len(w) > 0 {
		t.Errorf("English visible in the report: %q\n%s", w, text)
	}
	// The JSON summary keeps the machine values other tools read.
	js, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"status":"failed"`, `"status":"unexpected_pass"`, `"reason":"listed as an expected failure (ticket 13) but passes: remove it from the file"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON summary lacks %s", want)
		}
	}
	if strings.Contains(string(js), "ticket 13\",") || strings.Contains(strings.ToLower(string(js)), "expectedreason") {
		t.Errorf("the report's French text leaked into the JSON summary: %s", js)
	}
}
