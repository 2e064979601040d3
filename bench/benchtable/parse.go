package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// series is one benchmark's results for one unit, one value per run.
type series struct {
	unit   string
	values []float64
}

// bench is one benchmark (a sub-benchmark counts as its own) of a package.
type bench struct {
	pkg, name string // name without its -GOMAXPROCS suffix
	fn        string // the Benchmark function, for its doc comment
	units     []*series
}

type results struct {
	benches  []*bench
	failures []string // "--- FAIL" and "FAIL pkg" lines, as go test wrote them
	skips    []string
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads go test -bench output: "pkg:" lines name the package of the
// result lines that follow; a result line is the benchmark's name, its
// iterations, then value-unit pairs (testing.BenchmarkResult's format).
// Other lines (logs, PASS, ok) are ignored.
func parse(r io.Reader) (*results, error) {
	res := &results{}
	index := map[string]*bench{}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "pkg:" && len(f) == 2:
			pkg = f[1]
		case strings.HasPrefix(strings.TrimSpace(line), "--- FAIL:"), f[0] == "FAIL" && len(f) >= 2:
			res.failures = append(res.failures, strings.TrimSpace(line))
		case strings.HasPrefix(strings.TrimSpace(line), "--- SKIP:"):
			res.skips = append(res.skips, strings.TrimSpace(line))
		case strings.HasPrefix(f[0], "Benchmark") && len(f) >= 4 && len(f)%2 == 0:
			if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
				continue // a log line that starts with a benchmark's name
			}
			name := procsSuffix.ReplaceAllString(f[0], "")
			key := pkg + " " + name
			b := index[key]
			if b == nil {
				fn, _, _ := strings.Cut(name, "/")
				b = &bench{pkg: pkg, name: name, fn: fn}
				index[key] = b
				res.benches = append(res.benches, b)
			}
			for i := 2; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					return nil, fmt.Errorf("%q: value %q: %w", line, f[i], err)
				}
				b.add(f[i+1], v)
			}
		}
	}
	return res, sc.Err()
}

func (b *bench) add(unit string, v float64) {
	for _, s := range b.units {
		if s.unit == unit {
			s.values = append(s.values, v)
			return
		}
	}
	b.units = append(b.units, &series{unit: unit, values: []float64{v}})
}

// median is the middle value, or the mean of the two middle ones.
func median(values []float64) float64 {
	v := slices.Sorted(slices.Values(values))
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// format writes v with four significant digits, never fewer digits than its
// integer part has, and a whole number without decimals.
func format(v float64) string {
	if v == math.Trunc(v) || math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	digits := int(math.Floor(math.Log10(math.Abs(v)))) + 1
	return strconv.FormatFloat(v, 'f', max(0, 4-digits), 64)
}

// write prints the table: one row per benchmark and unit, the benchmark's
// name and what it walks on its first row only (a sub-benchmark says ").
func (r *results) write(w io.Writer, walks map[string]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\twhat it walks\tmedian\tmin–max\tunit\truns")
	prev := ""
	for _, b := range r.benches {
		name := shortPkg(b.pkg) + "." + b.name
		walk := walks[b.pkg+"."+b.fn]
		if walk == "" {
			walk = "-"
		}
		if b.pkg+"."+b.fn == prev {
			walk = `"` // ditto: a sub-benchmark of the one above
		}
		prev = b.pkg + "." + b.fn
		for i, s := range b.units {
			if i > 0 {
				name, walk = "", ""
			}
			lo, hi := slices.Min(s.values), slices.Max(s.values)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s–%s\t%s\t%d\n", name, walk, format(median(s.values)), format(lo), format(hi), s.unit, len(s.values))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.benches) == 0 {
		fmt.Fprintln(w, "(no benchmark results)")
	}
	for _, s := range r.skips {
		fmt.Fprintln(w, "skipped:", s)
	}
	for _, f := range r.failures {
		fmt.Fprintln(w, "FAILED:", f)
	}
	return nil
}

// shortPkg drops the module path: the table is about this module.
func shortPkg(pkg string) string {
	const module = "github.com/proconnect-sandbox/proconnect-sandbox/"
	return strings.TrimPrefix(pkg, module)
}
