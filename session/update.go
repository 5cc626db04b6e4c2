package session

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Updating a session in place: when a refresh rotates the tokens, the new
// ones replace the old in the session's Data, which keeps its expiry, its
// deadline and its indexes. See Manager.RefreshTokens.

// Update implements Store. A session that is gone or has expired is
// ErrNotFound.
func (s *MemoryStore) Update(_ context.Context, key Key, data string) error {
	now := s.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byKey[key]
	if !ok || e.expires <= now {
		return ErrNotFound
	}
	e.data = data
	return nil
}

// updateScript replaces a live session's data, and nothing else.
//
//	KEYS: session
//	ARGV: now ms, data
var updateScript = redis.NewScript(`
local e = redis.call('HGET', KEYS[1], 'expires_ms')
if not e or tonumber(e) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2])
return 1
`)

// Update implements Store, in one script: a session that expired or
// ended between the Get and the Update is not brought back.
func (s *RedisStore) Update(ctx context.Context, key Key, data string) error {
	n, err := updateScript.Run(ctx, s.client, []string{s.sessionKey(key)}, s.now().UnixMilli(), data).Int()
	if err != nil {
		return fmt.Errorf("session: redis: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
