package session

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix starts the name of every key the Redis stores of this
// package write, so that the app can share a Redis database with others
// and an operator can list its keys (SCAN 0 MATCH okta-sample:*).
const DefaultRedisPrefix = "okta-sample:"

// RedisOptions tune a RedisStore.
type RedisOptions struct {
	// Client is the connection pool, made once by the program (see
	// NewRedisClient) and shared with RedisSpentStates. Required.
	Client *redis.Client
	// Prefix starts every key; "" means DefaultRedisPrefix.
	Prefix string
	// Now is the clock; nil means time.Now. Expiry is decided by this
	// clock, not by the Redis server's: see RedisStore.
	Now func() time.Time
}

// RedisStore keeps sessions in Redis, so that every replica that shares
// the Redis database (and the cookie keys) serves every signed-in user.
// With the default prefix, its keys are:
//
//	okta-sample:session:<key>  a hash: subject, sid, signed_in (Unix ns),
//	                           deadline_ms, expires_ms (Unix ms), member, data.
//	                           TTL: until expires_ms, the idle timeout,
//	                           moved by Touch; never past deadline_ms.
//	okta-sample:user:<sub>     a sorted set of the user's sessions: score
//	                           the sign-in time in µs, member a 16-digit
//	                           sequence number followed by <key>, so that
//	                           equal sign-in times sort in the order Add
//	                           stored them. TTL: the latest deadline of its
//	                           sessions (at most the absolute lifetime).
//	okta-sample:sid:<sid>      a sorted set of the keys of the sessions made
//	                           from one provider session: score the
//	                           session's deadline, so ended ones are pruned
//	                           by score. TTL: as the user index.
//	okta-sample:seq            the counter behind the sequence numbers.
//	                           TTL: the latest deadline of any session.
//
// where <key> is the Key (a SHA-256 of the id in the cookie, in base64url):
// Redis never holds a session id. Every key has a TTL, so nothing outlives
// the sessions it serves, whatever happens to the app.
//
// Each change (Add, Touch, Delete, DeleteBySubject, DeleteBySID) is one Lua
// script, which Redis runs atomically: two sign-ins of one user on two
// replicas at the same moment cannot leave more than maxPerUser sessions.
// The scripts find sessions through the indexes, so they need a single
// Redis (standalone, or a primary with replicas and Sentinel), not Redis
// Cluster.
//
// Expiry is decided by the app's clock: each session records expires_ms,
// which Get compares with Now, and the key's TTL (computed from the same
// clock) frees the memory. A Redis server whose clock differs from the
// replicas' changes nothing but when memory is freed.
type RedisStore struct {
	client *redis.Client
	prefix string
	now    func() time.Time
}

