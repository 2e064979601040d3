package control

import (
	"sync/atomic"
	"time"
)

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

// Advance moves the clock forward by d (a negative d is ignored: time never
// goes back in the sandbox, so nothing that expired comes back to life).
func (c *Clock) Advance(d time.Duration) {
	if d > 0 {
		c.offset.Add(int64(d))
	}
}

// Offset returns how far the sandbox clock is ahead of real time.
func (c *Clock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Reset puts the clock back on real time.
func (c *Clock) Reset() { c.offset.Store(0) }
