package harness

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/cucumber/godog"
)

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

// TestScenarioBindsOnlyTheStepsItNeeds: a scenario gets from godog only
// the definitions its steps match, and godog judges it as with all of
// them: a step matched runs, an undefined step fails a strict run, two
// definitions matching one step are ambiguous.
func TestScenarioBindsOnlyTheStepsItNeeds(t *testing.T) {
	feature := func(steps ...string) []godog.Feature {
		return []godog.Feature{{Name: "t.feature", Contents: []byte("Feature: t\n  Scenario: s\n    Given " + strings.Join(steps, "\n    And ") + "\n")}}
	}
	cases := []struct {
		name   string
		steps  []string
		bound  int
		status int // godog's: 0 passed, 1 failed
		ran    []string
	}{
		{"matched", []string{"a 1", "b"}, 2, 0, []string{"a 1", "b"}},
		{"undefined", []string{"a 1", "nothing matches this"}, 1, 1, []string{"a 1"}},
		{"ambiguous", []string{"c"}, 2, 1, nil},
	}
	var cache patternCache
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ran []string
			var bound int
			suite := godog.TestSuite{
				ScenarioInitializer: func(sc *godog.ScenarioContext) {
					reg := &stepRegistry{sc: sc, patterns: &cache}
					reg.step(`^a (\d+)$`, func(n string) error { ran = append(ran, "a "+n); return nil })
					reg.step(`^b$`, func() error { ran = append(ran, "b"); return nil })
					reg.step(`^c$`, func() error { return nil })
					reg.step(`^(c|d)$`, func(string) error { return nil })
					reg.step(`^unused$`, func() error { return nil })
					sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
						var texts []string
						for _, st := range s.Steps {
							texts = append(texts, st.Text)
						}
						bound = reg.bindTo(texts)
						return ctx, nil
					})
				},
				Options: &godog.Options{Format: "progress", Output: io.Discard, Strict: true, FeatureContents: feature(tc.steps...)},
			}
			if status := suite.Run(); status != tc.status {
				t.Errorf("godog status %d, want %d", status, tc.status)
			}
			if bound != tc.bound {
				t.Errorf("%d definitions bound, want %d", bound, tc.bound)
			}
			if !slices.Equal(ran, tc.ran) {
				t.Errorf("ran %q, want %q", ran, tc.ran)
			}
		})
	}
}
