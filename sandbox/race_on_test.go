//go:build race

package sandbox_test

// raceDetector is on: TestDemoPagesInBrowser leaves the walk, minutes
// long on a shared machine, to the run without the race detector.
const raceDetector = true
