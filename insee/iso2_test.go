package insee

import "testing"

func TestISO2(t *testing.T) {
	for _, c := range Countries {
		if c.ISO2() == "" {
			t.Errorf("%s (%s) has no alpha-2 code", c.Label, c.ISO3)
		}
		if got, ok := CountryByISO2(c.ISO2()); !ok || got != c {
			t.Errorf("CountryByISO2(%q) = %v, %v", c.ISO2(), got, ok)
		}
	}
	if _, ok := CountryByISO2(""); ok {
		t.Error("the empty code names a country")
	}
}
