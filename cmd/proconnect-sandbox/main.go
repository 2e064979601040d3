// Command proconnect-sandbox runs the ProConnect sandbox: the mock
// FranceConnect and the other components, on one machine, and the Gherkin
// conformance suites against them or against your own services.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	// no go command at start: internal/nofork says why and how
	_ "github.com/proconnect-sandbox/proconnect-sandbox/internal/nofork"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		os.Exit(code)
	}
}
