package insee

// LaPosteSIREN is La Poste's SIREN. Its establishments are too many for the
// Luhn key of a SIRET: INSEE numbers them so that the sum of the SIRET's
// digits is a multiple of 5 instead.
const LaPosteSIREN = "356000000"

// ValidSIREN reports whether s is nine digits whose Luhn checksum holds.
func ValidSIREN(s string) bool { return len(s) == 9 && luhn(s) }

// ValidSIRET reports whether s is fourteen digits: a valid SIREN followed by
// a NIC, the whole passing the Luhn checksum — or, for La Poste's
// establishments, a digit sum that is a multiple of 5.
func ValidSIRET(s string) bool {
	if len(s) != 14 || !ValidSIREN(s[:9]) {
		return false
	}
	if s[:9] == LaPosteSIREN {
		sum := 0
		for i := range len(s) {
			sum += int(s[i] - '0')
		}
		return sum%5 == 0
	}
	return luhn(s)
}

// luhn checks the Luhn key of a string of ASCII digits (false for anything
// else), doubling every second digit from the right.
func luhn(s string) bool {
	sum := 0
	double := false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// LuhnKey returns the digit that completes prefix (ASCII digits) into a
// Luhn-valid number; the generators of synthetic SIRENs and SIRETs use it.
func LuhnKey(prefix string) byte {
	for c := byte('0'); c <= '9'; c++ {
		if luhn(prefix + string(c)) {
			return c
		}
	}
	return '0' // unreachable for a digit prefix: one of ten digits always fits
}
