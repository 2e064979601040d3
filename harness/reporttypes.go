package harness

import "github.com/proconnect-sandbox/proconnect-sandbox/harness/report"

// The run's results, as the reports (harness/report) write them.
type (
	ScenarioResult = report.ScenarioResult
	StepResult     = report.StepResult
	Summary        = report.Summary
	Requirement    = report.Requirement
	Traceability   = report.Traceability
	TracedOutcome  = report.TracedOutcome
	Exchange       = report.Exchange
	PortalExchange = report.PortalExchange
	Delivery       = report.Delivery
)

// Statuses of a scenario, and verdicts of a requirement.
const (
	StatusPassed          = report.StatusPassed
	StatusFailed          = report.StatusFailed
	StatusNotApplicable   = report.StatusNotApplicable
	StatusExpectedFailure = report.StatusExpectedFailure
	StatusUnexpectedPass  = report.StatusUnexpectedPass
	StatusAdvisory        = report.StatusAdvisory

	VerdictSatisfied     = report.VerdictSatisfied
	VerdictFailed        = report.VerdictFailed
	VerdictNotApplicable = report.VerdictNotApplicable
	VerdictNotChecked    = report.VerdictNotChecked
	VerdictNotFollowed   = report.VerdictNotFollowed
)
