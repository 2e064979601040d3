// Package report holds what a conformance run produced and writes it for
// people and tools: the results of its scenarios, the portal contract's
// traceability matrix, the JUnit XML for CI, and the self-contained HTML
// report with each scenario's steps and exchanges. The runner (package
// harness) fills it; nothing here runs a scenario.
package report
