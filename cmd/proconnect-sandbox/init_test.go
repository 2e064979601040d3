package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
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
	bin := buildBinary(t)
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("version: %v\n%s", err, stderr.String())
	}
	const module = "github.com/proconnect-sandbox/proconnect-sandbox/"
	seen := 0
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		// init PKG @T ms, C ms clock, B bytes, A allocs
		f := strings.Fields(sc.Text())
		if len(f) != 11 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		pkg := f[1]
		if !strings.HasPrefix(pkg, module) {
			continue
		}
		seen++
		bytes, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		if bytes > initBudget {
			t.Errorf("%s allocates %d bytes (%s allocations) while it initialises, more than %d: parse or compile it on first use",
				strings.TrimPrefix(pkg, module), bytes, f[9], initBudget)
		}
	}
	if seen < 5 {
		t.Fatalf("inittrace showed %d of the project's packages:\n%s", seen, stderr.String())
	}
}
