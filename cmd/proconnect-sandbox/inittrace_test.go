package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// pkgInit is one package's line of GODEBUG=inittrace=1: what it allocated
// while it initialised.
type pkgInit struct {
	name          string
	bytes, allocs int
}

var initTrace struct {
	sync.Mutex
	pkgs []pkgInit
	raw  string
}

// versionInitTrace builds the binary and runs its `version` with
// GODEBUG=inittrace=1, once for every test of the package that reads it,
// and returns each package's line and the whole trace.
func versionInitTrace(t *testing.T) ([]pkgInit, string) {
	t.Helper()
	initTrace.Lock()
	defer initTrace.Unlock()
	if initTrace.pkgs != nil {
		return initTrace.pkgs, initTrace.raw
	}
	cmd := exec.Command(buildBinary(t), "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("version: %v\n%s", err, stderr.String())
	}
	var pkgs []pkgInit
	sc := bufio.NewScanner(bytes.NewReader(stderr.Bytes()))
	for sc.Scan() {
		// init PKG @T ms, C ms clock, B bytes, A allocs
		f := strings.Fields(sc.Text())
		if len(f) != 11 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		n, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		allocs, err := strconv.Atoi(f[9])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		pkgs = append(pkgs, pkgInit{f[1], n, allocs})
	}
	initTrace.pkgs, initTrace.raw = pkgs, stderr.String()
	return pkgs, initTrace.raw
}
