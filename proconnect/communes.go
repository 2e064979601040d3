package proconnect

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// communesCSV is the table of historical commune codes: "old,new" lines
// after a header of comments naming its source (INSEE's Code officiel
// géographique, through the npm package @etalab/decoupage-administratif).
// internal/gencommunes writes it; docs/api-proconnect.md says what it covers.
//
//go:embed data/communes.csv
var communesCSV string

// formerCommunes parses communesCSV once: old code → current commune.
var formerCommunes = sync.OnceValue(func() map[string]string {
	m, err := parseCommunes(communesCSV)
	if err != nil {
		panic(err) // embedded data: TestCommuneTable fails first
	}
	return m
})

func parseCommunes(data string) (map[string]string, error) {
	m := map[string]string{}
	header := false
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case !header:
			if line != "old,new" {
				return nil, fmt.Errorf("communes.csv:%d: header %q, want old,new", i+1, line)
			}
			header = true
			continue
		}
		old, cur, ok := strings.Cut(line, ",")
		if !ok || len(old) != 5 || len(cur) != 5 || old == cur {
			return nil, fmt.Errorf("communes.csv:%d: %q is not old,new", i+1, line)
		}
		if _, dup := m[old]; dup {
			return nil, fmt.Errorf("communes.csv:%d: %s twice", i+1, old)
		}
		m[old] = cur
	}
	return m, nil
}

// CurrentCOG returns the code to compare a birthplace by: the current
// commune for a former code (a commune merged into a commune nouvelle, a
// municipal arrondissement of Paris, Lyon or Marseille, a 1968 Seine code, a
// 1976 Corsica code…), the code itself otherwise.
func CurrentCOG(cog string) string {
	if c, ok := formerCommunes()[cog]; ok {
		return c
	}
	return cog
}
