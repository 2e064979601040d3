package harness

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// TestPortalTimePassesOnItsClock: for the reference portal (it has the
// sandbox's control API), letting time pass moves its clock and waits for
// nothing, and the scenario puts the clock back; for a portal without
// control API, the time really passes.
func TestPortalTimePassesOnItsClock(t *testing.T) {
	_, url := sandboxtest.Start(t, sandbox.Config{})
	env := &suiteEnv{control: true, transport: &http.Transport{}, portal: *ReferencePortal(url("portal"))}
	offset := func() string {
		t.Helper()
		resp, err := http.Get(url("portal") + "/__sandbox/clock")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var c struct{ Offset string }
		if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
			t.Fatal(err)
		}
		return c.Offset
	}

	w := newWorld(env, "t")
	if !w.passPortalTime(3*time.Second) || !w.passPortalTime(time.Second) {
		t.Fatal("the reference portal's clock was not moved")
	}
	if got := offset(); got != "4s" {
		t.Fatalf("the portal's clock is %s ahead, want 4s", got)
	}
	if err := w.resetPortalClock(); err != nil {
		t.Fatal(err)
	}
	if got := offset(); got != "0s" {
		t.Fatalf("after the scenario, the portal's clock is %s ahead, want 0s", got)
	}
	// never further than portalClockLimit: beyond, the time really passes
	w.portal.clockMoved = portalClockLimit
	start := time.Now()
	if w.passPortalTime(20 * time.Millisecond) {
		t.Fatalf("the portal's clock moved beyond %s", portalClockLimit)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Fatal("beyond the limit, the time did not pass")
	}
	w.portal.clockMoved = 0

	// an outside portal: no control API, the time passes for real
	env.noControl = map[string]bool{baseOf(env.portal.EventsURL): true}
	w = newWorld(env, "t")
	start = time.Now()
	if w.passPortalTime(50 * time.Millisecond) {
		t.Fatal("moved the clock of a portal without control API")
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("for a portal without control API, the time did not pass")
	}
	if got := offset(); got != "0s" {
		t.Fatalf("the portal's clock is %s ahead, want 0s", got)
	}
}
