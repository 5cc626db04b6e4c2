package oktaorg

import (
	"context"
	"sync"
	"time"
)

// Probe timings shared by every probe. A caller waits at most probeWait
// for the first answer, then goes on and lets the probe finish in the
// background; each probe is bounded by probeTimeout; an inconclusive
// answer is asked again after probeRetry, so a provider that is down is
// not hammered by every page view.
const (
	probeTimeout = 5 * time.Second
	probeWait    = 1500 * time.Millisecond
	probeRetry   = 30 * time.Second
)

// cachedProbe runs one probe of the org at a time and keeps its answer.
// The zero value of T means "inconclusive": no answer yet, or a probe
// that could not tell (network error, 5xx, too slow). Its methods are safe
// for concurrent use.
type cachedProbe[T comparable] struct {
	now func() time.Time
	// probe asks the org once; ctx carries probeTimeout.
	probe func(ctx context.Context) T
	// keepFor says how long an answer stands before it is asked again;
	// zero keeps it for the life of the process. It is called for
	// inconclusive answers too (usually probeRetry).
	keepFor func(T) time.Duration
	// changed is told each new answer, for the log.
	changed func(ctx context.Context, answer T)
	// wait bounds how long check waits for a running probe: probeWait,
	// except in tests, which choose whether check sees the probe's answer
	// (a long wait) or must not wait for it (zero).
	wait time.Duration

	mu       sync.Mutex
	result   T
	until    time.Time     // when result must be asked again; zero: never
	inflight chan struct{} // closed when the running probe ends
}

// check returns the current answer, starting a probe when none is known
// or the last one is due again. It waits for a running probe for c.wait at
// most, and not after ctx ends, so a slow provider never holds up a page
// for long; the probe then finishes in the background, for the next
// caller.
func (c *cachedProbe[T]) check(ctx context.Context) T {
	var unknown T
	c.mu.Lock()
	now := c.now()
	due := !c.until.IsZero() && !now.Before(c.until)
	if c.result != unknown && !due {
		r := c.result
		c.mu.Unlock()
		return r
	}
	if c.inflight == nil && (c.until.IsZero() || due) {
		done := make(chan struct{})
		c.inflight = done
		// The probe outlives this request (other pages wait for it too),
		// so it keeps the request's values but not its cancellation.
		go c.run(context.WithoutCancel(ctx), done)
	}
	done, last := c.inflight, c.result
	c.mu.Unlock()
	if done == nil {
		return last // an inconclusive probe is waiting for its retry time
	}

	t := time.NewTimer(c.wait)
	defer t.Stop()
	select {
	case <-done:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.result
	case <-t.C:
	case <-ctx.Done():
	}
	return last
}

// run probes once and records the answer.
func (c *cachedProbe[T]) run(ctx context.Context, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	result := c.probe(ctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	if result != c.result && c.changed != nil {
		c.changed(ctx, result)
	}
	c.result = result
	c.until = time.Time{}
	if d := c.keepFor(result); d > 0 {
		c.until = c.now().Add(d)
	}
	c.inflight = nil
	close(done)
}
