package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// runDB is "vulnci db": the local database from the vulndb module.
func runDB(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("vulnci db", flag.ContinueOnError)
	src := fs.String("src", "", "the golang.org/x/vulndb module's directory (its entries are in data/osv)")
	version := fs.String("version", "", "that module's pseudo-version: its commit time dates the database")
	out := fs.String("out", "", "the directory to write the database into (created; must be empty if it exists)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *src == "" || *version == "" || *out == "" || fs.NArg() > 0 {
		return errors.New("usage: vulnci db -src MODULEDIR -version VERSION -out DIR")
	}
	modified, err := module.PseudoVersionTime(*version)
	if err != nil {
		return fmt.Errorf("-version %s: %v (golang.org/x/vulndb is only published as pseudo-versions)", *version, err)
	}
	osvDir := filepath.Join(*src, "data", "osv")
	entries, err := readEntries(os.DirFS(osvDir))
	if err != nil {
		return fmt.Errorf("%s: %v", osvDir, err)
	}
	db, err := build(entries, modified)
	if err != nil {
		return err
	}
	if err := db.write(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "vulnerability database: golang.org/x/vulndb@%s (commit of %s), %d entries for %d modules, in %s\n",
		*version, modified.UTC().Format(time.RFC3339), len(db.vulns), len(db.modules), *out)
	return nil
}

// entry is one OSV entry: its bytes, written out unchanged, and the fields
// the indexes are made of.
type entry struct {
	raw      []byte
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

// osvRange is one range of affected versions: its events each have one key,
// "introduced" or "fixed" in this database ("last_affected" and "limit"
// exist in OSV too).
type osvRange struct {
	Type   string              `json:"type"`
	Events []map[string]string `json:"events"`
}

var idPattern = regexp.MustCompile(`^GO-[0-9]{4}-[0-9]{4,}$`)

// readEntries reads every NAME.json at the top of fsys as an OSV entry whose
// id is NAME. Anything that is not such an entry is an error: a database
// that silently lost entries would make a clean scan mean nothing.
func readEntries(fsys fs.FS) ([]*entry, error) {
	files, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var entries []*entry
	for _, f := range files {
		name, ok := strings.CutSuffix(f.Name(), ".json")
		if f.IsDir() || !ok {
			continue
		}
		b, err := fs.ReadFile(fsys, f.Name())
		if err != nil {
			return nil, err
		}
		e := &entry{raw: b}
		if err := json.Unmarshal(b, e); err != nil {
			return nil, fmt.Errorf("%s: %v", f.Name(), err)
		}
		if e.ID != name || !idPattern.MatchString(e.ID) {
			return nil, fmt.Errorf("%s: the entry's id is %q: want GO-YYYY-NNNN, the file's name", f.Name(), e.ID)
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return nil, errors.New("no OSV entry (*.json)")
	}
	return entries, nil
}

// The three index files, as govulncheck reads them.
type (
	dbMeta struct {
		Modified time.Time `json:"modified"`
	}
	moduleMeta struct {
		Path  string       `json:"path"`
		Vulns []moduleVuln `json:"vulns"`
	}
	moduleVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		// Fixed is the version (no "v") from which no version of the
		// module is affected, empty when there is none. govulncheck skips
		// the entry for a module at or above it without reading it, so it
		// must never be lower than the truth.
		Fixed string `json:"fixed,omitempty"`
	}
	vulnMeta struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Aliases  []string  `json:"aliases,omitempty"`
	}
)

type database struct {
	db      dbMeta
	modules []moduleMeta
	vulns   []vulnMeta
	entries []*entry
}

// build makes the indexes of entries. modified is the date of the snapshot
// they come from; the database is dated by it, or by a later entry.
func build(entries []*entry, modified time.Time) (*database, error) {
	d := &database{db: dbMeta{Modified: modified.UTC()}, entries: entries}
	byModule := map[string]map[string]moduleVuln{}
	for _, e := range entries {
		if e.Modified.After(d.db.Modified) {
			d.db.Modified = e.Modified
		}
		d.vulns = append(d.vulns, vulnMeta{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		for _, a := range e.Affected {
			mod := a.Package.Name
			if mod == "" {
				return nil, fmt.Errorf("%s: an affected package has no name", e.ID)
			}
			fixed, err := fixedVersion(a.Ranges)
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %v", e.ID, mod, err)
			}
			if byModule[mod] == nil {
				byModule[mod] = map[string]moduleVuln{}
			}
			// A module named twice in one entry: the entry concerns it
			// up to the later of the two fixes, or for ever if either
			// has none.
			if prev, ok := byModule[mod][e.ID]; ok && (prev.Fixed == "" || fixed != "" && less(fixed, prev.Fixed)) {
				fixed = prev.Fixed
			}
			byModule[mod][e.ID] = moduleVuln{ID: e.ID, Modified: e.Modified, Fixed: fixed}
		}
	}
	for mod, vulns := range byModule {
		m := moduleMeta{Path: mod}
		for _, v := range vulns {
			m.Vulns = append(m.Vulns, v)
		}
		slices.SortFunc(m.Vulns, func(a, b moduleVuln) int { return strings.Compare(a.ID, b.ID) })
		d.modules = append(d.modules, m)
	}
	slices.SortFunc(d.modules, func(a, b moduleMeta) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(d.vulns, func(a, b vulnMeta) int { return strings.Compare(a.ID, b.ID) })
	return d, nil
}

// fixedVersion is the version from which no version is affected by the
// ranges, or "" when the ranges reach the latest version: a range whose
// highest event is not a fix, one that is not SEMVER, an event other than
// introduced or fixed. The ranges of the Go database are sets of
// introduced/fixed pairs; whatever else comes counts as "no fix known",
// which costs govulncheck a read and never hides an entry.
func fixedVersion(ranges []osvRange) (string, error) {
	if len(ranges) == 0 {
		return "", nil
	}
	fixed := ""
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			return "", nil
		}
		top, topIsFix := "", false
		for _, ev := range r.Events {
			if len(ev) != 1 {
				return "", fmt.Errorf("an event has %d keys, want one", len(ev))
			}
			for kind, v := range ev {
				if v != "0" && !semver.IsValid("v"+v) {
					return "", fmt.Errorf("%s %q is not a semantic version", kind, v)
				}
				if top == "" || less(top, v) || v == top && kind != "fixed" {
					top, topIsFix = v, kind == "fixed"
				}
			}
		}
		if !topIsFix {
			return "", nil
		}
		if fixed == "" || less(fixed, top) {
			fixed = top
		}
	}
	return fixed, nil
}

// less compares two OSV versions: semantic versions without their "v", or
// "0", before every other.
func less(a, b string) bool {
	switch {
	case a == "0":
		return b != "0"
	case b == "0":
		return false
	}
	return semver.Compare("v"+a, "v"+b) < 0
}

// write writes the database into dir, which must not exist or be empty.
func (d *database) write(dir string) error {
	if names, err := os.ReadDir(dir); err == nil && len(names) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	for _, sub := range []string{"index", "ID"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for name, v := range map[string]any{"db": d.db, "modules": d.modules, "vulns": d.vulns} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "index", name+".json"), b, 0o644); err != nil {
			return err
		}
	}
	for _, e := range d.entries {
		if err := os.WriteFile(filepath.Join(dir, "ID", e.ID+".json"), e.raw, 0o644); err != nil {
			return err
		}
	}
	return nil
}
