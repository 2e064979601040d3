package browsertest

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// Axe is axe-core's script, read once for a test.
type Axe struct {
	script  string
	Version string
}

// LoadAxe reads axe-core from $PROCONNECT_SANDBOX_AXE_CORE.
func LoadAxe(tb testing.TB) *Axe {
	tb.Helper()
	path := os.Getenv(AxeEnv)
	if path == "" {
		unavailable(tb, "the accessibility check: $%s does not give axe-core's axe.min.js (npm install axe-core)", AxeEnv)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		unavailable(tb, "the accessibility check: %v", err)
	}
	return &Axe{script: string(b)}
}

// Violation is one rule axe-core found broken on a page.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target         []any  `json:"target"`
		HTML           string `json:"html"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// Serious reports whether the violation is "serious" or "critical".
func (v Violation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for i, n := range v.Nodes {
		if i == 3 {
			fmt.Fprintf(&b, "\n    … and %d more", len(v.Nodes)-3)
			break
		}
		fmt.Fprintf(&b, "\n    %v %s — %s", n.Target, trim(n.HTML, 160), trim(n.FailureSummary, 200))
	}
	return b.String()
}

// Check runs axe-core on the current page (WCAG 2.1 A and AA rules and
// axe's best practices) and returns what it found broken.
func (b *Browser) Check(axe *Axe) ([]Violation, error) {
	var loaded bool
	if err := b.Eval(`typeof axe !== "undefined"`, &loaded); err != nil {
		return nil, err
	}
	if !loaded {
		var ok bool
		if err := b.Eval(axe.script+";\ntrue", &ok); err != nil {
			return nil, fmt.Errorf("load axe-core: %w", err)
		}
	}
	var out struct {
		Version    string      `json:"version"`
		Violations []Violation `json:"violations"`
	}
	err := b.Eval(`axe.run(document, {resultTypes: ["violations"], runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
		.then(r => ({version: r.testEngine.version, violations: r.violations}))`, &out)
	if err != nil {
		return nil, fmt.Errorf("axe.run: %w", err)
	}
	axe.Version = out.Version
	return out.Violations, nil
}
