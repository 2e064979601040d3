package report

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// ScenarioResult is what became of one scenario (one example row of an
// outline).
type ScenarioResult struct {
	// ID is the scenario's place, "suite/file.feature:line" (the line of
	// the example row for an outline): stable, and what an expected-failures
	// file lists.
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Suite  string   `json:"suite"`
	Tags   []string `json:"tags"`
	Status string   `json:"status"` // passed, failed, not_applicable, expected_failure, unexpected_pass
	Error  string   `json:"error,omitempty"`
	// FailedStep is the text of the step that failed.
	FailedStep string        `json:"failed_step,omitempty"`
	Reason     string        `json:"reason,omitempty"` // why not applicable, or why the failure is expected
	Duration   time.Duration `json:"duration_ns"`
	// ExpectedReason is, for an unexpected pass, the reason the
	// expected-failures file gives; the HTML report says the status with
	// it, in French. Not in the JSON summary, whose format other tools read.
	ExpectedReason string `json:"-"`
}

// Statuses of a scenario.
const (
	StatusPassed          = "passed"
	StatusFailed          = "failed"
	StatusNotApplicable   = "not_applicable"
	StatusExpectedFailure = "expected_failure"
	StatusUnexpectedPass  = "unexpected_pass"
	// StatusAdvisory is a failed @recommande scenario: a recommendation the
	// target does not follow; reported, but the run still passes (unless
	// RunOptions.StrictRecommendations).
	StatusAdvisory = "recommendation_failed"
)

// Summary is the JSON summary of a run.
type Summary struct {
	Passed   bool              `json:"passed"`
	Started  time.Time         `json:"started"`
	Duration float64           `json:"duration_seconds"`
	Suites   []string          `json:"suites"`
	Tags     string            `json:"tags,omitempty"`
	Target   map[string]string `json:"target"`
	// Seed is the random order's seed (0: file order).
	Seed   int64          `json:"seed,omitempty"`
	Counts map[string]int `json:"counts"`
	// ByTag counts statuses per tag (requirement levels @obligatoire,
	// @recommande… and every other tag).
	ByTag     map[string]map[string]int `json:"by_tag"`
	BySuite   map[string]map[string]int `json:"by_suite"`
	Scenarios []ScenarioResult          `json:"scenarios"`
	// Requirements is the portal contract's traceability matrix (when the
	// portail suite was selected).
	Requirements []Traceability `json:"requirements,omitempty"`
}

// CompareIDs orders scenario IDs (suite/file.feature:line) by file, then
// line as a number (":9" before ":24"); anything else by text.
func CompareIDs(a, b string) int {
	fa, la, okA := strings.Cut(a, ".feature:")
	fb, lb, okB := strings.Cut(b, ".feature:")
	if okA && okB && fa == fb {
		na, errA := strconv.Atoi(strings.Fields(la + " ")[0])
		nb, errB := strconv.Atoi(strings.Fields(lb + " ")[0])
		if errA == nil && errB == nil {
			return cmp.Compare(na, nb)
		}
	}
	return strings.Compare(a, b)
}

// StepResult is one step of a scenario, as it ran.
type StepResult struct {
	Text   string `json:"text"`
	Status string `json:"status"` // passed, failed, skipped, undefined, pending
	Error  string `json:"error,omitempty"`
}

// Exchange is one HTTP exchange a component journalled for a scenario
// (secrets and personal data redacted by the component).
type Exchange = control.Entry

// Traceability is one requirement with the scenarios that prove it and what
// became of them in a run.
type Traceability struct {
	Requirement
	// Verdict: satisfaite (every scenario run passed), en_echec (one
	// failed), non_applicable (none could run here), non_verifiee (none
	// selected in this run).
	Verdict   string          `json:"verdict"`
	Scenarios []TracedOutcome `json:"scenarios"`
}

// TracedOutcome is a scenario of a requirement and its status in the run
// ("" when not selected).
type TracedOutcome struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status,omitempty"`
}

// Verdicts of a requirement in a run.
const (
	VerdictSatisfied     = "satisfaite"
	VerdictFailed        = "en_echec"
	VerdictNotApplicable = "non_applicable"
	VerdictNotChecked    = "non_verifiee"
	VerdictNotFollowed   = "non_suivie" // a DEVRAIT whose scenario failed
)

// Requirement is one requirement of the portal contract
// (docs/contrat-portail.md): the scenarios that prove it carry its ID as a
// tag (@PSP-EVT-3).
type Requirement struct {
	ID    string `json:"id"`
	Level string `json:"level"` // DOIT, DEVRAIT, PEUT
	Title string `json:"title"`
}

// VerdictText is how the terminal and the report say a verdict.
var VerdictText = map[string]string{VerdictSatisfied: "satisfaite", VerdictFailed: "EN ÉCHEC",
	VerdictNotApplicable: "non applicable", VerdictNotChecked: "non vérifiée (non sélectionnée)", VerdictNotFollowed: "non suivie (recommandation)"}

// StatusText is how the terminal and the report say a scenario's status.
var StatusText = map[string]string{StatusPassed: "réussi", StatusFailed: "en échec", StatusNotApplicable: "non applicable",
	StatusExpectedFailure: "échec attendu", StatusUnexpectedPass: "réussit (attendu en échec)", StatusAdvisory: "recommandation non suivie",
	"": "non exécuté"}

// StepStatusText is how the report says a step's status (godog's
// skipped, undefined, pending, ambiguous); a passed or failed step says
// nothing more than its colour and its error.
var StepStatusText = map[string]string{"skipped": "sautée", "undefined": "non définie", "pending": "en attente", "ambiguous": "ambiguë"}

// Detail is what the HTML report shows of a scenario beyond its
// result.
type Detail struct {
	Steps     []StepResult
	Exchanges []Exchange
	// Portal is what the suite sent the portal under test and what it
	// answered; Deliveries what ProConnect delivered to a portal for the
	// scenario, each attempt with the portal's answer.
	Portal     []PortalExchange
	Deliveries []Delivery
}

// PortalExchange is one request of the suite to the portal under test.
type PortalExchange struct {
	Time       time.Time `json:"time"`
	Method     string    `json:"method"`
	URL        string    `json:"url"`
	Sent       string    `json:"sent,omitempty"` // what the body was (an event: its header and type)
	Status     int       `json:"status"`
	Answer     string    `json:"answer,omitempty"` // the beginning of the answer (visible text)
	DurationMS float64   `json:"duration_ms"`
}

// Delivery is one attempt of ProConnect to deliver an event (the core's
// /__sandbox/attempts).
type Delivery struct {
	Time       time.Time `json:"time"`
	EventType  string    `json:"event_type"`
	Portal     string    `json:"portal"`
	URL        string    `json:"url"`
	KID        string    `json:"kid"`
	Status     int       `json:"status"`
	Answer     string    `json:"answer"`
	Error      string    `json:"error"`
	DurationMS float64   `json:"duration_ms"`
	Subjects   []string  `json:"subjects"`
}
