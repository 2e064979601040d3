package franceconnect

import (
	"sync"
	"sync/atomic"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// subjects keeps each pairwise sub once: every code and access token of
// the same (service, identity) shares its string, where each flow kept its
// own 66 bytes (80 with the allocator's rounding) for the token's lifetime
// (issue 14). The sub is still computed on each login (personas of the
// synthetic register are built afresh on each lookup, so a persona's
// pointer says nothing); only its string is shared. Past maxSubjects subs
// (personas added at run time, for ever more services), a sub is not kept.
type subjects struct {
	m sync.Map // sub → the same string
	n atomic.Int32
}

const maxSubjects = 8192

// of returns the pairwise sub of persona for the service entity.
func (s *subjects) of(entity string, persona *fixtures.Persona) string {
	sub := pairwiseSub(entity, *persona)
	if v, ok := s.m.Load(sub); ok {
		return v.(string)
	}
	if s.n.Load() >= maxSubjects {
		return sub
	}
	if v, loaded := s.m.LoadOrStore(sub, sub); loaded {
		return v.(string)
	}
	s.n.Add(1)
	return sub
}

// clear forgets every sub (control reset).
func (s *subjects) clear() {
	s.m.Clear()
	s.n.Store(0)
}
