package kaowu

import (
	"sync"
	"time"
)

// Shanghai is the time zone of every window and date in the exam year.
var Shanghai = mustLoadLocation("Asia/Shanghai")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Clock tells the current instant. Everything that depends on "now" (windows,
// lockouts, deadlines) reads it from an injected Clock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// OffsetClock runs from a chosen instant: at creation it reads that instant
// and then advances with real time. It backs `serve --now` for demos and
// training.
type OffsetClock struct {
	offset time.Duration
}

// NewOffsetClock returns a clock whose current time is at now.
func NewOffsetClock(at time.Time) *OffsetClock {
	return &OffsetClock{offset: time.Until(at)}
}

// Now returns the shifted current time.
func (c *OffsetClock) Now() time.Time { return time.Now().Add(c.offset) }

// ManualClock is a clock that moves only when told to; tests use it.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
