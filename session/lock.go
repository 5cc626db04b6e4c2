package session

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Locker is a Store that can also serialize work on one session across
// every process sharing it, such as the refresh of a session's tokens:
// with rotating refresh tokens, two refreshes with the same token would
// spend it twice, and the provider would take the second for a stolen
// token and revoke them all. RedisStore is a Locker; a MemoryStore needs
// none, since its sessions live in one process, where Manager's own
// per-session mutex serializes them.
type Locker interface {
	// Lock waits until it holds the lock for key, or ctx ends. The lock
	// frees itself after ttl, should its holder die; unlock releases it
	// early, if it still holds it.
	Lock(ctx context.Context, key Key, ttl time.Duration) (unlock func(), err error)
}

// lockPoll is how often a RedisStore lock held by another process is
// asked for again.
const lockPoll = 20 * time.Millisecond

// unlockScript deletes a lock only if it is still the caller's: after its
// ttl, the lock may belong to another process.
//
//	KEYS: lock
//	ARGV: token
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Lock implements Locker with SET NX PX under okta-sample:lock:<key>,
// whose value is a random token of the holder, polled every 20ms while
// another process holds it.
func (s *RedisStore) Lock(ctx context.Context, key Key, ttl time.Duration) (func(), error) {
	name := s.prefix + "lock:" + key.String()
	token := rand.Text()
	for {
		ok, err := s.client.SetNX(ctx, name, token, ttl).Result()
		if err != nil {
			return nil, fmt.Errorf("session: redis: locking: %w", err)
		}
		if ok {
			return func() {
				// Released even when ctx has ended; a failure leaves the
				// lock to its ttl.
				uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
				defer cancel()
				_ = unlockScript.Run(uctx, s.client, []string{name}, token).Err()
			}, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("session: waiting for the session's lock: %w", ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}

// keyedMutex is one mutex per session key, made on demand and dropped
// when nobody holds or waits for it. The zero value is ready.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[Key]*keyLock
}

type keyLock struct {
	held  chan struct{} // a one-slot semaphore
	users int           // holders and waiters
}

// lock waits until it holds key's mutex, or ctx ends.
func (k *keyedMutex) lock(ctx context.Context, key Key) (unlock func(), err error) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = make(map[Key]*keyLock)
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{held: make(chan struct{}, 1)}
		k.locks[key] = l
	}
	l.users++
	k.mu.Unlock()
	select {
	case l.held <- struct{}{}:
		return func() {
			<-l.held
			k.release(key, l)
		}, nil
	case <-ctx.Done():
		k.release(key, l)
		return nil, fmt.Errorf("session: waiting for the session's lock: %w", ctx.Err())
	}
}

func (k *keyedMutex) release(key Key, l *keyLock) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l.users--; l.users == 0 {
		delete(k.locks, key)
	}
}
