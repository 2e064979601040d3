package sirene_test

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU reports the CPU time this process used per operation since
// start (user and system, client and server together: the benchmark's
// client runs in the same process). On a shared machine it moves far less
// than the operations per second: it does not depend on how much CPU the
// process was given, only on how much it used; two cores give at most
// 2 s / cpu-µs/op operations per second.
func reportCPU(b *testing.B, start time.Duration) {
	b.Helper()
	if start > 0 && b.N > 0 {
		b.ReportMetric(float64((selfCPU()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// selfCPU is the CPU time this process used so far (0 if unknown).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
