// Package sandboxtest starts a whole sandbox for a Go test: every component
// in the test's process, on free loopback ports, closed when the test ends.
package sandboxtest

import (
	"context"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
)

// Start starts the sandbox cfg describes on free ports (cfg.Ports is
// ignored) and returns it with a function giving a component's public URL.
func Start(tb testing.TB, cfg sandbox.Config) (*sandbox.Stack, func(component string) string) {
	tb.Helper()
	cfg.Ports = sandbox.FreePorts()
	stack, err := sandbox.Start(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stack.Close(ctx)
	})
	return stack, func(name string) string {
		s, ok := stack.Service(name)
		if !ok {
			tb.Fatalf("the sandbox has no component %s", name)
		}
		return s.PublicURL
	}
}
