package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// The parts of govulncheck's -format json stream (protocol v1) the verdict
// reads: a stream of objects, each with one of these fields set.
type (
	message struct {
		Config *struct {
			ProtocolVersion string     `json:"protocol_version"`
			ScannerVersion  string     `json:"scanner_version"`
			DB              string     `json:"db"`
			DBLastModified  *time.Time `json:"db_last_modified"`
			GoVersion       string     `json:"go_version"`
			ScanLevel       string     `json:"scan_level"`
		} `json:"config"`
		SBOM *struct {
			Modules []struct {
				Path    string `json:"path"`
				Version string `json:"version"`
			} `json:"modules"`
		} `json:"SBOM"`
		OSV *struct {
			ID      string `json:"id"`
			Summary string `json:"summary"`
		} `json:"osv"`
		Finding *finding `json:"finding"`
	}
	// finding: its trace runs from the vulnerable symbol (first frame) to
	// the code that reaches it (last). A symbol-level finding (the code
	// calls the vulnerable symbol) has a function in its first frame; a
	// package-level one only a package; a module-level one neither.
	finding struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	}
	frame struct {
		Module   string `json:"module"`
		Version  string `json:"version"`
		Package  string `json:"package"`
		Function string `json:"function"`
		Receiver string `json:"receiver"`
		Position *struct {
			Filename string `json:"filename"`
			Line     int    `json:"line"`
			Column   int    `json:"column"`
		} `json:"position"`
	}
)

// level of a vulnerability in a scan: how close the code comes to it.
type level int

const (
	required level = iota // a module in the build list has it
	imported              // a package the code imports has it
	called                // the code calls a vulnerable symbol
)

// vuln is what a scan found of one vulnerability.
type vuln struct {
	id, summary string
	level       level
	where       []string // module@version, fixed in ...
	example     *finding // a symbol-level finding, for a called one
}

// scan is one govulncheck run, read from its JSON stream.
type scan struct {
	scanner, goVersion, db, level string
	dbModified                    time.Time
	mainModule                    string
	vulns                         map[string]*vuln
}

func readScan(r io.Reader) (*scan, error) {
	s := &scan{vulns: map[string]*vuln{}}
	summaries := map[string]string{}
	seenConfig := false
	dec := json.NewDecoder(r)
	for {
		var m message
		err := dec.Decode(&m)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading govulncheck's JSON: %v", err)
		}
		switch {
		case m.Config != nil:
			c := m.Config
			if !strings.HasPrefix(c.ProtocolVersion, "v1.") {
				return nil, fmt.Errorf("govulncheck's JSON protocol is %q: this reader knows v1", c.ProtocolVersion)
			}
			seenConfig = true
			s.scanner, s.goVersion, s.db, s.level = c.ScannerVersion, c.GoVersion, c.DB, c.ScanLevel
			if c.DBLastModified != nil {
				s.dbModified = *c.DBLastModified
			}
		case m.SBOM != nil:
			for _, mod := range m.SBOM.Modules {
				if mod.Version == "" && mod.Path != "stdlib" {
					s.mainModule = mod.Path
				}
			}
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil:
			f := m.Finding
			if len(f.Trace) == 0 {
				return nil, fmt.Errorf("finding %s has no trace", f.OSV)
			}
			v := s.vulns[f.OSV]
			if v == nil {
				v = &vuln{id: f.OSV}
				s.vulns[f.OSV] = v
			}
			lv := required
			switch {
			case f.Trace[0].Function != "":
				lv = called
			case f.Trace[0].Package != "":
				lv = imported
			}
			if lv > v.level {
				v.level = lv
			}
			if lv == called && v.example == nil {
				v.example = f
			}
			where := f.Trace[0].Module + "@" + f.Trace[0].Version
			if f.FixedVersion != "" {
				where += ", fixed in " + f.FixedVersion
			} else {
				where += ", no fixed version"
			}
			if !slices.Contains(v.where, where) {
				v.where = append(v.where, where)
			}
		}
	}
	if !seenConfig {
		return nil, errors.New("no govulncheck configuration in the input: is it govulncheck -format json's output?")
	}
	if s.level != "symbol" {
		return nil, fmt.Errorf("govulncheck scanned at %q level: the verdict needs symbol level, to know what the code calls", s.level)
	}
	for id, v := range s.vulns {
		v.summary = summaries[id]
	}
	return s, nil
}

// readAccepted reads an accept file: one vulnerability a line, its id then
// why it is accepted; blank lines and lines starting with # aside.
func readAccepted(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		reason = strings.TrimSpace(reason)
		if !idPattern.MatchString(id) || reason == "" {
			return nil, fmt.Errorf("line %d: want GO-YYYY-NNNN then why it is accepted, got %q", n, line)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("line %d: %s again", n, id)
		}
		out[id] = reason
	}
	return out, sc.Err()
}

