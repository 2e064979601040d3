package docs

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/proconnect-sandbox/proconnect-sandbox/"

// rules reads architecture.md's table: package (or family x/...) → the
// project packages it may import.
func rules(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| `([^`]+)` \\| (.*) \\|$")
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		var allowed []string
		for _, a := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(m[2], -1) {
			allowed = append(allowed, a[1])
		}
		out[m[1]] = allowed
	}
	if len(out) < 10 {
		t.Fatalf("architecture.md: %d rules read, its table changed shape?", len(out))
	}
	return out
}

// matches says whether pkg is pattern (a package, or x/... for x and below).
func matches(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// TestArchitecture checks every package's imports (tests aside) against the
// rules of docs/architecture.md: arrows only inward, no component importing
// another, the core importing no mock.
func TestArchitecture(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	rs := rules(t)
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkg := strings.TrimPrefix(p.ImportPath, module)
		best, found := "", false
		for pattern := range rs {
			if matches(pattern, pkg) && (!found || specificity(pattern) > specificity(best)) {
				best, found = pattern, true
			}
		}
		if !found {
			t.Errorf("%s is not in docs/architecture.md's table: say what it may import", pkg)
			continue
		}
		allowed := rs[best]
		for _, imp := range p.Imports {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			ok = false
			for _, a := range allowed {
				ok = ok || matches(a, dep)
			}
			if !ok {
				t.Errorf("%s imports %s, which docs/architecture.md does not allow", pkg, dep)
			}
		}
	}
}

// specificity ranks the rules that match a package: its own row first, then
// the narrowest family.
func specificity(pattern string) int {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return len(base)
	}
	return 1000 + len(pattern)
}

// TestArchitectureRulesMatch checks the matching the rules rely on.
func TestArchitectureRulesMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, pkg string
		want         bool
	}{
		{"mocks/...", "mocks/sirene", true}, {"mocks/...", "mocks", true}, {"mocks/...", "mocksx", false},
		{"proconnect", "proconnect/httpapi", false}, {"proconnect", "proconnect", true},
	} {
		if got := matches(tc.pattern, tc.pkg); got != tc.want {
			t.Errorf("matches(%q, %q) = %v", tc.pattern, tc.pkg, got)
		}
	}
}
