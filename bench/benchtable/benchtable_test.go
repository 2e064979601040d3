package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/proconnect-sandbox/proconnect-sandbox/mocks/piste
cpu: AMD EPYC
BenchmarkToken-2   	    5000	    250000 ns/op	      4000 tokens/s	    9000 B/op	      90 allocs/op
BenchmarkToken-2   	    5000	    200000 ns/op	      5000 tokens/s	    9000 B/op	      90 allocs/op
BenchmarkToken-2   	    5000	    300000 ns/op	      3000 tokens/s	    9000 B/op	      90 allocs/op
    bench_test.go:40: BenchmarkToken 12 logged words
PASS
ok  	github.com/proconnect-sandbox/proconnect-sandbox/mocks/piste	9.1s
pkg: github.com/proconnect-sandbox/proconnect-sandbox/harness
BenchmarkCertificationFlow/store=memory/concurrency=8-2         	     400	   2500000 ns/op	 400.5 flows/s
BenchmarkCertificationFlow/store=sqlite/concurrency=8-2         	     300	   3500000 ns/op	 290.25 flows/s
--- SKIP: BenchmarkSoak
--- FAIL: BenchmarkAccessRequestMailed/store=sqlite
FAIL	github.com/proconnect-sandbox/proconnect-sandbox/harness	30.2s
`

func TestParse(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		pkg, name, fn, unit string
		values              []float64
	}
	var got []row
	for _, b := range res.benches {
		for _, s := range b.units {
			got = append(got, row{shortPkg(b.pkg), b.name, b.fn, s.unit, s.values})
		}
	}
	want := []row{
		{"mocks/piste", "BenchmarkToken", "BenchmarkToken", "ns/op", []float64{250000, 200000, 300000}},
		{"mocks/piste", "BenchmarkToken", "BenchmarkToken", "tokens/s", []float64{4000, 5000, 3000}},
		{"mocks/piste", "BenchmarkToken", "BenchmarkToken", "B/op", []float64{9000, 9000, 9000}},
		{"mocks/piste", "BenchmarkToken", "BenchmarkToken", "allocs/op", []float64{90, 90, 90}},
		{"harness", "BenchmarkCertificationFlow/store=memory/concurrency=8", "BenchmarkCertificationFlow", "ns/op", []float64{2500000}},
		{"harness", "BenchmarkCertificationFlow/store=memory/concurrency=8", "BenchmarkCertificationFlow", "flows/s", []float64{400.5}},
		{"harness", "BenchmarkCertificationFlow/store=sqlite/concurrency=8", "BenchmarkCertificationFlow", "ns/op", []float64{3500000}},
		{"harness", "BenchmarkCertificationFlow/store=sqlite/concurrency=8", "BenchmarkCertificationFlow", "flows/s", []float64{290.25}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parse =\n%v\nwant\n%v", got, want)
	}
	if len(res.failures) != 2 || len(res.skips) != 1 {
		t.Errorf("failures %q, skips %q", res.failures, res.skips)
	}
}

func TestParseBadValue(t *testing.T) {
	if _, err := parse(strings.NewReader("BenchmarkX-2 10 abc ns/op\n")); err == nil {
		t.Error("a result line with a value that is not a number parsed")
	}
}

func TestMedianAndFormat(t *testing.T) {
	for _, tt := range []struct {
		values []float64
		want   string
	}{
		{[]float64{3, 1, 2}, "2"},
		{[]float64{4, 1, 3, 2}, "2.500"},
		{[]float64{1234567.8}, "1234568"},
		{[]float64{810.25}, "810.2"},
		{[]float64{0.012344}, "0.01234"},
		{[]float64{-1.5}, "-1.500"},
		{[]float64{0}, "0"},
	} {
		if got := format(median(tt.values)); got != tt.want {
			t.Errorf("format(median(%v)) = %s, want %s", tt.values, got, tt.want)
		}
	}
}

func TestWalk(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{"BenchmarkA measures complete flows over loopback: authorize, login. Run with -cpu 2.\n", "complete flows over loopback"},
		{"BenchmarkA is the time to take a message of 1,000 parts (9 KB each, (nested)), over SMTP.\n", "the time to take a message of 1,000 parts, over SMTP"},
		{"BenchmarkA fills 30 messages of 9.9 MB; then clears it.\n", "fills 30 messages of 9.9 MB"},
		{"BenchmarkA measures " + strings.Repeat("very ", 30) + "long.\n", strings.TrimSpace(strings.Repeat("very ", 18)) + "…"},
	} {
		if got := walk("BenchmarkA", tt.doc); got != tt.want {
			t.Errorf("walk(%q) = %q, want %q", tt.doc, got, tt.want)
		}
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/m\n\ngo 1.26\n")
	write("p/p_test.go", "package p\n\nimport \"testing\"\n\n// BenchmarkZ measures one thing: and more.\nfunc BenchmarkZ(b *testing.B) {}\n\nfunc BenchmarkNoDoc(b *testing.B) {}\n")
	in := "pkg: example.com/m/p\nBenchmarkZ/x=1-2 10 100 ns/op\nBenchmarkZ/x=1-2 10 300 ns/op\nBenchmarkZ/x=2-2 10 7 ns/op\nBenchmarkNoDoc-2 10 5 ns/op\nPASS\n"
	var stdout, stderr bytes.Buffer
	if rc := run([]string{"benchtable", "-src", dir}, strings.NewReader(in), &stdout, &stderr); rc != 0 {
		t.Fatalf("rc = %d: %s", rc, &stderr)
	}
	want := "benchmark                       what it walks  median  min–max  unit   runs\n" +
		"example.com/m/p.BenchmarkZ/x=1  one thing      200     100–300  ns/op  2\n" +
		"example.com/m/p.BenchmarkZ/x=2  \"              7       7–7      ns/op  1\n" +
		"example.com/m/p.BenchmarkNoDoc  -              5       5–5      ns/op  1\n"
	if stdout.String() != want {
		t.Errorf("table =\n%s\nwant\n%s", &stdout, want)
	}
	stdout.Reset()
	if rc := run([]string{"benchtable", "-src", dir}, strings.NewReader(in+"--- FAIL: BenchmarkZ\n"), &stdout, &stderr); rc != 1 || !strings.Contains(stdout.String(), "FAILED: --- FAIL: BenchmarkZ") {
		t.Errorf("a failed benchmark: rc = %d, output:\n%s", rc, &stdout)
	}
	if rc := run([]string{"benchtable", "-src", filepath.Join(dir, "none")}, strings.NewReader(in), &stdout, &stderr); rc != 2 {
		t.Errorf("no go.mod: rc = %d, want 2", rc)
	}
}
