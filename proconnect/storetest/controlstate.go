package storetest

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// testControlParts: a change bumps the generation and reads back; a failed
// change leaves the part and the generation; a reset forgets every part
// and counter and bumps the generation.
func testControlParts(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	g0, err := s.ControlGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g1, err := s.UpdateControlPart(ctx, "clock", func(old []byte) ([]byte, error) {
		if old != nil {
			t.Errorf("a new part's old value: %q, want nil", old)
		}
		return []byte("1h"), nil
	})
	if err != nil || g1 <= g0 {
		t.Fatalf("update: generation %d after %d, %v", g1, g0, err)
	}
	boom := errors.New("refused")
	if _, err := s.UpdateControlPart(ctx, "clock", func(old []byte) ([]byte, error) {
		if string(old) != "1h" {
			t.Errorf("old value %q, want 1h", old)
		}
		return []byte("2h"), boom
	}); !errors.Is(err, boom) {
		t.Fatalf("a refused update: %v, want its error", err)
	}
	if _, err := s.TakeControlCounter(ctx, "fault:1", 3); err != nil {
		t.Fatal(err)
	}
	gen, parts, err := s.ControlParts(ctx)
	if err != nil || gen != g1 || len(parts) != 1 || string(parts["clock"]) != "1h" {
		t.Fatalf("parts after a refused update: %d %q %v, want %d clock=1h", gen, parts, err, g1)
	}
	if g, _ := s.ControlGeneration(ctx); g != g1 {
		t.Fatalf("generation %d, want %d", g, g1)
	}
	g2, err := s.ResetControl(ctx)
	if err != nil || g2 <= g1 {
		t.Fatalf("reset: generation %d after %d, %v", g2, g1, err)
	}
	gen, parts, err = s.ControlParts(ctx)
	if err != nil || gen != g2 || len(parts) != 0 {
		t.Fatalf("parts after a reset: %d %q %v", gen, parts, err)
	}
	if c, err := s.ControlCounters(ctx); err != nil || len(c) != 0 {
		t.Fatalf("counters after a reset: %v %v", c, err)
	}
}

// testConcurrentControlUpdates: updates of one part by concurrent callers
// each see the one before (none is lost), and each gets its own
// generation.
func testConcurrentControlUpdates(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	const n = 24
	var wg sync.WaitGroup
	gens := make(chan int64, n)
	for range n {
		wg.Go(func() {
			g, err := s.UpdateControlPart(ctx, "n", func(old []byte) ([]byte, error) {
				v, _ := strconv.Atoi(string(old))
				return []byte(strconv.Itoa(v + 1)), nil
			})
			if err != nil {
				t.Error(err)
			}
			gens <- g
		})
	}
	wg.Wait()
	close(gens)
	seen := map[int64]bool{}
	for g := range gens {
		if seen[g] {
			t.Errorf("generation %d given twice", g)
		}
		seen[g] = true
	}
	if _, parts, err := s.ControlParts(ctx); err != nil || string(parts["n"]) != strconv.Itoa(n) {
		t.Fatalf("after %d concurrent increments: %q %v", n, parts["n"], err)
	}
}

// testControlCounters: a counter gives what it started with, once each,
// to concurrent takers; deleted, it starts again.
func testControlCounters(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	var got atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			ok, err := s.TakeControlCounter(ctx, "fault:7", 5)
			if err != nil {
				t.Error(err)
			}
			if ok {
				got.Add(1)
			}
		})
	}
	wg.Wait()
	if got.Load() != 5 {
		t.Fatalf("%d takers got one of a counter of 5", got.Load())
	}
	if c, err := s.ControlCounters(ctx); err != nil || c["fault:7"] != 0 {
		t.Fatalf("counters: %v %v", c, err)
	}
	if ok, err := s.TakeControlCounter(ctx, "fault:8", 0); ok || err != nil {
		t.Fatalf("a counter of 0: %v %v", ok, err)
	}
	if err := s.DeleteControlCounters(ctx, []string{"fault:7"}); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.TakeControlCounter(ctx, "fault:7", 1); !ok || err != nil {
		t.Fatalf("a deleted counter taken again: %v %v", ok, err)
	}
}

// testControlJournal: entries are numbered in order at the first read, a
// cursor gets only the later ones, a clear keeps the numbering going, the
// stream keeps its newest entries, and streams are apart.
func testControlJournal(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	add := func(stream string, items ...string) {
		t.Helper()
		for _, it := range items {
			if err := s.AppendControlJournal(ctx, stream, []byte(it), 4); err != nil {
				t.Fatal(err)
			}
		}
	}
	read := func(stream string, since uint64) (seqs []uint64, data []string) {
		t.Helper()
		recs, err := s.ControlJournal(ctx, stream, since, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			seqs, data = append(seqs, r.Seq), append(data, string(r.Data))
		}
		return seqs, data
	}
	add("journal", "a", "b", "c")
	add("attempts", "x")
	if seqs, data := read("journal", 0); len(seqs) != 3 || seqs[0] != 1 || seqs[2] != 3 || data[0] != "a" || data[2] != "c" {
		t.Fatalf("first read: %v %v", seqs, data)
	}
	add("journal", "d")
	if seqs, data := read("journal", 3); len(seqs) != 1 || seqs[0] != 4 || data[0] != "d" {
		t.Fatalf("since 3: %v %v", seqs, data)
	}
	if seqs, data := read("attempts", 0); len(seqs) != 1 || seqs[0] != 1 || data[0] != "x" {
		t.Fatalf("another stream: %v %v", seqs, data)
	}
	if err := s.ClearControlJournal(ctx, "journal"); err != nil {
		t.Fatal(err)
	}
	if seqs, _ := read("journal", 0); len(seqs) != 0 {
		t.Fatalf("after a clear: %v", seqs)
	}
	add("journal", "e", "f", "g", "h", "i", "j")
	seqs, data := read("journal", 0)
	if len(seqs) != 4 || seqs[0] != 7 || seqs[3] != 10 || data[3] != "j" {
		t.Fatalf("after a clear and six more, keeping 4: %v %v", seqs, data)
	}
	if _, err := s.ResetControl(ctx); err != nil {
		t.Fatal(err)
	}
	add("journal", "k")
	if seqs, _ := read("journal", 6); len(seqs) != 4 || seqs[0] != 8 || seqs[3] != 11 {
		t.Fatalf("a reset of the control state keeps the journal: %v, want 8…11", seqs)
	}
}

// testControlJournalCursor: a reader following its cursor while writers
// append concurrently sees every entry once, whatever the order their
// writes end in.
func testControlJournalCursor(t *testing.T, newStore NewStore) {
	s := newStore(t)
	defer s.Close()
	const writers, each = 4, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := s.AppendControlJournal(ctx, "journal", []byte(strconv.Itoa(w*each+i)), 10000); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]bool{}
	var cursor uint64
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		recs, err := s.ControlJournal(ctx, "journal", cursor, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Seq <= cursor {
				t.Fatalf("entry %d after cursor %d", r.Seq, cursor)
			}
			cursor = r.Seq
			if seen[string(r.Data)] {
				t.Fatalf("entry %s read twice", r.Data)
			}
			seen[string(r.Data)] = true
		}
	}
	if len(seen) != writers*each {
		t.Fatalf("the cursor saw %d of %d entries", len(seen), writers*each)
	}
}
