package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gencommunes:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gencommunes", flag.ContinueOnError)
	tgz := fs.String("tgz", "", "the tarball `npm pack @etalab/decoupage-administratif@<version>` wrote")
	cog := fs.String("cog", "", "the COG year the package version carries (6.0.0: 2026)")
	out := fs.String("o", "proconnect/data/communes.csv", "file to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tgz == "" || *cog == "" {
		return errors.New("-tgz and -cog are required")
	}
	version, communes, err := readPackage(*tgz)
	if err != nil {
		return err
	}
	pairs, err := derive(communes)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Historical commune codes -> the current commune, for comparing birthplaces.\n")
	fmt.Fprintf(&b, "# Derived by internal/gencommunes from the npm package @etalab/decoupage-administratif@%s\n", version)
	fmt.Fprintf(&b, "# (data/communes.json), i.e. INSEE's Code officiel geographique %s,\n", *cog)
	fmt.Fprintf(&b, "# https://www.insee.fr/fr/information/2560452. Data licence: Licence Ouverte (Etalab).\n")
	fmt.Fprintf(&b, "# Pairs: former codes of each current commune (anciensCodes), municipal arrondissements\n")
	fmt.Fprintf(&b, "# -> their commune, delegated/associated communes -> their chef-lieu. %d pairs. Do not edit by hand.\n", len(pairs))
	b.WriteString("old,new\n")
	for _, p := range pairs {
		b.WriteString(p[0] + "," + p[1] + "\n")
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d pairs from @etalab/decoupage-administratif@%s\n", *out, len(pairs), version)
	return nil
}

// record is the part of a communes.json entry the derivation reads.
type record struct {
	Code         string   `json:"code"`
	Type         string   `json:"type"`
	AnciensCodes []string `json:"anciensCodes"`
	Commune      string   `json:"commune"`
	ChefLieu     string   `json:"chefLieu"`
}

func readPackage(path string) (version string, communes []record, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", path, err)
		}
		switch h.Name {
		case "package/package.json":
			var pkg struct{ Name, Version string }
			if err := json.NewDecoder(tr).Decode(&pkg); err != nil {
				return "", nil, fmt.Errorf("package.json: %w", err)
			}
			if pkg.Name != "@etalab/decoupage-administratif" {
				return "", nil, fmt.Errorf("%s is %s, not @etalab/decoupage-administratif", path, pkg.Name)
			}
			version = pkg.Version
		case "package/data/communes.json":
			if err := json.NewDecoder(tr).Decode(&communes); err != nil {
				return "", nil, fmt.Errorf("communes.json: %w", err)
			}
		}
	}
	if version == "" || communes == nil {
		return "", nil, fmt.Errorf("%s: no package.json or data/communes.json", path)
	}
	return version, communes, nil
}

var reCode = regexp.MustCompile(`^[0-9][0-9AB][0-9]{3}$`)

// derive builds the old → current pairs: (1) each former code of a current
// commune; (2) each municipal arrondissement → its commune; (3) each
// delegated or associated commune whose code is no current commune → its
// chef-lieu. Identity pairs are dropped; an old code claimed by two current
// communes is an error (the table would be ambiguous).
func derive(communes []record) ([][2]string, error) {
	current := map[string]bool{}
	for _, r := range communes {
		if r.Type == "commune-actuelle" {
			current[r.Code] = true
		}
	}
	m := map[string]string{}
	add := func(old, cur string) error {
		if old == cur {
			return nil
		}
		if !reCode.MatchString(old) || !reCode.MatchString(cur) {
			return fmt.Errorf("pair %q -> %q: not commune codes", old, cur)
		}
		if prev, ok := m[old]; ok && prev != cur {
			return fmt.Errorf("%s maps to both %s and %s", old, prev, cur)
		}
		m[old] = cur
		return nil
	}
	for _, r := range communes {
		if r.Type != "commune-actuelle" {
			continue
		}
		for _, a := range r.AnciensCodes {
			if err := add(a, r.Code); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range communes {
		if r.Type == "arrondissement-municipal" {
			if err := add(r.Code, r.Commune); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range communes {
		if (r.Type == "commune-deleguee" || r.Type == "commune-associee") && !current[r.Code] && r.ChefLieu != "" {
			if _, done := m[r.Code]; !done {
				if err := add(r.Code, r.ChefLieu); err != nil {
					return nil, err
				}
			}
		}
	}
	pairs := make([][2]string, 0, len(m))
	for old, cur := range m {
		if _, chained := m[cur]; chained {
			return nil, fmt.Errorf("%s -> %s is itself an old code: the table would need closing", old, cur)
		}
		pairs = append(pairs, [2]string{old, cur})
	}
	slices.SortFunc(pairs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return pairs, nil
}
