package httpapi

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// drainer runs an outbox (events, mail): at once when woken (a new item, a
// freed worker), and every 200 ms for retries; each due item is handled by
// one worker at a time, at most workers at once.
type drainer[T any] struct {
	name    string
	workers int
	batch   int
	due     func(ctx context.Context, limit int) ([]T, error)
	id      func(T) string
	handle  func(ctx context.Context, item T)
	log     *slog.Logger
	wakeup  chan struct{}
	busy    sync.Map // item ID → struct{}: being handled
}

func newDrainer[T any](name string, workers, batch int, log *slog.Logger, due func(context.Context, int) ([]T, error),
	id func(T) string, handle func(context.Context, T)) *drainer[T] {
	return &drainer[T]{name: name, workers: workers, batch: batch, due: due, id: id, handle: handle, log: log,
		wakeup: make(chan struct{}, 1)}
}

// wake asks for a run now; it never blocks.
func (d *drainer[T]) wake() {
	select {
	case d.wakeup <- struct{}{}:
	default:
	}
}

func (d *drainer[T]) run(ctx context.Context) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	sem := make(chan struct{}, d.workers)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wakeup:
		}
		due, err := d.due(ctx, d.batch)
		if err != nil {
			d.log.Error(d.name, "err", err)
			continue
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
				// a freed worker asks for the next due items at once
				defer func() { <-sem; d.busy.Delete(id); d.wake() }()
				d.handle(ctx, item)
			}()
		}
	}
}
