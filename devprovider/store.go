package devprovider

import (
	"crypto/rand"
	"errors"
	"sync"
	"time"
)

// errStoreFull is returned when a store holds maxStoreEntries live entries.
var errStoreFull = errors.New("too many outstanding entries")

// store is a small in-memory map of random keys to values that expire. The
// provider keeps every one-time secret (pending sign-ins, codes, session
// tokens, sessions, access tokens) in one, so that nothing a browser sends
// back is trusted beyond "which entry do you mean".
type store[T any] struct {
	mu    sync.Mutex
	now   func() time.Time
	ttl   time.Duration
	items map[string]entry[T]
}

type entry[T any] struct {
	value   T
	expires time.Time
}

func newStore[T any](now func() time.Time, ttl time.Duration) *store[T] {
	return &store[T]{now: now, ttl: ttl, items: make(map[string]entry[T])}
}

// add stores v under a new random key and returns the key and its expiry.
// The key has at least 128 bits of entropy (crypto/rand.Text).
func (s *store[T]) add(v T) (key string, expires time.Time, err error) {
	key = rand.Text()
	expires, err = s.put(key, v)
	return key, expires, err
}

// put stores v under key, replacing any previous value.
func (s *store[T]) put(key string, v T) (time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.items) >= maxStoreEntries {
		s.sweepLocked(now)
		if len(s.items) >= maxStoreEntries {
			return time.Time{}, errStoreFull
		}
	}
	expires := now.Add(s.ttl)
	s.items[key] = entry[T]{value: v, expires: expires}
	return expires, nil
}

// get returns the live value under key.
func (s *store[T]) get(key string) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookupLocked(key, false)
}

// take returns the live value under key and removes it, so that exactly one
// caller can use it.
func (s *store[T]) take(key string) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lookupLocked(key, true)
}

// remove deletes key if present.
func (s *store[T]) remove(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.items, key)
}

func (s *store[T]) lookupLocked(key string, remove bool) (T, bool) {
	var zero T
	if key == "" {
		return zero, false
	}
	e, ok := s.items[key]
	if !ok {
		return zero, false
	}
	if !s.now().Before(e.expires) {
		delete(s.items, key)
		return zero, false
	}
	if remove {
		delete(s.items, key)
	}
	return e.value, true
}

func (s *store[T]) sweepLocked(now time.Time) {
	for k, e := range s.items {
		if !now.Before(e.expires) {
			delete(s.items, k)
		}
	}
}
