package httpapi

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDrainerStopsQuietly: a claim that the end of the run cuts short (a
// PostgreSQL query canceled with the context) is no error to log.
func TestDrainerStopsQuietly(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	claiming := make(chan struct{}, 1)
	d := newDrainer("outbox", 1, 1, log, func(ctx context.Context, _ int) ([]string, error) {
		select {
		case claiming <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}, func(s string) string { return s }, func(context.Context, string) {})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.run(ctx); close(done) }()
	d.wake()
	select {
	case <-claiming:
	case <-time.After(5 * time.Second):
		t.Fatal("the drainer never claimed")
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("stopping logged an error: %s", logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
