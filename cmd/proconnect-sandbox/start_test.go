package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
)

// These tests and benchmarks run the built binary, as a user or a container
// does: what happens before main (package initialisation) counts.

// buildBinary builds cmd/proconnect-sandbox as the Dockerfile does, or
// returns $PROCONNECT_SANDBOX_BENCH_BINARY if set (to time another build,
// say the previous commit's, against this one).
func buildBinary(tb testing.TB) string {
	tb.Helper()
	if bin := os.Getenv("PROCONNECT_SANDBOX_BENCH_BINARY"); bin != "" {
		if _, ok := tb.(*testing.B); ok {
			return bin
		}
	}
	bin := filepath.Join(tb.TempDir(), "proconnect-sandbox")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// upArgs puts every component, and the mailbox's SMTP, on a free port.
func upArgs() []string {
	args := []string{"up", "--mailbox-smtp-port", "0"}
	for _, c := range layout.Components() {
		args = append(args, "--"+c.Name+"-port", "0")
	}
	return args
}

var reAnyListen = regexp.MustCompile(`^\S+\s+\S+\s+(127\.0\.0\.1:\d+)$`)

// startUp execs bin up with env (nil: this process's) and returns, once
// every component answers its health check, their base URLs, the time from
// exec to that moment, and stop, which stops it with SIGTERM and requires a
// clean exit.
func startUp(tb testing.TB, bin string, env []string) (urls []string, ready time.Duration, stop func()) {
	urls, ready, _, stop = startUpCPU(tb, bin, env)
	return urls, ready, stop
}

// startUpCPU is startUp that also returns the CPU time the process had
// used when every component answered (0 where /proc does not say).
func startUpCPU(tb testing.TB, bin string, env []string) (urls []string, ready, cpu time.Duration, stop func()) {
	tb.Helper()
	start := time.Now()
	cmd := exec.Command(bin, upArgs()...)
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	n := len(layout.Components())
	sc := bufio.NewScanner(stdout)
	for len(urls) < n && sc.Scan() {
		if m := reAnyListen.FindStringSubmatch(sc.Text()); m != nil {
			urls = append(urls, "http://"+m[1])
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			tb.Errorf("up exited: %v\n%s", err, stderr.String())
		}
	}
	if len(urls) < n {
		stop()
		tb.Fatalf("up printed %d listening addresses, want %d; stderr:\n%s", len(urls), n, stderr.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pollHealthy(ctx, urls, time.Millisecond); err != nil { // fine enough to time a start of tens of ms
		stop()
		tb.Fatal(err)
	}
	ready = time.Since(start)
	return urls, ready, processCPU(cmd.Process.Pid), stop
}

// processCPU is the CPU time a running process has used: the sum over its
// threads of /proc/PID/task/TID/schedstat's first field (nanoseconds on a
// CPU; /proc/PID/stat counts in ticks of 10 ms, too coarse for a start).
// 0 where /proc has no schedstat.
func processCPU(pid int) time.Duration {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		total += time.Duration(ns)
	}
	return total
}

// TestStartRunsNoGo puts first on PATH a fake go that records every call,
// then runs version, up and healthcheck: none may run it. godog, linked
// for the conformance subcommand, runs go env GOTOOLDIR when its packages
// are initialised; internal/nofork keeps it from finding go.
func TestStartRunsNoGo(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("not tested on Windows: that starting forks no go (the fake go is a shell script)")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	fake := "#!/bin/sh\necho \"go $*\" >> '" + calls + "'\necho /nonexistent\n"
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	called := func() string {
		b, err := os.ReadFile(calls)
		if os.IsNotExist(err) {
			return ""
		}
		if err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(calls)
		return string(b)
	}

	// the fake is the go a child process finds: without it, this test
	// could not fail
	sh := exec.Command("/bin/sh", "-c", "go env GOTOOLDIR")
	sh.Env = env
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("fake go: %v\n%s", err, out)
	}
	if got := called(); got != "go env GOTOOLDIR\n" {
		t.Fatalf("the fake go recorded %q, want its call by sh", got)
	}

	cmd := exec.Command(bin, "version")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("version: %v\n%s", err, out)
	}
	if got := called(); got != "" {
		t.Errorf("version ran %q", got)
	}

	urls, _, stop := startUp(t, bin, env)
	defer stop()
	if got := called(); got != "" {
		t.Errorf("up ran %q", got)
	}

	cmd = exec.Command(bin, healthcheckArgs(urls)...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("healthcheck: %v\n%s", err, out)
	}
	if got := called(); got != "" {
		t.Errorf("healthcheck ran %q", got)
	}
}

