// Package harness starts a sandbox and drives it: the stack of components in
// one process (Start), the browser driver that plays the person, the godog
// step definitions in French, and the conformance runner with its reports.
//
// The command's `up` and `serve` start components through Start too, so the
// tests exercise exactly what a portal team runs.
//
// The step definitions are in steps_<suite>.go (steps_http.go for the ones
// several suites share), each a named method registered through a
// stepRegistry; Steps lists them, and `conformance --etapes` prints them with
// their function and file:line. A scenario's state is a world (world.go),
// made of one part per domain.
//
// It is not a component: it holds no protocol logic of its own; everything it
// checks, it checks over HTTP.
package harness
