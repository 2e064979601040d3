package harness

import (
	"sync"
	"testing"
	"time"
)

// TestSchedulerExclusiveRunsAlone: at most limit scenarios at once, and an
// exclusive one with none beside it.
func TestSchedulerExclusiveRunsAlone(t *testing.T) {
	s := newScheduler(3)
	var mu sync.Mutex
	running, exclusiveRunning, most := 0, false, 0
	var wg sync.WaitGroup
	for i := range 60 {
		exclusive := i%7 == 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.enter(exclusive)
			mu.Lock()
			running++
			most = max(most, running)
			if exclusiveRunning || (exclusive && running > 1) {
				t.Errorf("an exclusive scenario ran beside another (%d running)", running)
			}
			exclusiveRunning = exclusiveRunning || exclusive
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			running--
			if exclusive {
				exclusiveRunning = false
			}
			mu.Unlock()
			s.leave(exclusive)
		}()
	}
	wg.Wait()
	if most > 3 {
		t.Fatalf("%d scenarios ran at once, limit 3", most)
	}
}

// TestSchedulerWaitingExclusiveLetsOthersStart: an exclusive scenario
// waiting for the running ones does not stop others from starting (a
// read-write lock would: each exclusive scenario then stopped the whole
// run until the slowest running scenario ended); it runs once none runs.
func TestSchedulerWaitingExclusiveLetsOthersStart(t *testing.T) {
	s := newScheduler(4)
	s.enter(false)
	ran := make(chan struct{})
	go func() {
		s.enter(true)
		close(ran)
		s.leave(true)
	}()
	for waiting := 0; waiting == 0; {
		time.Sleep(time.Millisecond)
		s.mu.Lock()
		waiting = s.waiting
		s.mu.Unlock()
	}
	started := make(chan struct{})
	go func() {
		s.enter(false)
		close(started)
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("a scenario could not start while an exclusive one waited")
	}
	select {
	case <-ran:
		t.Fatal("the exclusive scenario ran beside two others")
	default:
	}
	s.leave(false)
	s.leave(false)
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the exclusive scenario never ran once the others ended")
	}
}

// TestGodogRate: godog gets one place more per exclusive scenario, so that
// those waiting leave limit places to the others; concurrency 1 stays 1.
func TestGodogRate(t *testing.T) {
	for _, c := range []struct{ limit, exclusives, want int }{{1, 11, 1}, {0, 3, 1}, {4, 11, 15}, {4, 0, 4}} {
		if got := godogRate(c.limit, c.exclusives); got != c.want {
			t.Errorf("godogRate(%d, %d) = %d, want %d", c.limit, c.exclusives, got, c.want)
		}
	}
}

// TestCountExclusive counts the selected scenarios tagged @exclusif.
func TestCountExclusive(t *testing.T) {
	x := scenarioIndex{
		"a": {tags: []string{"@portail", "@exclusif"}},
		"b": {tags: []string{"@portail"}},
		"c": {tags: []string{"@proconnect", "@exclusif"}},
	}
	if n := x.countExclusive(""); n != 2 {
		t.Errorf("all: %d exclusive, want 2", n)
	}
	if n := x.countExclusive("@portail"); n != 1 {
		t.Errorf("@portail: %d exclusive, want 1", n)
	}
}
