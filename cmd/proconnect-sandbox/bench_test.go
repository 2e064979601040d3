package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"syscall"
	"testing"
	"time"
)

// BenchmarkUpReady measures the time from exec of the built binary to every
// component answering /__sandbox/healthz. ms-to-ready (median) is the
// figure to quote; the target is under 50 ms.
func BenchmarkUpReady(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "proconnect-sandbox")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	var samples []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command(bin, "up", "--franceconnect-port", "0", "--proconnect-port", "0", "--sirene-port", "0",
			"--piste-port", "0", "--portal-port", "0", "--mailbox-port", "0", "--mailbox-smtp-port", "0")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		var addrs []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() && len(addrs) < 6 {
			if m := reAnyListen.FindStringSubmatch(sc.Text()); m != nil {
				addrs = append(addrs, "http://"+m[1])
			}
		}
		if err := waitHealthy(context.Background(), addrs); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(start))
		b.StopTimer()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		go func() { _, _ = bufio.NewReader(stdout).WriteTo(discard{}) }()
		if err := cmd.Wait(); err != nil {
			b.Fatalf("up exited: %v", err)
		}
		b.StartTimer()
	}
	slices.Sort(samples)
	b.ReportMetric(float64(samples[len(samples)/2].Microseconds())/1000, "ms-to-ready")
}

var reAnyListen = regexp.MustCompile(`^\S+\s+\S+\s+(127\.0\.0\.1:\d+)$`)

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
