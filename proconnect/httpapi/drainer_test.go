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

// TestDrainerClaimsOnlyWhatItStarts: the drainer never claims more items
// than its free workers start at once, so no claimed item waits in a queue
// while its lease runs out (another replica would then claim it and send it
// a second time).
func TestDrainerClaimsOnlyWhatItStarts(t *testing.T) {
	const workers, items = 3, 20
	var (
		mu       sync.Mutex
		next     int
		maxAsked int
		running  atomic.Int32
		done     atomic.Int32
		overrun  atomic.Bool
	)
	release := make(chan struct{})
	d := newDrainer("test", workers, 64, slog.New(slog.NewTextHandler(io.Discard, nil)),
		func(_ context.Context, limit int) ([]string, error) {
			mu.Lock()
			defer mu.Unlock()
			maxAsked = max(maxAsked, limit)
			// every claimed item must start at once: none may wait for
			// a worker (the claim's limit is what is free)
			if int(running.Load())+limit > workers {
				overrun.Store(true)
			}
			var out []string
			for ; next < items && len(out) < limit; next++ {
				out = append(out, fmt.Sprint(next))
			}
			return out, nil
		},
		func(s string) string { return s },
		func(context.Context, string) {
			running.Add(1)
			<-release
			running.Add(-1)
			done.Add(1)
		})
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() { d.run(ctx); close(finished) }()
	d.wake()
	time.Sleep(300 * time.Millisecond) // the workers are all busy
	close(release)
	for deadline := time.Now().Add(10 * time.Second); done.Load() < items && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-finished
	if done.Load() != items || maxAsked > workers || overrun.Load() {
		t.Errorf("handled %d of %d, largest claim %d (workers %d), a claim beyond the free workers: %v",
			done.Load(), items, maxAsked, workers, overrun.Load())
	}
}
