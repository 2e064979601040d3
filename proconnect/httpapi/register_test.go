package httpapi

import "testing"

// TestRNEBirthplace checks ProConnect's reading of the RNE's birthplace:
// the commune code counts only with a postal code, well formed, and not a
// country code.
func TestRNEBirthplace(t *testing.T) {
	tests := []struct {
		name, postal, code, want string
	}{
		{"commune with its postal code", "13001", "13055", "13055"},
		{"Corsica", "20000", "2A004", "2A004"},
		{"Haute-Corse", "20200", "2B033", "2B033"},
		{"no postal code", "", "13055", ""},
		{"no commune code", "13001", "", ""},
		{"too short", "13001", "1234", ""},
		{"letters", "13001", "1305A", ""},
		{"2C is no département", "20000", "2C004", ""},
		{"country code", "99000", "99217", ""},
		{"six digits", "13001", "130550", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rneBirthplace(tt.postal, tt.code); got != tt.want {
				t.Errorf("rneBirthplace(%q, %q) = %q, want %q", tt.postal, tt.code, got, tt.want)
			}
		})
	}
}
