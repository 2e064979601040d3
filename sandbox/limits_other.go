//go:build !unix

package sandbox

// openFileLimit is unknown here (Windows has no per-process descriptor
// limit of that kind): the connection cap applies.
func openFileLimit() uint64 { return 0 }
