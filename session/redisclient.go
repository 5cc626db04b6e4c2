package session

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeouts of NewRedisClient. A page waits on Redis for every request, so
// a Redis that is down or unreachable must make it fail within about a
// second (a 503 that says so), not hang for go-redis's default five.
const (
	redisDialTimeout = time.Second
	redisIOTimeout   = time.Second
)

// NewRedisClient returns a go-redis client for rawURL
// (redis://[user:pass@]host:port/db, rediss:// for TLS), tuned for
// sessions: one-second dial, read and write timeouts; one dial attempt
// and one retry of a command (which covers a pooled connection that died
// with a Redis restart), so that an outage answers in about a second;
// and the request's context respected. Parameters in the URL's query
// (dial_timeout, read_timeout, pool_size, max_retries… as go-redis's
// ParseURL reads them) win over these. The pool keeps go-redis's default
// size, ten connections per GOMAXPROCS, which a replica's requests share.
//
// It does not connect; go-redis dials when a command needs it, and redials
// by itself once Redis is back. Its errors never contain the password.
func NewRedisClient(rawURL string) (*redis.Client, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// ParseURL's messages name the part that is wrong, never the URL.
		return nil, fmt.Errorf("session: the Redis URL: %w", err)
	}
	if opts.DialTimeout == 0 {
		opts.DialTimeout = redisDialTimeout
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = redisIOTimeout
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = redisIOTimeout
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = 1
	}
	if opts.DialerRetries == 0 {
		opts.DialerRetries = 1
	}
	opts.ContextTimeoutEnabled = true
	return redis.NewClient(opts), nil
}

// PingRedis reports whether the Redis behind client answers PING within
// timeout: what /healthz asks.
func PingRedis(ctx context.Context, client *redis.Client, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("session: redis: %w", err)
	}
	return nil
}
