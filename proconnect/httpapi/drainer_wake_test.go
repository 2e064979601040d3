package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDrainerClaimsOnceAnItem: items that come one at a time, each handled
// before the next, cost one claim each (plus the 200 ms ticks). A worker
// that finishes asks the store again only when a claim may have left due
// items behind: before, every item cost a second, empty claim, a write on
// SQLite or PostgreSQL.
func TestDrainerClaimsOnceAnItem(t *testing.T) {
	const items = 40
	var (
		mu      sync.Mutex
		queued  []string
		claims  atomic.Int32
		handled = make(chan string, items)
	)
	d := newDrainer("test", 8, 64, slog.New(slog.NewTextHandler(io.Discard, nil)),
		func(_ context.Context, limit int) ([]string, error) {
			claims.Add(1)
			mu.Lock()
			defer mu.Unlock()
			n := min(limit, len(queued))
			out := queued[:n:n]
			queued = queued[n:]
			return out, nil
		},
		func(s string) string { return s },
		func(_ context.Context, s string) { handled <- s })
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() { d.run(ctx); close(finished) }()
	defer func() { cancel(); <-finished }()
	start := time.Now()
	for i := range items {
		mu.Lock()
		queued = append(queued, fmt.Sprint(i))
		mu.Unlock()
		d.wake()
		select {
		case <-handled:
		case <-time.After(5 * time.Second):
			t.Fatalf("item %d not handled", i)
		}
		time.Sleep(time.Millisecond) // the worker's end, and what it wakes, happen now
	}
	ticks := int32(time.Since(start) / (200 * time.Millisecond))
	if got := claims.Load(); got > items+ticks+1 {
		t.Errorf("%d items handled one at a time took %d claims (%d ticks of 200 ms passed): want one each", items, got, ticks)
	}
}
