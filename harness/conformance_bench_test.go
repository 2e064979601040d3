package harness_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
)

// BenchmarkConformance measures what `conformance` takes without options:
// an in-process sandbox started, every suite run against it at
// concurrency 4, the sandbox stopped; one iteration is one full run, and
// s/run is the figure its verdict line prints. Run with -benchtime 3x or
// more: one run lasts seconds.
func BenchmarkConformance(b *testing.B) {
	scenarios := 0
	var out bytes.Buffer
	for b.Loop() {
		out.Reset() // the report of the last run only: what a failure shows
		res, err := harness.Run(context.Background(), harness.RunOptions{Concurrency: 4, Format: "progress", Output: &out})
		if err != nil {
			b.Fatal(err)
		}
		if !res.Passed || len(res.NotApplicable) != 0 {
			b.Fatalf("the run did not pass in full: %s; failed: %v; not applicable: %v\n%s", res.Verdict, res.Failed, res.NotApplicable, out.Bytes())
		}
		scenarios = res.PassedCount
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(scenarios), "scenarios")
}
