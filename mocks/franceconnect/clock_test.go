package franceconnect_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestClientClockIsBounded: one client's clock, like the sandbox clock,
// takes advances up to 100 years in all, refuses more with 400 and stays
// where it was: it never goes back, however large the advances asked.
func TestClientClockIsBounded(t *testing.T) {
	_, base := newMock(t)
	advance := func(d string) (int, time.Time) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/__sandbox/clients/sandbox-fs/clock", strings.NewReader(`{"advance":"`+d+`"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Now time.Time `json:"now"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out.Now
	}
	var last time.Time
	for _, step := range []struct {
		d    string
		want int
	}{{"438000h", 200}, {"2562047h", 400}, {"2562047h", 400}, {"438000h", 200}, {"1ns", 400}, {"1h", 400}} {
		code, now := advance(step.d)
		if code != step.want {
			t.Fatalf("advance %s: %d, want %d", step.d, code, step.want)
		}
		if code == http.StatusOK {
			if now.Before(last) {
				t.Fatalf("advance %s took the client's clock back: %s → %s", step.d, last, now)
			}
			last = now
		}
	}
	if time.Until(last) < 99*365*24*time.Hour {
		t.Fatalf("the client's clock is at %s", last)
	}
}
