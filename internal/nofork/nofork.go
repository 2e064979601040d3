// Package nofork keeps the sandbox's binary from running the go command
// while its packages are initialised. main imports it for that effect
// only; it has nothing to call.
//
// Why: godog (v0.15.1 and v0.16.0), which the binary links for its
// conformance subcommand, initialises a package-level variable of its
// internal/builder package with exec.Command("go", "env", "GOTOOLDIR"),
// for godog.Build, which the sandbox never calls. With Go on PATH, every
// start of the binary (up, version, healthcheck, a container's health
// check every few seconds) forked go and waited 50 to 140 ms for it.
//
// How: package hide empties PATH, so that godog's lookup of "go" fails
// without running anything; this package, initialised after godog since it
// imports it, puts PATH back. godog's variable then holds what it holds
// wherever Go is missing (in our Docker image, say): its test is inverted
// (v0.15.1, builder.go, findToolDir), so a failed go gives "." and a
// successful one build.ToolDir, never go's answer. Only godog.Build reads
// it (to find the compiler and linker), and the sandbox does not call it.
// That relies on the order in which Go initialises packages, fixed by the
// specification since Go 1.21 ("Package initialization"): packages are
// taken in the order of their import paths, sorted, each step
// initialising the first one whose imports are all initialised. hide
// imports only os, which godog's builder also needs (through os/exec,
// go/build…), and its path (github.com/proconnect-sandbox/…) sorts before
// every standard package the builder imports after "g" (go/build,
// os/exec, text/template…): hide is ready, and taken, before the builder
// is. TestStartRunsNoGo in cmd/proconnect-sandbox, with a recording fake
// go first on PATH, proves it for the built binary.
//
// Between the two, other packages' initialisation sees an empty PATH;
// none of the binary's dependencies reads PATH at initialisation except
// godog's builder (checked with go list -deps and a search of their
// sources for LookPath, exec.Command and "PATH", godog v0.15.1). main
// finds PATH as it was given. Remove both packages when godog no longer
// runs go at initialisation.
package nofork

import (
	// initialised after godog's internal/builder, which godog imports
	_ "github.com/cucumber/godog"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/nofork/hide"
)

func init() { hide.Restore() }
