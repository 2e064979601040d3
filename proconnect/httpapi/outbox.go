package httpapi

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// drainer runs an outbox (events, mail): at once when woken (a new item, a
// freed worker while due items may wait), and every 200 ms for retries, at
// most workers at once.
// claim takes due items from the store, which moves them out of the due list
// in the same step: a list read before a worker finished an item (and
// recorded it sent, or its next attempt) can no longer hand that item out a
// second time. busy also keeps an item that is still being handled when its
// claim lapses (the sandbox clock moved forward) from a second worker.
type drainer[T any] struct {
	name    string
	workers int
	batch   int
	claim   func(ctx context.Context, limit int) ([]T, error)
	id      func(T) string
	handle  func(ctx context.Context, item T)
	log     *slog.Logger
	wakeup  chan struct{}
	busy    sync.Map // item ID → struct{}: being handled
	// more says a claim may have left due items behind (it took all its
	// free workers could start, or none was free): the next worker to
	// finish wakes the loop. Otherwise a finished worker does not, and
	// the store is not asked again for nothing after every item.
	more atomic.Bool
}

func newDrainer[T any](name string, workers, batch int, log *slog.Logger, claim func(context.Context, int) ([]T, error),
	id func(T) string, handle func(context.Context, T)) *drainer[T] {
	return &drainer[T]{name: name, workers: workers, batch: batch, claim: claim, id: id, handle: handle, log: log,
		wakeup: make(chan struct{}, 1)}
}

// wake asks for a run now; it never blocks.
func (d *drainer[T]) wake() {
	select {
	case d.wakeup <- struct{}{}:
	default:
	}
}

// run drains until ctx ends, then waits for its workers: the store closes
// after run returns.
func (d *drainer[T]) run(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	sem := make(chan struct{}, d.workers)
	defer func() {
		for range d.workers {
			sem <- struct{}{}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wakeup:
		}
		// claim no more than the free workers start at once: a claimed
		// item's lease then covers its one attempt, never a wait for a
		// worker (a lease ending in the queue would let another replica
		// claim it and send it twice)
		free := min(d.batch, d.workers-len(sem))
		if free <= 0 {
			// a worker that frees up wakes the loop; one that freed up
			// since len(sem) was read may have looked at more before
			d.more.Store(true)
			if len(sem) < d.workers && d.more.Swap(false) {
				d.wake()
			}
			continue
		}
		due, err := d.claim(ctx, free)
		if err != nil {
			if ctx.Err() != nil {
				return // stopping: a claim cut short is no store failure
			}
			d.log.Error(d.name, "err", err)
			continue
		}
		if len(due) == free {
			d.more.Store(true) // perhaps more are due
		}
		for _, item := range due {
			id := d.id(item)
			if _, taken := d.busy.LoadOrStore(id, struct{}{}); taken {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				d.busy.Delete(id)
				return
			}
			go func() {
				// a freed worker asks for the next due items at once,
				// when a claim may have left some
				defer func() {
					<-sem
					d.busy.Delete(id)
					if d.more.Swap(false) {
						d.wake()
					}
				}()
				d.handle(ctx, item)
			}()
		}
	}
}
