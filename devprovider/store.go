package devprovider

import (
	"container/list"
	"crypto/rand"
	"sync"
	"time"
)

// store is a small in-memory map of random keys to values that expire. The
// provider keeps every one-time secret (pending sign-ins, codes, session
// tokens, sessions, access tokens) in one, so that nothing a browser sends
// back is trusted beyond "which entry do you mean".
//
// A store holds at most maxStoreEntries entries. When it is full, adding
// drops the oldest entry instead of refusing: the pending sign-ins fill
// from unauthenticated GET /v1/authorize, and the demo users' passwords are
// public, so refusing would let a script stop every real user from signing
// in until its entries expired. Dropping an entry only ever takes something
// away (a sign-in page expires early, a session ends, a token stops
// working), so it fails safe.
type store[T any] struct {
	mu    sync.Mutex
	now   func() time.Time
	ttl   time.Duration
	items map[string]*list.Element // key -> element of order
	// order holds the *entry[T] values oldest first. Every entry lives for
	// ttl, so this is also the order in which they expire.
	order *list.List
}

type entry[T any] struct {
	key     string
	value   T
	expires time.Time
}

func newStore[T any](now func() time.Time, ttl time.Duration) *store[T] {
	return &store[T]{now: now, ttl: ttl, items: make(map[string]*list.Element), order: list.New()}
}

// add stores v under a new random key and returns the key and its expiry.
// The key has at least 128 bits of entropy (crypto/rand.Text).
func (s *store[T]) add(v T) (key string, expires time.Time) {
	key = rand.Text()
	return key, s.put(key, v)
}

// put stores v under key, replacing any previous value, and returns its
// expiry. When the store is full it drops expired entries and then, if it
// must, the oldest live one.
func (s *store[T]) put(key string, v T) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if el, ok := s.items[key]; ok {
		s.removeLocked(el)
	}
	s.dropExpiredLocked(now)
	for len(s.items) >= maxStoreEntries {
		s.removeLocked(s.order.Front())
	}
	expires := now.Add(s.ttl)
	s.items[key] = s.order.PushBack(&entry[T]{key: key, value: v, expires: expires})
	return expires
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
	if el, ok := s.items[key]; ok {
		s.removeLocked(el)
	}
}

func (s *store[T]) lookupLocked(key string, remove bool) (T, bool) {
	var zero T
	if key == "" {
		return zero, false
	}
	el, ok := s.items[key]
	if !ok {
		return zero, false
	}
	e := el.Value.(*entry[T])
	if !s.now().Before(e.expires) {
		s.removeLocked(el)
		return zero, false
	}
	if remove {
		s.removeLocked(el)
	}
	return e.value, true
}

// dropExpiredLocked removes expired entries from the old end. It stops at
// the first live one, so it costs nothing when nothing has expired; should
// the clock step back, an entry it misses is still refused by lookupLocked
// and still counts towards the limit.
func (s *store[T]) dropExpiredLocked(now time.Time) {
	for el := s.order.Front(); el != nil && !now.Before(el.Value.(*entry[T]).expires); el = s.order.Front() {
		s.removeLocked(el)
	}
}

func (s *store[T]) removeLocked(el *list.Element) {
	delete(s.items, el.Value.(*entry[T]).key)
	s.order.Remove(el)
}
