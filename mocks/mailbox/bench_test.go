package mailbox_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
)

// BenchmarkDeepMessage is the time to the answer to a message nested 8,000
// multipart levels deep (450 KB), over SMTP. Run with -benchtime 1x.
func BenchmarkDeepMessage(b *testing.B) {
	addr, _ := testserver.Mailbox(b)
	msg := nested(8000)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		_ = send(context.Background(), addr, msg)
	}
}

// BenchmarkManyParts is the time to take a message of 1,000 text parts of
// 9 KB (the most parts a message may have, near the SMTP size limit), over
// SMTP.
func BenchmarkManyParts(b *testing.B) {
	addr, _ := testserver.Mailbox(b)
	msg := siblings(1000, 9000)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := send(context.Background(), addr, msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLargeMessages fills a mailbox with 30 messages of 9.9 MB, with
// the sandbox's GC setting (GOGC=100, cmd/proconnect-sandbox), then clears
// it. It reports the heap the mailbox keeps once collected (kept-MiB), the
// process's resident memory full (rss-MiB) and right after DELETE
// /api/messages (rss-cleared-MiB), and how long that DELETE took
// (delete-ms). Run with -benchtime 1x -count 5 and
// take medians: each run is one fill.
func BenchmarkLargeMessages(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	msg := plain("gros", "Lien : http://localhost:7100/contact/verifier?jeton=abc", 9_900_000)
	for b.Loop() {
		addr, api := testserver.Mailbox(b)
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range 30 {
			if err := send(context.Background(), addr, msg); err != nil {
				b.Fatalf("message %d: %v", i+1, err)
			}
		}
		var full runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&full)
		b.ReportMetric(float64(full.HeapAlloc-before.HeapAlloc)/(1<<20), "kept-MiB")
		b.ReportMetric(rssMiB(b), "rss-MiB")
		req, _ := http.NewRequest(http.MethodDelete, api+"/api/messages", nil)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "delete-ms")
		b.ReportMetric(rssMiB(b), "rss-cleared-MiB")
	}
}

// rssMiB is the process's resident memory (Linux), or 0.
func rssMiB(tb testing.TB) float64 {
	tb.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				tb.Fatal(fmt.Errorf("VmRSS %q: %w", v, err))
			}
			return float64(kb) / 1024
		}
	}
	return 0
}
