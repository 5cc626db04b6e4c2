package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Connector runs discovery in the background and retries with backoff, so
// the app starts, serves pages that explain the problem, and begins
// serving logins as soon as the provider answers. It never gives up and
// never crashes the process.
type Connector struct {
	cfg Config
	log *slog.Logger

	// minBackoff and maxBackoff bound the wait between attempts.
	minBackoff, maxBackoff time.Duration

	mu      sync.Mutex
	rp      *RelyingParty
	lastErr error
}

// NewConnector returns a Connector for cfg; call Run to start it.
func NewConnector(cfg Config, log *slog.Logger) *Connector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Connector{
		cfg:        cfg,
		log:        log,
		minBackoff: 500 * time.Millisecond,
		maxBackoff: 30 * time.Second,
		lastErr:    errors.New("discovery has not run yet"),
	}
}

// Run tries discovery until it succeeds or ctx is done, then returns.
func (c *Connector) Run(ctx context.Context) {
	wait := c.minBackoff
	for attempt := 1; ; attempt++ {
		rp, err := New(ctx, c.cfg)
		if err == nil {
			c.mu.Lock()
			c.rp, c.lastErr = rp, nil
			c.mu.Unlock()
			c.log.Info("provider discovered", "issuer", c.cfg.Issuer, "attempt", attempt)
			return
		}
		c.mu.Lock()
		c.lastErr = err
		c.mu.Unlock()
		c.log.Warn("provider discovery failed; retrying", "issuer", c.cfg.Issuer, "attempt", attempt, "retry_in", wait.String(), "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, c.maxBackoff)
	}
}

// RelyingParty returns the relying party, or an error wrapping ErrNotReady
// and the last discovery failure.
func (c *Connector) RelyingParty() (*RelyingParty, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rp == nil {
		return nil, fmt.Errorf("%w: %w", ErrNotReady, c.lastErr)
	}
	return c.rp, nil
}
