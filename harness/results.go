package harness

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v26"
	messages "github.com/cucumber/messages/go/v21"
)

// ScenarioResult is what became of one scenario (one example row of an
// outline).
type ScenarioResult struct {
	// ID is the scenario's place, "suite/file.feature:line" (the line of
	// the example row for an outline): stable, and what an expected-failures
	// file lists.
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Suite  string   `json:"suite"`
	Tags   []string `json:"tags"`
	Status string   `json:"status"` // passed, failed, not_applicable, expected_failure, unexpected_pass
	Error  string   `json:"error,omitempty"`
	// FailedStep is the text of the step that failed.
	FailedStep string        `json:"failed_step,omitempty"`
	Reason     string        `json:"reason,omitempty"` // why not applicable, or why the failure is expected
	Duration   time.Duration `json:"duration_ns"`
}

// Statuses of a scenario.
const (
	StatusPassed          = "passed"
	StatusFailed          = "failed"
	StatusNotApplicable   = "not_applicable"
	StatusExpectedFailure = "expected_failure"
	StatusUnexpectedPass  = "unexpected_pass"
	// StatusAdvisory is a failed @recommande scenario: a recommendation the
	// target does not follow; reported, but the run still passes (unless
	// RunOptions.StrictRecommendations).
	StatusAdvisory = "recommendation_failed"
)

// scenarioIndex finds a pickle's place in the feature files: godog numbers
// AST nodes across all files, so the harness parses each file on its own
// and matches pickles by file, name and step texts.
type scenarioIndex map[string]indexEntry

type indexEntry struct {
	id, name string
	tags     []string
	// example is an outline's example row, its cells joined: what tells
	// the rows of one outline apart in a list of failures.
	example string
}

// count returns how many indexed scenarios the tag filter selects, with
// godog's semantics ("&&" and, "," or, "~" not).
func (x scenarioIndex) count(filter string) int {
	n := 0
	for _, e := range x {
		if matchTags(filter, e.tags) {
			n++
		}
	}
	return n
}

func matchTags(filter string, tags []string) bool {
	if strings.TrimSpace(filter) == "" {
		return true
	}
	has := func(t string) bool {
		for _, x := range tags {
			if strings.TrimPrefix(x, "@") == t {
				return true
			}
		}
		return false
	}
	for _, and := range strings.Split(filter, "&&") {
		any := false
		for _, tag := range strings.Split(and, ",") {
			tag = strings.ReplaceAll(strings.TrimSpace(tag), "@", "")
			if neg, ok := strings.CutPrefix(tag, "~"); ok {
				any = any || !has(neg)
			} else {
				any = any || has(tag)
			}
		}
		if !any {
			return false
		}
	}
	return true
}

func pickleKey(uri, name string, steps []*messages.PickleStep) string {
	var b strings.Builder
	b.WriteString(uri + "\x00" + name)
	for _, s := range steps {
		b.WriteString("\x00" + s.Text)
	}
	return b.String()
}

