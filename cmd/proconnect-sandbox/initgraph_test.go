package main

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// costlyInit names packages the binary must not link: their package
// initialisation runs at every start of the binary (`version`, the
// container's health check, `up`), whichever subcommand needs them.
var costlyInit = map[string]string{
	// compiles every JSON Schema meta-schema when it initialises: 14 ms and
	// 1.7 MB (issue 14); internal/oaschema uses github.com/google/jsonschema-go.
	// Tests may still use it: they are not linked.
	"github.com/santhosh-tekuri/jsonschema/v6": "14 ms and 1.7 MB at each start",
}

// TestBinaryLinksNoCostlyInit reads the binary's import graph (go list
// -deps, as the linker sees it, tests left out).
func TestBinaryLinksNoCostlyInit(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/ory/fosite") {
		t.Fatalf("go list -deps does not list fosite, which the binary links: %d packages", len(deps))
	}
	for _, d := range deps {
		if why, ok := costlyInit[d]; ok {
			t.Errorf("the binary links %s (%s): keep it to tests, or out of what cmd/proconnect-sandbox imports", d, why)
		}
	}
}

// initTotalBudget is the most all packages together, the dependencies'
// included, may allocate before main, in bytes. Measured: 3.83 MB before
// issue 14's work (jsonschema/v6 1.7 MB), 2.01 MB after, of which
// govalidator (through fosite) 0.95 MB. A new dependency that does much at
// init fails here; allocations rather than time, so that the test holds on
// a loaded machine.
const initTotalBudget = 2300 << 10

// TestInitAllocatesLittle sums what every package allocates while the
// binary's `version` initialises (GODEBUG=inittrace=1).
func TestInitAllocatesLittle(t *testing.T) {
	if testing.Short() {
		t.Skip("not tested in -short: what all packages allocate before main (it builds the binary)")
	}
	pkgs, raw := versionInitTrace(t)
	total := 0
	for _, p := range pkgs {
		total += p.bytes
	}
	if len(pkgs) < 100 {
		t.Fatalf("inittrace showed %d packages:\n%s", len(pkgs), raw)
	}
	t.Logf("%d packages allocate %d bytes before main", len(pkgs), total)
	if total > initTotalBudget {
		pkgs = slices.Clone(pkgs)
		slices.SortFunc(pkgs, func(a, b pkgInit) int { return b.bytes - a.bytes })
		var top strings.Builder
		for _, p := range pkgs[:5] {
			top.WriteString("\n  " + p.name + " " + strconv.Itoa(p.bytes))
		}
		t.Errorf("the packages allocate %d bytes before main, more than %d; the largest:%s", total, initTotalBudget, top.String())
	}
}
