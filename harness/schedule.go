package harness

import (
	"strings"
	"sync"
)

// scheduler lets at most limit scenarios run at once, and an @exclusif
// scenario (which moves what every scenario shares: a clock, a key, the
// mail server) only alone.
//
// An exclusive scenario waits for the others to end without stopping new
// ones from starting: it runs once none is running, which, while godog
// has other scenarios to start, is mostly at the end of the run, the
// exclusive ones then one after the other. A read-write lock (what the
// run used before) made each of them stop every other scenario from
// starting, wait for the slowest running one to end, then run alone: a
// whole run lost about a fifth of its time that way. godog is asked to
// run more scenarios at once than limit (godogRate), so that waiting
// exclusive scenarios do not take the places of the others.
type scheduler struct {
	mu        sync.Mutex
	changed   *sync.Cond
	limit     int  // scenarios that may run at once
	running   int  // scenarios running, not exclusive
	exclusive bool // an exclusive scenario is running
	waiting   int  // exclusive scenarios waiting to run
}

func newScheduler(limit int) *scheduler {
	s := &scheduler{limit: max(limit, 1)}
	s.changed = sync.NewCond(&s.mu)
	return s
}

// enter waits until the scenario may run: an exclusive one alone, any
// other beside at most limit-1 others and no exclusive one. Each enter is
// followed by leave with the same exclusive.
func (s *scheduler) enter(exclusive bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if exclusive {
		s.waiting++
		for s.running > 0 || s.exclusive {
			s.changed.Wait()
		}
		s.waiting--
		s.exclusive = true
		return
	}
	for s.exclusive || s.running >= s.limit {
		s.changed.Wait()
	}
	s.running++
}

// leave ends a scenario enter let run.
func (s *scheduler) leave(exclusive bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if exclusive {
		s.exclusive = false
	} else {
		s.running--
	}
	s.changed.Broadcast()
}

// godogRate is how many scenarios godog is asked to run at once for a
// run of concurrency limit with exclusives @exclusif scenarios among those
// selected: one place more for each, so that those waiting to run alone
// leave limit places to the others. With limit 1 scenarios run one after
// the other in file order, as asked.
func godogRate(limit, exclusives int) int {
	if limit <= 1 {
		return 1
	}
	return limit + exclusives
}

// countExclusive returns how many of the scenarios the tag filter selects
// are tagged @exclusif.
func (x scenarioIndex) countExclusive(filter string) int {
	n := 0
	for _, e := range x {
		if !matchTags(filter, e.tags) {
			continue
		}
		for _, t := range e.tags {
			if strings.TrimPrefix(t, "@") == "exclusif" {
				n++
				break
			}
		}
	}
	return n
}