// The benchmarks below time the built binary with this process's
// environment (run them with Go on PATH, as go test is): go test
// -run '^$' -bench 'Start' -benchtime 20x ./cmd/proconnect-sandbox.
// ms (median wall-clock time) is the figure to quote; every iteration's is
// logged with -v. Each also reports cpu-ms, the median CPU time (up's
// until it was ready). Targets: up ready in 25 ms or less, version and
// healthcheck under 5 ms. On a loaded machine wall-clock times spread:
// quote the median of at least 5 iterations and say what the machine was.

// BenchmarkStartUp times exec of up to every component answering
// /__sandbox/healthz; cpu-ms is the CPU time up had used by then (Linux).
func BenchmarkStartUp(b *testing.B) {
	bin := buildBinary(b)
	var samples, cpu []time.Duration
	for b.Loop() {
		_, ready, used, stop := startUpCPU(b, bin, nil)
		b.StopTimer()
		stop()
		b.StartTimer()
		samples = append(samples, ready)
		cpu = append(cpu, used)
	}
	report(b, samples)
	reportCPU(b, cpu)
}

// BenchmarkStartVersion times exec of version to its exit.
func BenchmarkStartVersion(b *testing.B) {
	bin := buildBinary(b)
	var samples, cpu []time.Duration
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command(bin, "version")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("version: %v\n%s", err, out)
		}
		samples = append(samples, time.Since(start))
		cpu = append(cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	report(b, samples)
	reportCPU(b, cpu)
}

// BenchmarkStartHealthcheck times exec of healthcheck, against a running
// sandbox's components, to its exit.
func BenchmarkStartHealthcheck(b *testing.B) {
	bin := buildBinary(b)
	urls, _, stop := startUp(b, bin, nil)
	defer stop()
	var samples, cpu []time.Duration
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command(bin, healthcheckArgs(urls)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("healthcheck: %v\n%s", err, out)
		}
		samples = append(samples, time.Since(start))
		cpu = append(cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	report(b, samples)
	reportCPU(b, cpu)
}

// healthcheckArgs asks healthcheck about every component's health check.
func healthcheckArgs(urls []string) []string {
	args := []string{"healthcheck"}
	for _, u := range urls {
		args = append(args, u+"/__sandbox/healthz")
	}
	return args
}

// report gives the median as the benchmark's figure, and logs every sample.
func report(b *testing.B, samples []time.Duration) {
	ms := make([]string, len(samples))
	for i, s := range samples {
		ms[i] = fmt.Sprintf("%.1f", float64(s.Microseconds())/1000)
	}
	b.Logf("ms, in order: %s", strings.Join(ms, " "))
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2].Microseconds())/1000, "ms")
	b.ReportMetric(0, "ns/op")
}

// reportCPU adds the median CPU time (user and system, the process's and
// its children's) of the runs: on a machine shared with other work it
// varies less than wall-clock time.
func reportCPU(b *testing.B, cpu []time.Duration) {
	ms := make([]string, len(cpu))
	for i, c := range cpu {
		ms[i] = fmt.Sprintf("%.1f", float64(c.Microseconds())/1000)
	}
	b.Logf("cpu-ms, in order: %s", strings.Join(ms, " "))
	slices.Sort(cpu)
	b.ReportMetric(float64(cpu[len(cpu)/2].Microseconds())/1000, "cpu-ms")
}
