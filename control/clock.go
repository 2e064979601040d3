package control

import (
	"errors"
	"sync/atomic"
	"time"
)

// MaxOffset bounds how far ahead of real time a sandbox clock may be: 100
// years (of 365 days), far beyond any expiry a test wants to reach (codes,
// tokens, links, access requests: minutes to days) and far below where time
// arithmetic breaks: a time.Duration holds ±292 years, so with the offset
// bounded at 100 years every difference between a sandbox time and a real
// or stored one (time.Sub, an expiry plus a TTL) stays exact, and the
// offset itself can never overflow.
const MaxOffset = 100 * 365 * 24 * time.Hour

// ErrClockBound is returned by Clock.Advance when the advance would take
// the clock more than MaxOffset ahead of real time.
var ErrClockBound = errors.New("the sandbox clock goes at most 100 years (876000h) ahead of real time")

// Clock is the sandbox time: the real time plus an offset that tests advance
// to make codes, tokens and requests expire without waiting.
type Clock struct {
	base   func() time.Time
	offset atomic.Int64
}

// NewClock returns a clock on base (time.Now when nil).
func NewClock(base func() time.Time) *Clock {
	if base == nil {
		base = time.Now
	}
	return &Clock{base: base}
}

// Now returns the sandbox time.
func (c *Clock) Now() time.Time { return c.base().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward by d, atomically, or returns
// ErrClockBound and leaves it where it was if the offset would exceed
// MaxOffset. A negative d is ignored: time never goes back in the sandbox,
// so nothing that expired comes back to life.
func (c *Clock) Advance(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	for {
		cur := c.offset.Load()
		// cur is within [0, MaxOffset]: the comparison cannot overflow
		if d > MaxOffset-time.Duration(cur) {
			return ErrClockBound
		}
		if c.offset.CompareAndSwap(cur, cur+int64(d)) {
			return nil
		}
	}
}

// Offset returns how far the sandbox clock is ahead of real time.
func (c *Clock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Reset puts the clock back on real time.
func (c *Clock) Reset() { c.offset.Store(0) }
