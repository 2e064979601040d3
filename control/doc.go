// Package control holds what every sandbox component mounts under
// /__sandbox/: the clock tests fast-forward, the journal of recent exchanges,
// fault injection (a status, a body or a delay for the next N matching
// requests), the health check, the bearer-token guard used when the
// sandbox is shared, and the shield every component's whole handler goes
// through: only the sandbox's own host names, and control writes only in
// JSON and never from a page of another site (shield.go).
//
// Everything here sits on the request path of every component, so none of it
// takes a lock there: the clock is an atomic offset, the journal a lock-free
// ring, the fault list an atomically swapped immutable slice.
//
// It is not a router: each component lists its own control routes.
package control
