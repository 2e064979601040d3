package harness_test

import (
	"context"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
)

// TestSuites runs every conformance suite against an in-process sandbox,
// every scenario as a subtest.
func TestSuites(t *testing.T) {
	res, err := harness.Run(context.Background(), harness.RunOptions{
		TestingT: t, Concurrency: 4, Format: "progress",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed {
		t.Fatal("a conformance suite failed")
	}
	if len(res.NotApplicable) != 0 {
		t.Fatalf("in-process, every scenario applies; not applicable: %v", res.NotApplicable)
	}
}
