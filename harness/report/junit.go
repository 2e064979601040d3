package report

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The JUnit XML report is written from the run's own results, not by
// godog: a not-applicable scenario is <skipped> with its reason (never an
// error, never a pass), an expected failure is <skipped> with the failure,
// an expected failure that passes is a <failure>. One <testsuite> per
// feature file; a <testcase>'s classname is its file, its name the
// scenario's with its line, so that outline rows stay apart.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string    `xml:"name,attr"`
	Classname string    `xml:"classname,attr"`
	Time      string    `xml:"time,attr"`
	Failure   *junitMsg `xml:"failure,omitempty"`
	Skipped   *junitMsg `xml:"skipped,omitempty"`
	SystemOut string    `xml:"system-out,omitempty"`
}

type junitMsg struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the JUnit XML report of a run.
func WriteJUnit(file string, sum Summary) error {
	byFile := map[string]*junitSuite{}
	durations := map[string]time.Duration{}
	var total time.Duration
	for _, r := range sum.Scenarios {
		path, line, _ := strings.Cut(r.ID, ".feature:")
		path += ".feature"
		s := byFile[path]
		if s == nil {
			s = &junitSuite{Name: path, Timestamp: sum.Started.UTC().Format("2006-01-02T15:04:05")}
			byFile[path] = s
		}
		c := junitCase{Name: r.Name + " (ligne " + line + ")", Classname: path, Time: seconds(r.Duration)}
		switch r.Status {
		case StatusFailed:
			c.Failure = &junitMsg{Message: firstLine(r.Error), Type: "failed", Text: r.Error}
			s.Failures++
		case StatusUnexpectedPass:
			c.Failure = &junitMsg{Message: r.Reason, Type: "unexpected_pass"}
			s.Failures++
		case StatusNotApplicable:
			c.Skipped = &junitMsg{Message: "non applicable : " + r.Reason}
			s.Skipped++
		case StatusExpectedFailure:
			c.Skipped = &junitMsg{Message: "échec attendu : " + r.Reason, Text: r.Error}
			s.Skipped++
		case StatusAdvisory: // passes, with what is not followed in its output
			c.SystemOut = "recommandation non suivie : " + r.Error
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
		durations[path] += r.Duration
		total += r.Duration
	}
	out := junitSuites{Name: "proconnect-sandbox", Time: fmt.Sprintf("%.3f", sum.Duration)}
	var names []string
	for n := range byFile {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := byFile[n]
		s.Time = seconds(durations[n])
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, *s)
	}
	b, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, append([]byte(xml.Header), append(b, '\n')...), 0o644)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 300 {
		line = line[:300] + "…"
	}
	return line
}
