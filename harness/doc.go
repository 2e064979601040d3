// Package harness starts a sandbox and drives it: the stack of components in
// one process (Start), the browser driver that plays the person, the godog
// step definitions in French, and the conformance runner with its reports.
//
// The command's `up` and `serve` start components through Start too, so the
// tests exercise exactly what a portal team runs.
//
// It is not a component: it holds no protocol logic of its own; everything it
// checks, it checks over HTTP.
package harness
