//go:build !unix && !windows

package filelock

import "os"

// tryLock takes no lock where the platform has none (js, wasip1, plan9):
// nothing stops a second process there.
func tryLock(*os.File) error { return nil }

func unlock(*os.File) error { return nil }