// buildIndex parses the feature files of the suites.
func buildIndex(fsys fs.FS, suites []string) (scenarioIndex, error) {
	idx := scenarioIndex{}
	for _, suite := range suites {
		err := fs.WalkDir(fsys, suite, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path.Ext(p) != ".feature" {
				return err
			}
			f, err := fsys.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			ids := (&messages.Incrementing{}).NewId
			doc, err := gherkin.ParseGherkinDocument(f, ids)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			lines, rows := map[string]int64{}, map[string]string{}
			var scenario func(s *messages.Scenario)
			scenario = func(s *messages.Scenario) {
				lines[s.Id] = s.Location.Line
				for _, ex := range s.Examples {
					for _, row := range ex.TableBody {
						lines[row.Id] = row.Location.Line
						var cells []string
						for _, c := range row.Cells {
							if v := strings.TrimSpace(c.Value); v != "" {
								cells = append(cells, v)
							}
						}
						rows[row.Id] = strings.Join(cells, " | ")
					}
				}
			}
			if doc.Feature != nil {
				for _, c := range doc.Feature.Children {
					if c.Scenario != nil {
						scenario(c.Scenario)
					}
					if c.Rule != nil {
						for _, rc := range c.Rule.Children {
							if rc.Scenario != nil {
								scenario(rc.Scenario)
							}
						}
					}
				}
			}
			for _, pk := range gherkin.Pickles(*doc, p, ids) {
				if len(pk.AstNodeIds) == 0 {
					continue
				}
				last := pk.AstNodeIds[len(pk.AstNodeIds)-1]
				e := indexEntry{id: p + ":" + strconv.FormatInt(lines[last], 10), name: pk.Name, example: rows[last]}
				for _, t := range pk.Tags {
					e.tags = append(e.tags, t.Name)
				}
				idx[pickleKey(p, pk.Name, pk.Steps)] = e
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return idx, nil
}

// compareIDs orders scenario IDs (suite/file.feature:line) by file, then
// line as a number (":9" before ":24"); anything else by text.
func compareIDs(a, b string) int {
	fa, la, okA := strings.Cut(a, ".feature:")
	fb, lb, okB := strings.Cut(b, ".feature:")
	if okA && okB && fa == fb {
		na, errA := strconv.Atoi(strings.Fields(la + " ")[0])
		nb, errB := strconv.Atoi(strings.Fields(lb + " ")[0])
		if errA == nil && errB == nil {
			return cmp.Compare(na, nb)
		}
	}
	return strings.Compare(a, b)
}

// example returns an outline pickle's example row ("" for a scenario).
func (x scenarioIndex) example(pk *messages.Pickle) string {
	return x[pickleKey(pk.Uri, pk.Name, pk.Steps)].example
}

// id returns a pickle's ID, or its file and name when the index misses it.
func (x scenarioIndex) id(pk *messages.Pickle) string {
	if e, ok := x[pickleKey(pk.Uri, pk.Name, pk.Steps)]; ok {
		return e.id
	}
	return pk.Uri + ": " + pk.Name
}

// ExpectedFailures are the scenarios a team knows fail (ID → reason), as in
// the OpenID Foundation's suites: they do not fail the run, but one that
// now passes does (the file must be updated).
type ExpectedFailures map[string]string

// ReadExpectedFailures reads a file with one scenario ID per line, then
// optionally "#" and the reason; blank lines and lines starting with "#"
// are ignored.
func ReadExpectedFailures(file string) (ExpectedFailures, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseExpectedFailures(f, file)
}

func parseExpectedFailures(r io.Reader, name string) (ExpectedFailures, error) {
	out := ExpectedFailures{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, "#")
		id, reason = strings.TrimSpace(id), strings.TrimSpace(reason)
		colon := strings.LastIndexByte(id, ':')
		if colon < 0 || !strings.Contains(id[:colon], ".feature") {
			return nil, fmt.Errorf("%s:%d: %q is not a scenario ID (suite/file.feature:line, as the run prints them)", name, n, id)
		}
		if _, err := strconv.Atoi(id[colon+1:]); err != nil {
			return nil, fmt.Errorf("%s:%d: %q: the line number is not a number", name, n, id)
		}
		if reason == "" {
			reason = "expected failure"
		}
		out[id] = reason
	}
	return out, sc.Err()
}

// Summary is the JSON summary of a run.
type Summary struct {
	Passed   bool              `json:"passed"`
	Started  time.Time         `json:"started"`
	Duration float64           `json:"duration_seconds"`
	Suites   []string          `json:"suites"`
	Tags     string            `json:"tags,omitempty"`
	Target   map[string]string `json:"target"`
	// Seed is the random order's seed (0: file order).
	Seed   int64          `json:"seed,omitempty"`
	Counts map[string]int `json:"counts"`
	// ByTag counts statuses per tag (requirement levels @obligatoire,
	// @recommande… and every other tag).
	ByTag     map[string]map[string]int `json:"by_tag"`
	BySuite   map[string]map[string]int `json:"by_suite"`
	Scenarios []ScenarioResult          `json:"scenarios"`
	// Requirements is the portal contract's traceability matrix (when the
	// portail suite was selected).
	Requirements []Traceability `json:"requirements,omitempty"`
}

func summarise(res Result, suites []string, tags string, target map[string]string) Summary {
	s := Summary{Passed: res.Passed, Started: res.Started, Duration: res.Duration.Seconds(), Suites: suites, Tags: tags,
		Target: target, Counts: map[string]int{}, ByTag: map[string]map[string]int{}, BySuite: map[string]map[string]int{},
		Scenarios: res.Scenarios}
	for _, sc := range res.Scenarios {
		s.Counts[sc.Status]++
		for _, t := range sc.Tags {
			if s.ByTag[t] == nil {
				s.ByTag[t] = map[string]int{}
			}
			s.ByTag[t][sc.Status]++
		}
		if s.BySuite[sc.Suite] == nil {
			s.BySuite[sc.Suite] = map[string]int{}
		}
		s.BySuite[sc.Suite][sc.Status]++
	}
	slices.SortFunc(s.Scenarios, func(a, b ScenarioResult) int { return compareIDs(a.ID, b.ID) })
	return s
}
