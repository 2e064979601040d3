package franceconnect

import (
	"testing"
	"unsafe"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// TestSubjectsShared: two logins of the same identity at the same service
// give the same sub in one string (a token keeps it for its lifetime);
// another service gets another sub; past the bound, subs are still right.
func TestSubjectsShared(t *testing.T) {
	var s subjects
	id := fixtures.Identity{GivenNames: []string{"Angela", "Claire"}, FamilyName: "Dubois", Birthdate: "1962-08-24",
		Gender: "female", Birthplace: "75107", Birthcountry: "99100"}
	a := s.of("service-a", &fixtures.Persona{Login: "angela", Identity: id})
	b := s.of("service-a", &fixtures.Persona{Login: "angela", Identity: id}) // built afresh, like the register's
	if a != b || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Errorf("same identity, same service: %q and %q in two strings", a, b)
	}
	if want := pairwiseSub("service-a", fixtures.Persona{Identity: id}); a != want {
		t.Errorf("sub %q, want %q", a, want)
	}
	if c := s.of("service-b", &fixtures.Persona{Login: "angela", Identity: id}); c == a {
		t.Error("two services got the same sub")
	}
	for i := range maxSubjects + 10 {
		p := &fixtures.Persona{Identity: id}
		p.Identity.FamilyName = string(rune('A'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
		if got, want := s.of("service-c", p), pairwiseSub("service-c", *p); got != want {
			t.Fatalf("persona %d: %q, want %q", i, got, want)
		}
	}
	if n := s.n.Load(); n > maxSubjects {
		t.Errorf("%d subs kept, more than %d", n, maxSubjects)
	}
}
