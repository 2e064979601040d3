// Command vulnci is CI's known-vulnerability check around govulncheck
// (.ci/govulncheck runs it); it is never part of the product binary.
//
// CI reaches the Go module proxy but not the vulnerability database's own
// web server. The database's source module, golang.org/x/vulndb, comes
// through the proxy with every entry as OSV JSON in data/osv/; "vulnci db"
// turns it into the local database that govulncheck reads with
// -db file:///DIR:
//
//	DIR/index/db.json       {"modified": TIME}
//	DIR/index/modules.json  [{"path": MODULE, "vulns": [{"id", "modified", "fixed"}]}]
//	DIR/index/vulns.json    [{"id", "modified", "aliases"}]
//	DIR/ID/GO-YYYY-NNNN.json
//
// "vulnci verdict" reads govulncheck's -format json output and fails on a
// vulnerability that the code calls, unless the accept file names it with
// its reason.
//
// Usage:
//
//	go run ./internal/vulnci db -src MODULEDIR -version VERSION -out DIR
//	govulncheck -db file:///DIR -format json ./... | go run ./internal/vulnci verdict [-accept FILE]
//
// MODULEDIR is the module's directory in the module cache (the Dir that
// `go mod download -json golang.org/x/vulndb@VERSION` prints); VERSION is
// that pseudo-version, whose commit time dates the database (the module's
// entries carry no dates of their own: the database's server sets them when
// it publishes).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// errFound is run's answer when the code calls a vulnerability that is not
// accepted: the report is already written, so main adds nothing.
var errFound = errors.New("vulnerable code is called")

func main() {
	err := run(os.Args[1:], os.Stdin, os.Stdout)
	if errors.Is(err, errFound) {
		os.Exit(1)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulnci:", err)
		os.Exit(2)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "db":
			return runDB(args[1:], stdout)
		case "verdict":
			return runVerdict(args[1:], stdin, stdout)
		}
	}
	return errors.New("usage: vulnci db -src MODULEDIR -version VERSION -out DIR | vulnci verdict [-accept FILE] < govulncheck.json")
}
