package harness

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v26"
	messages "github.com/cucumber/messages/go/v21"
	"github.com/proconnect-sandbox/proconnect-sandbox/harness/report"
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
			return nil, fmt.Errorf("%s:%d : %q n'est pas un identifiant de scénario (suite/fichier.feature:ligne, comme l'exécution les imprime)", name, n, id)
		}
		if _, err := strconv.Atoi(id[colon+1:]); err != nil {
			return nil, fmt.Errorf("%s:%d : %q : le numéro de ligne n'est pas un nombre", name, n, id)
		}
		if reason == "" {
			reason = "expected failure"
		}
		out[id] = reason
	}
	return out, sc.Err()
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
	slices.SortFunc(s.Scenarios, func(a, b ScenarioResult) int { return report.CompareIDs(a.ID, b.ID) })
	return s
}