// NewRedisStore returns a RedisStore on opts.Client. It does not connect:
// a Redis that is down makes each call fail until it is back.
func NewRedisStore(opts RedisOptions) (*RedisStore, error) {
	if opts.Client == nil {
		return nil, errors.New("session: RedisOptions.Client is required")
	}
	s := &RedisStore{client: opts.Client, prefix: cmp.Or(opts.Prefix, DefaultRedisPrefix), now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

func (s *RedisStore) sessionKey(key Key) string     { return s.prefix + "session:" + key.String() }
func (s *RedisStore) userKey(subject string) string { return s.prefix + "user:" + subject }
func (s *RedisStore) sidKey(sid string) string      { return s.prefix + "sid:" + sid }

// luaHelpers are the functions every script shares. drop ends the session
// stored at skey (named key) and takes it out of both indexes; it reports
// whether there was one. extend makes k live at least ttl milliseconds
// more, never shortening it.
const luaHelpers = `
local function drop(prefix, skey, key)
  local f = redis.call('HMGET', skey, 'subject', 'sid', 'member')
  if not f[1] then return false end
  redis.call('DEL', skey)
  redis.call('ZREM', prefix .. 'user:' .. f[1], f[3])
  if f[2] and f[2] ~= '' then redis.call('ZREM', prefix .. 'sid:' .. f[2], key) end
  return true
end
local function extend(k, ttl)
  if ttl < 1 then ttl = 1 end
  if redis.call('PTTL', k) < ttl then redis.call('PEXPIRE', k, string.format('%d', ttl)) end
end
`

// addScript stores a session, indexes it, and ends the user's expired
// sessions and then their oldest beyond the limit.
//
//	KEYS: session, user index, sid index ("" when no sid), counter
//	ARGV: prefix, key, now ms, expires ms, deadline ms, score (sign-in µs),
//	      signed_in ns, subject, sid, data, maxPerUser
var addScript = redis.NewScript(luaHelpers + `
local skey, ukey, xkey, seqkey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local prefix, key = ARGV[1], ARGV[2]
local now, expires, deadline = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local sid, max = ARGV[9], tonumber(ARGV[11])
if expires > deadline then expires = deadline end

-- A session already stored under this key ends first.
drop(prefix, skey, key)
local seq = redis.call('INCR', seqkey)
extend(seqkey, deadline - now)
local member = string.format('%016d', seq) .. key

redis.call('HSET', skey, 'subject', ARGV[8], 'sid', sid, 'signed_in', ARGV[7],
  'deadline_ms', ARGV[5], 'expires_ms', string.format('%d', expires), 'member', member, 'data', ARGV[10])
local ttl = expires - now
if ttl < 1 then ttl = 1 end
redis.call('PEXPIRE', skey, string.format('%d', ttl))
redis.call('ZADD', ukey, ARGV[6], member)
extend(ukey, deadline - now)
if sid ~= '' then
  redis.call('ZREMRANGEBYSCORE', xkey, '-inf', ARGV[3])
  redis.call('ZADD', xkey, ARGV[5], key)
  extend(xkey, deadline - now)
end

-- The user's sessions, oldest first: expired ones and entries whose
-- session is gone leave the index; then the oldest beyond max end.
local live = {}
for _, m in ipairs(redis.call('ZRANGE', ukey, 0, -1)) do
  local k = string.sub(m, 17)
  local sk = prefix .. 'session:' .. k
  local f = redis.call('HMGET', sk, 'member', 'expires_ms')
  if f[1] == m and tonumber(f[2]) > now then
    live[#live + 1] = k
  else
    redis.call('ZREM', ukey, m)
    if f[1] == m then drop(prefix, sk, k) end
  end
end
if max > 0 then
  for i = 1, #live - max do
    drop(prefix, prefix .. 'session:' .. live[i], live[i])
  end
end
return 0
`)

// touchScript moves a session's expiry, never past its deadline, and
// does nothing to a session that is gone or has expired (Redis may not
// have dropped it yet: expiry is decided by the app's clock).
//
//	KEYS: session
//	ARGV: now ms, expires ms
var touchScript = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'deadline_ms', 'expires_ms')
if not f[1] or tonumber(f[2]) <= tonumber(ARGV[1]) then return 0 end
local d, e = f[1], tonumber(ARGV[2])
if e > tonumber(d) then e = tonumber(d) end
redis.call('HSET', KEYS[1], 'expires_ms', string.format('%d', e))
local ttl = e - tonumber(ARGV[1])
if ttl < 1 then ttl = 1 end
redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl))
return 1
`)

// deleteScript ends one session.
//
//	KEYS: session
//	ARGV: prefix, key
var deleteScript = redis.NewScript(luaHelpers + `
drop(ARGV[1], KEYS[1], ARGV[2])
return 0
`)

// deleteBySubjectScript ends every session in a user's index and the
// index itself, and counts those that had not expired.
//
//	KEYS: user index
//	ARGV: prefix, now ms
var deleteBySubjectScript = redis.NewScript(luaHelpers + `
local prefix, now, n = ARGV[1], tonumber(ARGV[2]), 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local k = string.sub(m, 17)
  local sk = prefix .. 'session:' .. k
  local f = redis.call('HMGET', sk, 'member', 'expires_ms')
  if f[1] == m then
    if tonumber(f[2]) > now then n = n + 1 end
    drop(prefix, sk, k)
  end
end
redis.call('DEL', KEYS[1])
return n
`)

// deleteBySIDScript ends every session in a sid's index and the index
// itself, and counts those that had not expired.
//
//	KEYS: sid index
//	ARGV: prefix, now ms, sid
var deleteBySIDScript = redis.NewScript(luaHelpers + `
local prefix, now, n = ARGV[1], tonumber(ARGV[2]), 0
for _, k in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local sk = prefix .. 'session:' .. k
  local f = redis.call('HMGET', sk, 'sid', 'expires_ms')
  if f[1] == ARGV[3] then
    if tonumber(f[2]) > now then n = n + 1 end
    drop(prefix, sk, k)
  end
