// Package fakeclock is a clock that tests move by hand, to check expiry
// (codes, session tokens, transactions, lockouts) without sleeping.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a time source safe for concurrent use. Pass its Now method
// where code takes a func() time.Time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Clock that reads start until it is advanced.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