// runVerdict is "vulnci verdict": the report of a scan, and errFound when
// the code calls a vulnerability that is not accepted.
func runVerdict(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("vulnci verdict", flag.ContinueOnError)
	acceptFile := fs.String("accept", "", "the file of accepted vulnerabilities (id, then why)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: vulnci verdict [-accept FILE] < govulncheck.json")
	}
	accepted := map[string]string{}
	if *acceptFile != "" {
		f, err := os.Open(*acceptFile)
		if err != nil {
			return err
		}
		accepted, err = readAccepted(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %v", *acceptFile, err)
		}
	}
	s, err := readScan(stdin)
	if err != nil {
		return err
	}
	return s.report(stdout, accepted, *acceptFile)
}

func (s *scan) report(w io.Writer, accepted map[string]string, acceptFile string) error {
	byLevel := map[level][]*vuln{}
	for _, v := range s.vulns {
		byLevel[v.level] = append(byLevel[v.level], v)
	}
	for _, vs := range byLevel {
		slices.SortFunc(vs, func(a, b *vuln) int { return strings.Compare(a.id, b.id) })
	}
	dbDate := "undated"
	if !s.dbModified.IsZero() {
		dbDate = "of " + s.dbModified.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(w, "govulncheck %s with %s, database %s (%s): %d vulnerabilities called, %d in imported packages only, %d in required modules only\n",
		s.scanner, s.goVersion, s.db, dbDate, len(byLevel[called]), len(byLevel[imported]), len(byLevel[required]))

	// The called ones that fail first, then the accepted ones.
	slices.SortStableFunc(byLevel[called], func(a, b *vuln) int {
		_, okA := accepted[a.id]
		_, okB := accepted[b.id]
		switch {
		case !okA && okB:
			return -1
		case okA && !okB:
			return 1
		}
		return 0
	})
	var failing []string
	for _, v := range byLevel[called] {
		verdict := "CALLED"
		reason, ok := accepted[v.id]
		if ok {
			verdict = "accepted"
		} else {
			failing = append(failing, v.id)
		}
		fmt.Fprintf(w, "  %-8s %s %s: %s\n", verdict, v.id, strings.Join(v.where, "; "), v.summary)
		if ok {
			fmt.Fprintf(w, "           accepted because: %s\n", reason)
		}
		if v.example != nil {
			fmt.Fprintf(w, "           e.g. %s\n", s.trace(v.example.Trace))
		}
	}
	// The code does not call these: they are listed, they never fail.
	for _, lv := range []level{imported, required} {
		label := map[level]string{imported: "imported", required: "required"}[lv]
		for _, v := range byLevel[lv] {
			fmt.Fprintf(w, "  %-8s %s %s: %s\n", label, v.id, strings.Join(v.where, "; "), v.summary)
		}
	}
	var stale []string
	for id := range accepted {
		if v := s.vulns[id]; v == nil || v.level != called {
			stale = append(stale, id)
		}
	}
	slices.Sort(stale)
	for _, id := range stale {
		fmt.Fprintf(w, "  note: %s is accepted in %s but no code calls it any more: remove its line\n", id, acceptFile)
	}
	if len(failing) > 0 {
		fmt.Fprintf(w, "FAIL: the code calls %d vulnerabilities that are not accepted: %s\n", len(failing), strings.Join(failing, " "))
		return errFound
	}
	fmt.Fprintf(w, "ok: the code calls no vulnerability known to this database (%d accepted)\n", len(byLevel[called]))
	return nil
}

// trace says how the code reaches the vulnerable symbol: where the code's
// call is, its function, then the symbol.
func (s *scan) trace(t []frame) string {
	entry, symbol := t[len(t)-1], t[0]
	var b strings.Builder
	if p := entry.Position; p != nil {
		name := p.Filename
		if wd, err := os.Getwd(); err == nil {
			name = strings.TrimPrefix(name, wd+string(os.PathSeparator))
		}
		fmt.Fprintf(&b, "%s:%d:%d: ", name, p.Line, p.Column)
	}
	b.WriteString(s.name(entry))
	if len(t) > 2 {
		b.WriteString(" → … →")
	} else {
		b.WriteString(" →")
	}
	b.WriteString(" " + s.name(symbol))
	return b.String()
}

func (s *scan) name(f frame) string {
	pkg := f.Package
	if s.mainModule != "" {
		pkg = strings.TrimPrefix(pkg, s.mainModule+"/")
	}
	if f.Receiver != "" {
		return pkg + "." + strings.TrimPrefix(f.Receiver, "*") + "." + f.Function
	}
	return pkg + "." + f.Function
}