end
redis.call('DEL', KEYS[1])
return n
`)

// Get implements Store.
func (s *RedisStore) Get(ctx context.Context, key Key) (Record, time.Time, error) {
	vals, err := s.client.HMGet(ctx, s.sessionKey(key), "subject", "sid", "signed_in", "deadline_ms", "expires_ms", "data").Result()
	if err != nil {
		return Record{}, time.Time{}, fmt.Errorf("session: redis: %w", err)
	}
	var f [6]string
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			// nil: the session is gone (or was only partly written,
			// which the scripts never do).
			return Record{}, time.Time{}, ErrNotFound
		}
		f[i] = str
	}
	signedIn, err1 := strconv.ParseInt(f[2], 10, 64)
	deadline, err2 := strconv.ParseInt(f[3], 10, 64)
	expires, err3 := strconv.ParseInt(f[4], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Record{}, time.Time{}, fmt.Errorf("session: redis: a malformed session: %w", err)
	}
	if expires <= s.now().UnixMilli() {
		return Record{}, time.Time{}, ErrNotFound
	}
	rec := Record{
		Subject:  f[0],
		SID:      f[1],
		SignedIn: time.Unix(0, signedIn),
		Deadline: time.UnixMilli(deadline),
		Data:     f[5],
	}
	return rec, time.UnixMilli(expires), nil
}

// Add implements Store.
func (s *RedisStore) Add(ctx context.Context, key Key, rec Record, expires time.Time, maxPerUser int) error {
	sidKey := ""
	if rec.SID != "" {
		sidKey = s.sidKey(rec.SID)
	}
	keys := []string{s.sessionKey(key), s.userKey(rec.Subject), sidKey, s.prefix + "seq"}
	err := addScript.Run(ctx, s.client, keys,
		s.prefix, key.String(),
		s.now().UnixMilli(), expires.UnixMilli(), rec.Deadline.UnixMilli(),
		rec.SignedIn.UnixMicro(), rec.SignedIn.UnixNano(),
		rec.Subject, rec.SID, rec.Data, maxPerUser,
	).Err()
	if err != nil {
		return fmt.Errorf("session: redis: %w", err)
	}
	return nil
}

// Touch implements Store.
func (s *RedisStore) Touch(ctx context.Context, key Key, expires time.Time) error {
	err := touchScript.Run(ctx, s.client, []string{s.sessionKey(key)}, s.now().UnixMilli(), expires.UnixMilli()).Err()
	if err != nil {
		return fmt.Errorf("session: redis: %w", err)
	}
	return nil
}

// Delete implements Store.
func (s *RedisStore) Delete(ctx context.Context, key Key) error {
	if err := deleteScript.Run(ctx, s.client, []string{s.sessionKey(key)}, s.prefix, key.String()).Err(); err != nil {
		return fmt.Errorf("session: redis: %w", err)
	}
	return nil
}

// DeleteBySubject implements Store.
func (s *RedisStore) DeleteBySubject(ctx context.Context, subject string) (int, error) {
	n, err := deleteBySubjectScript.Run(ctx, s.client, []string{s.userKey(subject)}, s.prefix, s.now().UnixMilli()).Int()
	if err != nil {
		return 0, fmt.Errorf("session: redis: %w", err)
	}
	return n, nil
}

// DeleteBySID implements Store.
func (s *RedisStore) DeleteBySID(ctx context.Context, sid string) (int, error) {
	if sid == "" {
		return 0, nil
	}
	n, err := deleteBySIDScript.Run(ctx, s.client, []string{s.sidKey(sid)}, s.prefix, s.now().UnixMilli(), sid).Int()
	if err != nil {
		return 0, fmt.Errorf("session: redis: %w", err)
	}
	return n, nil
}

// Count returns how many sessions the store holds, expired ones Redis has
// not dropped yet included. It walks the keys with SCAN, so it costs time
// in proportion to the database: for diagnostics (the debug server, the
// load command), never for a page.
func (s *RedisStore) Count(ctx context.Context) (int, error) {
	n := 0
	iter := s.client.Scan(ctx, 0, s.prefix+"session:*", 1000).Iterator()
	for iter.Next(ctx) {
		n++
	}
	if err := iter.Err(); err != nil {
		return 0, fmt.Errorf("session: redis: %w", err)
	}
	return n, nil
}
