package inmem

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// controlState is the in-memory proconnect.ControlState: one mutex, since
// only control calls and journal reads of a core sharing it on purpose
// (tests of replicas in one process) come here; a single core keeps its
// control state in its own memory and never asks.
type controlState struct {
	mu       sync.Mutex
	gen      int64
	parts    map[string][]byte
	counters map[string]int64
	streams  map[string]*journalStream
}

type journalStream struct {
	last     uint64 // the last number given
	numbered []proconnect.JournalRecord
	pending  [][]byte
}

func (c *controlState) stream(name string) *journalStream {
	if c.streams == nil {
		c.streams = map[string]*journalStream{}
	}
	st, ok := c.streams[name]
	if !ok {
		st = &journalStream{}
		c.streams[name] = st
	}
	return st
}

func (s *Store) ControlGeneration(context.Context) (int64, error) {
	c := &s.control
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, nil
}

func (s *Store) ControlParts(context.Context) (int64, map[string][]byte, error) {
	c := &s.control
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string][]byte, len(c.parts))
	for k, v := range c.parts {
		out[k] = slices.Clone(v)
	}
	return c.gen, out, nil
}

func (s *Store) UpdateControlPart(_ context.Context, name string, update func(old []byte) ([]byte, error)) (int64, error) {
	c := &s.control
	c.mu.Lock()
	defer c.mu.Unlock()
	next, err := update(slices.Clone(c.parts[name]))
	if err != nil {
		return c.gen, err
	}
	if c.parts == nil {
		c.parts = map[string][]byte{}
	}
	c.parts[name] = slices.Clone(next)
	c.gen++
	return c.gen, nil
}

func (s *Store) ResetControl(context.Context) (int64, error) {
	c := &s.control
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.parts)
	clear(c.counters)
	c.gen++
	return c.gen, nil
}

func (s *Store) TakeControlCounter(_ context.Context, name string, initial int64) (bool, error) {
	c := &s.control
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counters == nil {
		c.counters = map[string]int64{}
	}
	left, ok := c.counters[name]
	if !ok {
		left = initial
	}
	if left <= 0 {
		c.counters[name] = 0
		return false, nil
	}
	c.counters[name] = left - 1
	return true, nil
}

func (s *Store) ControlCounters(context.Context) (map[string]int64, error) {
	c := &s.control
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counters), nil
}

func (s *Store) DeleteControlCounters(_ context.Context, names []string) error {
	c := &s.control
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range names {
		delete(c.counters, n)
	}
	return nil
}

func (s *Store) AppendControlJournal(_ context.Context, stream string, data []byte, keep int) error {
	c := &s.control
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stream(stream)
	st.pending = append(st.pending, slices.Clone(data))
	if len(st.pending) > 2*max(keep, 1) {
		st.number(keep)
	}
	return nil
}

// number gives the pending entries their numbers and keeps the keep newest.
func (st *journalStream) number(keep int) {
	for _, d := range st.pending {
		st.last++
		st.numbered = append(st.numbered, proconnect.JournalRecord{Seq: st.last, Data: d})
	}
	st.pending = nil
	if keep > 0 && len(st.numbered) > keep {
		st.numbered = slices.Delete(st.numbered, 0, len(st.numbered)-keep)
	}
}

func (s *Store) ControlJournal(_ context.Context, stream string, since uint64, keep int) ([]proconnect.JournalRecord, error) {
	c := &s.control
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stream(stream)
	st.number(keep)
	var out []proconnect.JournalRecord
	for _, r := range st.numbered {
		if r.Seq > since {
			out = append(out, proconnect.JournalRecord{Seq: r.Seq, Data: slices.Clone(r.Data)})
		}
	}
	return out, nil
}

func (s *Store) ClearControlJournal(_ context.Context, stream string) error {
	c := &s.control
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stream(stream)
	st.numbered, st.pending = nil, nil
	return nil
}
