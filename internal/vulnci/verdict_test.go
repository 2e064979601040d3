package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scanJSON is govulncheck -format json's output, cut down: one vulnerability
// called (its module, package and symbol findings), one only imported, one
// only required.
const scanJSON = `{"config":{"protocol_version":"v1.0.0","scanner_name":"govulncheck","scanner_version":"v1.9.0",
 "db":"file:///tmp/db","db_last_modified":"2026-11-05T23:49:57Z","go_version":"go1.26.8","scan_level":"symbol","scan_mode":"source"}}
{"SBOM":{"go_version":"go1.26.8","modules":[{"path":"example.com/app"},{"path":"github.com/go-jose/go-jose/v3","version":"v3.0.3"},{"path":"stdlib","version":"v1.26.8"}]}}
{"progress":{"message":"Scanning your code and 2 packages across 1 dependent module for known vulnerabilities..."}}
{"osv":{"id":"GO-2025-3485","summary":"DoS in go-jose Parsing in github.com/go-jose/go-jose"}}
{"osv":{"id":"GO-2026-6609","summary":"Lack of limit on size of parsed Range headers in net/http"}}
{"osv":{"id":"GO-2026-5932","summary":"The golang.org/x/crypto/openpgp package is unmaintained"}}
{"finding":{"osv":"GO-2025-3485","fixed_version":"v3.0.4","trace":[{"module":"github.com/go-jose/go-jose/v3","version":"v3.0.3"}]}}
{"finding":{"osv":"GO-2026-5932","fixed_version":"v0.58.1","trace":[{"module":"golang.org/x/crypto","version":"v0.58.0"}]}}
{"finding":{"osv":"GO-2026-6609","fixed_version":"v1.26.9","trace":[{"module":"stdlib","version":"v1.26.8","package":"net/http"}]}}
{"finding":{"osv":"GO-2025-3485","fixed_version":"v3.0.4","trace":[{"module":"github.com/go-jose/go-jose/v3","version":"v3.0.3","package":"github.com/go-jose/go-jose/v3"}]}}
{"finding":{"osv":"GO-2025-3485","fixed_version":"v3.0.4","trace":[
 {"module":"github.com/go-jose/go-jose/v3","version":"v3.0.3","package":"github.com/go-jose/go-jose/v3","function":"ParseSigned","position":{"filename":"/mod/jose/jws.go","line":10,"column":6}},
 {"module":"github.com/ory/fosite","version":"v0.49.0","package":"github.com/ory/fosite","function":"NewRevocationRequest","receiver":"*Fosite"},
 {"module":"example.com/app","package":"example.com/app/mocks/franceconnect","function":"revoke","position":{"filename":"WD/mocks/franceconnect/logout.go","line":106,"column":41}}]}}
`

func verdict(t *testing.T, accept string) (string, error) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"verdict"}
	if accept != "" {
		file := filepath.Join(t.TempDir(), "accept")
		if err := os.WriteFile(file, []byte(accept), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-accept", file)
	}
	var out bytes.Buffer
	err = run(args, strings.NewReader(strings.ReplaceAll(scanJSON, "WD", wd)), &out)
	return out.String(), err
}

func TestVerdictFailsOnACalledVulnerability(t *testing.T) {
	out, err := verdict(t, "")
	if !errors.Is(err, errFound) {
		t.Fatalf("err = %v, want errFound; output:\n%s", err, out)
	}
	for _, want := range []string{
		"govulncheck v1.9.0 with go1.26.8, database file:///tmp/db (of 2026-11-05T23:49:57Z): 1 vulnerabilities called, 1 in imported packages only, 1 in required modules only\n",
		"  CALLED   GO-2025-3485 github.com/go-jose/go-jose/v3@v3.0.3, fixed in v3.0.4: DoS in go-jose Parsing in github.com/go-jose/go-jose\n",
		"           e.g. mocks/franceconnect/logout.go:106:41: mocks/franceconnect.revoke → … → github.com/go-jose/go-jose/v3.ParseSigned\n",
		"  imported GO-2026-6609 stdlib@v1.26.8, fixed in v1.26.9: Lack of limit on size of parsed Range headers in net/http\n",
		"  required GO-2026-5932 golang.org/x/crypto@v0.58.0, fixed in v0.58.1: The golang.org/x/crypto/openpgp package is unmaintained\n",
		"FAIL: the code calls 1 vulnerabilities that are not accepted: GO-2025-3485\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestVerdictPassesWhatIsAccepted(t *testing.T) {
	out, err := verdict(t, "# reviewed\n\nGO-2025-3485 fosite needs v3, upgrade pending\nGO-2026-6609 not called anyway\n")
	if err != nil {
		t.Fatalf("err = %v; output:\n%s", err, out)
	}
	for _, want := range []string{
		"  accepted GO-2025-3485 ",
		"           accepted because: fosite needs v3, upgrade pending\n",
		// accepted but only imported: the line can go
		"  note: GO-2026-6609 is accepted in ",
		"ok: the code calls no vulnerability known to this database (1 accepted)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestVerdictRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ input, accept, want string }{
		"an empty input":        {"", "", "no govulncheck configuration"},
		"a module-level scan":   {strings.Replace(scanJSON, `"scan_level":"symbol"`, `"scan_level":"module"`, 1), "", `"module" level`},
		"another protocol":      {strings.Replace(scanJSON, `"protocol_version":"v1.0.0"`, `"protocol_version":"v2.0.0"`, 1), "", "knows v1"},
		"broken JSON":           {scanJSON + "{", "", "reading govulncheck's JSON"},
		"an accept without why": {scanJSON, "GO-2025-3485\n", "line 1: want GO-YYYY-NNNN then why"},
		"an accept twice":       {scanJSON, "GO-2025-3485 a\nGO-2025-3485 b\n", "line 2: GO-2025-3485 again"},
	} {
		t.Run(name, func(t *testing.T) {
			args := []string{"verdict"}
			if tc.accept != "" {
				file := filepath.Join(t.TempDir(), "accept")
				if err := os.WriteFile(file, []byte(tc.accept), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "-accept", file)
			}
			err := run(args, strings.NewReader(tc.input), &bytes.Buffer{})
			if err == nil || errors.Is(err, errFound) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}
