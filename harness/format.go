package harness

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/formatters"
	messages "github.com/cucumber/messages/go/v21"
)

// The run's terminal output. godog's own pretty and progress formatters end
// with godog's summary ("30 scenarios (15 passed, 15 failed)"), which counts
// a not-applicable scenario as passed and an expected failure as failed, and
// cannot be switched off; the run prints one summary, its own. These two
// formatters write the scenarios and steps as they run, and no summary.

// stepMark is the progress character of each step status.
var stepMark = map[string]string{"passed": ".", "failed": "F", "skipped": "-", "undefined": "U", "pending": "P", "ambiguous": "A"}

// terminal is the pretty or progress formatter.
type terminal struct {
	out      io.Writer
	progress bool
	mu       sync.Mutex
	steps    int               // progress: steps written
	features map[string]string // uri → feature name
	keywords map[string]string // step AST id → keyword
	current  string            // the uri of the last scenario written
}

func newTerminal(out io.Writer, progress bool) *terminal {
	return &terminal{out: out, progress: progress, features: map[string]string{}, keywords: map[string]string{}}
}

func (t *terminal) TestRunStarted() {}

func (t *terminal) Feature(doc *messages.GherkinDocument, uri string, _ []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if doc == nil || doc.Feature == nil {
		return
	}
	t.features[uri] = doc.Feature.Name
	add := func(steps []*messages.Step) {
		for _, s := range steps {
			t.keywords[s.Id] = strings.TrimSpace(s.Keyword)
		}
	}
	for _, c := range doc.Feature.Children {
		switch {
		case c.Background != nil:
			add(c.Background.Steps)
		case c.Scenario != nil:
			add(c.Scenario.Steps)
		case c.Rule != nil:
			for _, rc := range c.Rule.Children {
				if rc.Background != nil {
					add(rc.Background.Steps)
				}
				if rc.Scenario != nil {
					add(rc.Scenario.Steps)
				}
			}
		}
	}
}

func (t *terminal) Pickle(pk *messages.Pickle) {
	if t.progress {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if pk.Uri != t.current {
		t.current = pk.Uri
		fmt.Fprintf(t.out, "\nFonctionnalité : %s (%s)\n", t.features[pk.Uri], pk.Uri)
	}
	fmt.Fprintf(t.out, "\n  Scénario : %s\n", pk.Name)
}

func (t *terminal) Defined(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition) {}

func (t *terminal) step(st *messages.PickleStep, status string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.progress {
		fmt.Fprint(t.out, stepMark[status])
		t.steps++
		if t.steps%70 == 0 {
			fmt.Fprintf(t.out, " %d\n", t.steps)
		}
		return
	}
	kw := ""
	if len(st.AstNodeIds) > 0 {
		kw = t.keywords[st.AstNodeIds[0]] + " "
	}
	mark := map[string]string{"passed": "✔", "failed": "✘", "skipped": "-", "undefined": "?", "pending": "…", "ambiguous": "?"}[status]
	fmt.Fprintf(t.out, "    %s %s%s", mark, kw, st.Text)
	if status != "passed" && status != "failed" {
		fmt.Fprintf(t.out, "  (%s)", map[string]string{"skipped": "sautée", "undefined": "non définie", "pending": "en attente",
			"ambiguous": "ambiguë"}[status])
	}
	fmt.Fprintln(t.out)
	if err != nil {
		fmt.Fprintf(t.out, "        %s\n", strings.ReplaceAll(err.Error(), "\n", "\n        "))
	}
}

func (t *terminal) Failed(_ *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition, err error) {
	t.step(st, "failed", err)
}

func (t *terminal) Passed(_ *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition) {
	t.step(st, "passed", nil)
}

func (t *terminal) Skipped(_ *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition) {
	t.step(st, "skipped", nil)
}

func (t *terminal) Undefined(_ *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition) {
	t.step(st, "undefined", nil)
}

func (t *terminal) Pending(_ *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition) {
	t.step(st, "pending", nil)
}

func (t *terminal) Ambiguous(_ *messages.Pickle, st *messages.PickleStep, _ *formatters.StepDefinition, err error) {
	t.step(st, "ambiguous", err)
}

// Summary ends the progress line; the run prints the summary.
func (t *terminal) Summary() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.progress && t.steps%70 != 0 {
		fmt.Fprintf(t.out, " %d\n", t.steps)
	}
}

var registerFormats sync.Once

// formatName registers (once) the run's formatters with godog, which knows
// formatters by name only, and returns the one for name (pretty, progress).
func formatName(name string) string {
	registerFormats.Do(func() {
		godog.Format("proconnect-pretty", "scenarios and steps in French, no summary (the run prints its own)",
			func(_ string, out io.Writer) formatters.Formatter { return newTerminal(out, false) })
		godog.Format("proconnect-progress", "a character per step, no summary (the run prints its own)",
			func(_ string, out io.Writer) formatters.Formatter { return newTerminal(out, true) })
	})
	return "proconnect-" + name
}
