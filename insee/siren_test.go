package insee

import (
	"strings"
	"testing"
)

func TestValidSIREN(t *testing.T) {
	for in, want := range map[string]bool{
		"901001008": true, "732829320": true, "356000000": true, "552100554": true,
		"901001009": false, "12345678": false, "1234567890": false, "90100100a": false, "": false,
		"000000000": true, // Luhn-valid, as INSEE's algorithm says; not a real unit
		" 90100100": false, "९०१००१००८": false,
	} {
		if got := ValidSIREN(in); got != want {
			t.Errorf("ValidSIREN(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestValidSIRET(t *testing.T) {
	for in, want := range map[string]bool{
		"73282932000074": true,  // Luhn
		"73282932000075": false, // wrong key
		"35600000000001": true,  // La Poste: digit sum 15 (not Luhn-valid: the exception applies)
		"35600000000011": false, // La Poste: digit sum 16
		"35600000049837": true,  // La Poste: digit sum 45
		"35600000049838": false, // La Poste: digit sum 46
		"90100100800015": false,
		"9010010080001":  false,
		"1234567890123a": false,
	} {
		if got := ValidSIRET(in); got != want {
			t.Errorf("ValidSIRET(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestLuhnKey(t *testing.T) {
	for _, p := range []string{"90100100", "73282932", "00000000", "9010010080001"} {
		if !luhn(p + string(LuhnKey(p))) {
			t.Errorf("LuhnKey(%s) does not complete it", p)
		}
	}
}

func FuzzValidSIRENAndSIRET(f *testing.F) {
	for _, s := range []string{"901001008", "73282932000074", "35600000049837", "", "abc", strings.Repeat("9", 14)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		siren := ValidSIREN(s)
		siret := ValidSIRET(s)
		if siren && (len(s) != 9 || !allDigits(s)) {
			t.Fatalf("ValidSIREN accepts %q", s)
		}
		if siret && (len(s) != 14 || !allDigits(s) || !ValidSIREN(s[:9])) {
			t.Fatalf("ValidSIRET accepts %q", s)
		}
		if siren && !luhn(s) {
			t.Fatalf("SIREN %q without a Luhn key", s)
		}
	})
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
