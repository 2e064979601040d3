package sirene

import (
	"strings"
	"testing"
)

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"DUB*", "DUBOIS", true}, {"*OIS", "DUBOIS", true}, {"D?BOIS", "DUBOIS", true}, {"*", "", true},
		{"DUB", "DUBOIS", false}, {"*X*", "DUBOIS", false}, {"A*B*C*D*E*F", strings.Repeat("A", 5000), false},
	} {
		if got := glob(c.p, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v", c.p, c.s[:min(len(c.s), 20)], got)
		}
	}
}

func FuzzParseQ(f *testing.F) {
	for _, s := range []string{
		"denominationUniteLegale:DUBOIS", `denominationUniteLegale:"DUBOIS CONSEIL"`, "periode(etatAdministratifUniteLegale:C)",
		"a:b OR (c:d AND NOT e:f)", "-siren:1*", "dateCreationUniteLegale:[2015-01-01 TO *]", "((((", `siren:"`,
		"siren:[1 TO", "NOT", "periode(", strings.Repeat("(", 30) + "siren:1", "siren:*?*?*?*",
	} {
		f.Add(s)
	}
	rec := record{fixed: map[string]string{"siren": "901001008", "dateCreationUniteLegale": "2015-03-02"},
		periods: []map[string]string{{"denominationUniteLegale": "DUBOIS CONSEIL", "etatAdministratifUniteLegale": "A"}}, current: 0}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := parseQ(q, unitFields)
		if err != nil {
			if _, ok := err.(qError); !ok {
				t.Fatalf("error of another kind: %T %v", err, err)
			}
			return
		}
		_ = n.eval(rec, rec.current)
		_ = exactSirens(n)
	})
}
