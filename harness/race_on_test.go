//go:build race

package harness

// raceDetector says the tests run under the race detector (go test -race),
// where a whole suite run twice takes minutes: TestTwoTeamsShareOneSandbox
// then runs the scenarios that change shared state only.
const raceDetector = true
