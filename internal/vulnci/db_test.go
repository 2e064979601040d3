package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func ranges(t *testing.T, js string) []osvRange {
	t.Helper()
	var rs []osvRange
	if err := json.Unmarshal([]byte(js), &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestFixedVersion(t *testing.T) {
	for _, tc := range []struct {
		name, ranges, want string
	}{
		{"one fix", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"3.0.4"}]}]`, "3.0.4"},
		{"never fixed", `[{"type":"SEMVER","events":[{"introduced":"0"}]}]`, ""},
		{"no range", `[]`, ""},
		{"two branches, the later fix", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.21.9"},{"introduced":"1.22.0"},{"fixed":"1.22.2"}]}]`, "1.22.2"},
		{"events out of order", `[{"type":"SEMVER","events":[{"fixed":"1.22.2"},{"introduced":"1.22.0"},{"fixed":"1.21.9"},{"introduced":"0"}]}]`, "1.22.2"},
		{"reintroduced after the last fix", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"},{"introduced":"1.3.0"}]}]`, ""},
		{"prerelease fix", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.0.0-20240101000000-abcdefabcdef"}]}]`, "0.0.0-20240101000000-abcdefabcdef"},
		{"two ranges, the later fix", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.1"}]},{"type":"SEMVER","events":[{"introduced":"2.0.0"},{"fixed":"2.0.3"}]}]`, "2.0.3"},
		{"two ranges, one open", `[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.1"}]},{"type":"SEMVER","events":[{"introduced":"2.0.0"}]}]`, ""},
		{"last_affected: no fix known", `[{"type":"SEMVER","events":[{"introduced":"0"},{"last_affected":"1.0.0"}]}]`, ""},
		{"not SEMVER: no fix known", `[{"type":"GIT","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fixedVersion(ranges(t, tc.ranges))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("fixedVersion = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFixedVersionRejectsWhatItCannotOrder(t *testing.T) {
	for _, js := range []string{
		`[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"v1.0.0"}]}]`,
		`[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.x"}]}]`,
		`[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1.0.0"}]}]`,
	} {
		if got, err := fixedVersion(ranges(t, js)); err == nil {
			t.Errorf("%s: fixedVersion = %q, want an error", js, got)
		}
	}
}

const (
	joseEntry = `{"id":"GO-2025-3485","modified":"0001-01-01T00:00:00Z","aliases":["CVE-2025-27144"],
"affected":[
 {"package":{"name":"github.com/go-jose/go-jose","ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]},
 {"package":{"name":"github.com/go-jose/go-jose/v3","ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"3.0.4"}]}],
  "ecosystem_specific":{"imports":[{"path":"github.com/go-jose/go-jose/v3","symbols":["ParseSigned"]}]}}]}`
	stdlibEntry = `{"id":"GO-2024-2687","modified":"2024-04-03T12:00:00Z",
"affected":[
 {"package":{"name":"stdlib"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.21.9"},{"introduced":"1.22.0-0"},{"fixed":"1.22.2"}]}]},
 {"package":{"name":"stdlib"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.21.8"}]}]}]}`
)

