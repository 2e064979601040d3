// Package benchcpu gives benchmarks the CPU time their process used: on a
// shared machine it moves far less than operations per second, since it
// does not depend on how much CPU the process was given, only on how much
// it used (two cores give at most 2 s / cpu-µs/op operations per second).
package benchcpu

import (
	"syscall"
	"testing"
	"time"
)

// Self is the CPU time (user and system) this process used so far, 0 if
// the system does not say.
func Self() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Report adds cpu-µs/op to b: the CPU time this process used since start
// (a value of Self) per operation, the benchmark's client and the code it
// drives together when they share the process.
func Report(b *testing.B, start time.Duration) {
	b.Helper()
	if start > 0 && b.N > 0 {
		b.ReportMetric(float64((Self()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}
