package harness

import "testing"

// TestStepPatternsCompiledOncePerRun checks that the scenarios of a run
// share their compiled step patterns: every pattern compiles, and asking
// again gives the same regexp, not a new compilation.
func TestStepPatternsCompiledOncePerRun(t *testing.T) {
	var cache patternCache
	for _, d := range Steps() {
		first := cache.compiled(d.Pattern)
		if first.String() != d.Pattern {
			t.Fatalf("%s: compiled %q", d.Pattern, first.String())
		}
		if again := cache.compiled(d.Pattern); again != first {
			t.Fatalf("%s (%s:%d) compiled a second time", d.Pattern, d.File, d.Line)
		}
	}
}
