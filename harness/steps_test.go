package harness_test

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v26"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/proconnect-sandbox/proconnect-sandbox/features"
	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
)

// TestStepDefinitions checks each registered step on its own: godog takes
// an unanchored pattern, or a closure, without a word; a closure or a step
// registered far from its suite's file is one nobody finds.
func TestStepDefinitions(t *testing.T) {
	defs := harness.Steps()
	if len(defs) == 0 {
		t.Fatal("no step registered")
	}
	checks := []struct {
		name string
		// wrong says what is wrong with d, or "".
		wrong func(d harness.StepDefinition) string
	}{
		{"anchored", func(d harness.StepDefinition) string {
			if !strings.HasPrefix(d.Pattern, "^") || !strings.HasSuffix(d.Pattern, "$") {
				return "the pattern is not anchored (^…$): it would match inside a longer step"
			}
			return ""
		}},
		{"compiles", func(d harness.StepDefinition) string {
			if _, err := regexp.Compile(d.Pattern); err != nil {
				return err.Error()
			}
			return ""
		}},
		{"named", func(d harness.StepDefinition) string {
			if strings.Contains(d.Function, ".func") {
				return "runs in a closure (" + d.Function + "): register a named method"
			}
			return ""
		}},
		{"in its suite's file", func(d harness.StepDefinition) string {
			if !strings.HasPrefix(d.File, "steps_") {
				return "registered in " + d.File + ": register it in the steps_ file of its suite"
			}
			return ""
		}},
		{"located", func(d harness.StepDefinition) string {
			if d.File == "" || d.Line == 0 {
				return "no file:line recorded"
			}
			return ""
		}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, d := range defs {
				if why := c.wrong(d); why != "" {
					t.Errorf("%s:%d %s: %s", d.File, d.Line, d.Pattern, why)
				}
			}
		})
	}
}

// TestStepPatternsUnique: two equal patterns make every step that uses
// them ambiguous.
func TestStepPatternsUnique(t *testing.T) {
	first := map[string]harness.StepDefinition{}
	for _, d := range harness.Steps() {
		if p, dup := first[d.Pattern]; dup {
			t.Errorf("%s registered twice: %s:%d and %s:%d", d.Pattern, p.File, p.Line, d.File, d.Line)
			continue
		}
		first[d.Pattern] = d
	}
}

// TestFeatureStepsMatchOnce checks, without running anything, that every
// step of the feature files (outlines expanded) matches exactly one
// registered pattern: godog's Strict mode finds an undefined or ambiguous
// step only when a run reaches it.
func TestFeatureStepsMatchOnce(t *testing.T) {
	defs := harness.Steps()
	res := make([]*regexp.Regexp, len(defs))
	for i, d := range defs {
		res[i] = regexp.MustCompile(d.Pattern)
	}
	files := featureFiles(t)
	if len(files) == 0 {
		t.Fatal("no feature file in features/")
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			for _, text := range pickleSteps(t, file) {
				var matched []string
				for i, re := range res {
					if re.MatchString(text) {
						matched = append(matched, defs[i].Function)
					}
				}
				switch len(matched) {
				case 1:
				case 0:
					t.Errorf("undefined step: %q", text)
				default:
					t.Errorf("ambiguous step: %q matches %s", text, strings.Join(matched, ", "))
				}
			}
		})
	}
}

// featureFiles lists the feature files of every suite.
func featureFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := fs.WalkDir(features.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path.Ext(p) == ".feature" {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// pickleSteps is the text of every step of a feature file's scenarios, as
// godog runs them (an outline once per example row).
func pickleSteps(t *testing.T, file string) []string {
	t.Helper()
	f, err := features.FS.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	newID := (&messages.Incrementing{}).NewId
	doc, err := gherkin.ParseGherkinDocument(f, newID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, p := range gherkin.Pickles(*doc, file, newID) {
		for _, s := range p.Steps {
			texts = append(texts, s.Text)
		}
	}
	return texts
}
