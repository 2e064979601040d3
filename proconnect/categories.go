package proconnect

import (
	_ "embed"
	"strings"
	"sync"
)

// categoriesTXT lists the covered legal categories, one INSEE code (niveau
// III) per word after the comment lines.
//
//go:embed data/categories.txt
var categoriesTXT string

var coveredCategories = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(categoriesTXT, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, code := range strings.Fields(line) {
			m[code] = true
		}
	}
	return m
})

// Covered reports whether ProConnect certifies the dirigeants of an
// organisation of this legal category: exactly the codes of its list, no
// rule on the first digit (3110, 4140 or 8250 are in; 5720, 5498 or 9220
// are not).
func Covered(category string) bool {
	return coveredCategories()[category]
}
