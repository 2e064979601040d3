package harness_test

import (
	"context"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
)

// TestFranceConnectSuite runs the franceconnect feature files against an
// in-process sandbox, every scenario as a subtest.
func TestFranceConnectSuite(t *testing.T) {
	res, err := harness.Run(context.Background(), harness.RunOptions{
		Suites: []string{"franceconnect"}, TestingT: t, Concurrency: 4, Format: "progress",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed {
		t.Fatal("the franceconnect suite failed")
	}
	if len(res.NotApplicable) != 0 {
		t.Fatalf("in-process, every scenario applies; not applicable: %v", res.NotApplicable)
	}
}
