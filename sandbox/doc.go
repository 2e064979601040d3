// Package sandbox assembles the sandbox: it listens for every component of
// the layout (sandbox/layout), builds each once all URLs are known, chooses
// the core's store (OpenStore: the one place), and serves them in one
// process. The command (up, serve), the in-process conformance harness and
// the tests use it; the container module (harness/tcsandbox) only needs the
// layout.
package sandbox
