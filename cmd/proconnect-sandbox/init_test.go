package main

import (
	"strings"
	"testing"
)

// initBudget is the most a project package may allocate while it
// initialises, in bytes. Every start of the binary pays it (`version`,
// the container's health check, `up`): templates and large expressions
// are parsed on first use instead (issue 14: the FranceConnect mock's
// templates and email expressions were 162 KB and 1,100 allocations at
// each start, the portal's 80 KB; then the core's pages 49 KB, the mail
// catcher's 44 KB, the conformance report's 63 KB, the fixtures' patterns
// 56 KB). Allocations, not time, so that the test holds on a loaded
// machine.
const initBudget = 40 << 10

// TestOwnPackagesInitLittle runs the binary's `version` with
// GODEBUG=inittrace=1 and checks what each of the project's packages
// allocates before main.
func TestOwnPackagesInitLittle(t *testing.T) {
	if testing.Short() {
		t.Skip("not tested in -short: what the project's packages allocate before main (it builds the binary)")
	}
	const module = "github.com/proconnect-sandbox/proconnect-sandbox/"
	pkgs, raw := versionInitTrace(t)
	seen := 0
	for _, p := range pkgs {
		if !strings.HasPrefix(p.name, module) {
			continue
		}
		seen++
		if p.bytes > initBudget {
			t.Errorf("%s allocates %d bytes (%d allocations) while it initialises, more than %d: parse or compile it on first use",
				strings.TrimPrefix(p.name, module), p.bytes, p.allocs, initBudget)
		}
	}
	if seen < 5 {
		t.Fatalf("inittrace showed %d of the project's packages:\n%s", seen, raw)
	}
}
