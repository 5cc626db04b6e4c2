package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/okta-samples/okta-go-sample/auth"
)

// RedisSpentStates is an auth.SpentStates in Redis, so that a callback
// spent on one replica is refused on every other. It lives here, beside
// the session store, so that auth does not depend on Redis and everything
// the app keeps in Redis is documented in one package.
//
// With the default prefix, a spent state is the key
//
//	okta-sample:spent:<hash>   the value "1"; TTL: what is left of the
//	                           login's 10 minutes, plus a minute
//
// where <hash> is auth's SHA-256 of the state in base64url, never the
// state; and a back-channel logout token already received is the key
//
//	okta-sample:spent:logout-jti:<hash>   the value "1"; TTL: until the
//	                                      token would be refused anyway
//	                                      (at most its iat plus the
//	                                      leeway), plus a minute
//
// where <hash> is the SHA-256 of its issuer and jti. Spend is one SET key 1 NX PX ttl: Redis answers OK to the first
// caller only, atomically, and forgets the key when the transaction it
// guards would be refused as too old anyway. Nothing else is stored, so a
// flood of callbacks costs Redis at most one small key per callback for
// eleven minutes, and never refuses anyone else's state.
type RedisSpentStates struct {
	client *redis.Client
	prefix string
}

var _ auth.SpentStates = (*RedisSpentStates)(nil)

// NewRedisSpentStates returns a RedisSpentStates on client; prefix ""
// means DefaultRedisPrefix.
func NewRedisSpentStates(client *redis.Client, prefix string) (*RedisSpentStates, error) {
	if client == nil {
		return nil, errors.New("session: NewRedisSpentStates needs a client")
	}
	return &RedisSpentStates{client: client, prefix: cmp.Or(prefix, DefaultRedisPrefix)}, nil
}

// Spend implements auth.SpentStates. An error (Redis unreachable) makes
// auth refuse the callback with auth.ErrStoreUnavailable: the app never
// answers "first" when it cannot know.
func (s *RedisSpentStates) Spend(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	// SET … PX needs at least a millisecond.
	ttl = max(ttl, time.Millisecond)
	// SetArgs with Mode NX answers redis.Nil when the key exists.
	err := s.client.SetArgs(ctx, s.prefix+"spent:"+key, "1", redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	default:
		return false, fmt.Errorf("session: redis: %w", err)
	}
}
