package control_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// TestClockAdvanceIsBounded: an advance beyond the bound is refused and
// leaves the clock where it was; the clock never goes back, however large
// the advances asked.
func TestClockAdvanceIsBounded(t *testing.T) {
	k, h := newComponent(t, "")
	last := k.Clock.Now()
	for i := range 3 {
		// the largest Go duration, in hours: twice overflowed the offset
		rec := do(h, "POST", "/__sandbox/clock", `{"advance":"2562047h"}`)
		wantProblem(t, "advance 2562047h", rec, http.StatusBadRequest)
		now := k.Clock.Now()
		if now.Before(last) {
			t.Fatalf("advance %d took the clock back: %s → %s (offset %s)", i+1, last, now, k.Clock.Offset())
		}
		last = now
	}
	if k.Clock.Offset() != 0 {
		t.Fatalf("refused advances moved the clock: offset %s", k.Clock.Offset())
	}
	// up to the bound (100 years of 365 days) in two steps; then nothing more
	for _, d := range []string{"438000h", "438000h"} {
		if rec := do(h, "POST", "/__sandbox/clock", `{"advance":"`+d+`"}`); rec.Code != 200 {
			t.Fatalf("advance %s: %d %s", d, rec.Code, rec.Body)
		}
	}
	want := 876000 * time.Hour
	if k.Clock.Offset() != want {
		t.Fatalf("offset %s, want %s", k.Clock.Offset(), want)
	}
	for _, d := range []string{"1ns", "1h", "2562047h"} {
		rec := do(h, "POST", "/__sandbox/clock", `{"advance":"`+d+`"}`)
		if p := wantProblem(t, "advance "+d+" at the bound", rec, http.StatusBadRequest); p != nil {
			if det, _ := p["detail"].(string); !strings.Contains(det, "100 years") {
				t.Errorf("the detail does not say the bound: %q", det)
			}
		}
		if k.Clock.Offset() != want {
			t.Fatalf("a refused advance moved the clock: offset %s", k.Clock.Offset())
		}
	}
	if rec := do(h, "DELETE", "/__sandbox/clock", ""); rec.Code != 200 || k.Clock.Offset() != 0 {
		t.Fatalf("back to real time: %d, offset %s", rec.Code, k.Clock.Offset())
	}
}

// TestClockAdvancesConcurrently: advances racing each other all count.
func TestClockAdvancesConcurrently(t *testing.T) {
	c := control.NewClock(nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c.Advance(time.Second)
			}
		})
	}
	wg.Wait()
	if c.Offset() != 8000*time.Second {
		t.Fatalf("offset %s, want 8000s", c.Offset())
	}
}