func TestBuildAndWrite(t *testing.T) {
	src := fstest.MapFS{
		"GO-2025-3485.json": {Data: []byte(joseEntry)},
		"GO-2024-2687.json": {Data: []byte(stdlibEntry)},
		"README.md":         {Data: []byte("not an entry")},
	}
	entries, err := readEntries(src)
	if err != nil {
		t.Fatal(err)
	}
	snapshot := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)
	db, err := build(entries, snapshot)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "db")
	if err := db.write(dir); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// The snapshot is later than every entry: it dates the database.
	if got, want := read("index/db.json"), `{"modified":"2026-11-05T23:49:57Z"}`; got != want {
		t.Errorf("db.json = %s, want %s", got, want)
	}
	// Sorted by path; stdlib named twice in one entry keeps the later fix.
	wantModules := `[{"path":"github.com/go-jose/go-jose","vulns":[{"id":"GO-2025-3485","modified":"0001-01-01T00:00:00Z"}]},` +
		`{"path":"github.com/go-jose/go-jose/v3","vulns":[{"id":"GO-2025-3485","modified":"0001-01-01T00:00:00Z","fixed":"3.0.4"}]},` +
		`{"path":"stdlib","vulns":[{"id":"GO-2024-2687","modified":"2024-04-03T12:00:00Z","fixed":"1.22.2"}]}]`
	if got := read("index/modules.json"); got != wantModules {
		t.Errorf("modules.json =\n%s\nwant\n%s", got, wantModules)
	}
	wantVulns := `[{"id":"GO-2024-2687","modified":"2024-04-03T12:00:00Z"},` +
		`{"id":"GO-2025-3485","modified":"0001-01-01T00:00:00Z","aliases":["CVE-2025-27144"]}]`
	if got := read("index/vulns.json"); got != wantVulns {
		t.Errorf("vulns.json =\n%s\nwant\n%s", got, wantVulns)
	}
	// Entries are copied byte for byte.
	if got := read("ID/GO-2025-3485.json"); got != joseEntry {
		t.Errorf("ID/GO-2025-3485.json changed:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "ID", "README.md")); err == nil {
		t.Error("a file that is not an entry was copied")
	}
	// Written once: a second write into the same directory is refused.
	if err := db.write(dir); err == nil {
		t.Error("writing into a non-empty directory: no error")
	}
}

func TestBuildDatesByTheLatestEntry(t *testing.T) {
	entries, err := readEntries(fstest.MapFS{"GO-2024-2687.json": {Data: []byte(stdlibEntry)}})
	if err != nil {
		t.Fatal(err)
	}
	db, err := build(entries, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 4, 3, 12, 0, 0, 0, time.UTC); !db.db.Modified.Equal(want) {
		t.Errorf("modified = %v, want %v", db.db.Modified, want)
	}
}

func TestReadEntriesRefusesWhatWouldLoseEntries(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no entry":              {"README.md": {Data: []byte("x")}},
		"id is not the name":    {"GO-2025-0001.json": {Data: []byte(joseEntry)}},
		"not an id of the DB":   {"CVE-2025-27144.json": {Data: []byte(`{"id":"CVE-2025-27144"}`)}},
		"not JSON":              {"GO-2025-3485.json": {Data: []byte("{")}},
		"a module with no name": {"GO-2025-3485.json": {Data: []byte(`{"id":"GO-2025-3485","affected":[{"package":{"name":""}}]}`)}},
	} {
		t.Run(name, func(t *testing.T) {
			entries, err := readEntries(fsys)
			if err == nil {
				_, err = build(entries, time.Time{})
			}
			if err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestRunDB(t *testing.T) {
	src := t.TempDir()
	osv := filepath.Join(src, "data", "osv")
	if err := os.MkdirAll(osv, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(osv, "GO-2025-3485.json"), []byte(joseEntry), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "db")
	var stdout bytes.Buffer
	err := run([]string{"db", "-src", src, "-version", "v0.0.0-20261105234957-e22db6528018", "-out", out}, nil, &stdout)
	if err != nil {
		t.Fatal(err)
	}
	want := "vulnerability database: golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018 (commit of 2026-11-05T23:49:57Z), 1 entries for 2 modules, in " + out + "\n"
	if stdout.String() != want {
		t.Errorf("run printed %q, want %q", stdout.String(), want)
	}
	if _, err := os.Stat(filepath.Join(out, "index", "modules.json")); err != nil {
		t.Error(err)
	}
	if err := run([]string{"db", "-src", src, "-version", "v1.0.0", "-out", t.TempDir()}, nil, &stdout); err == nil || !strings.Contains(err.Error(), "pseudo-version") {
		t.Errorf("a version that is not a pseudo-version: err = %v", err)
	}
}
