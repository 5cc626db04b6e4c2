package devprovider

import (
	"container/heap"
	"container/list"
	"crypto/rand"
	"sync"
	"time"
)

// store is a small in-memory map of random keys to values that expire. The
// provider keeps every one-time secret (pending sign-ins, codes, session
// tokens, sessions, access tokens, Identity Engine interactions) in one, so
// that nothing a browser sends back is trusted beyond "which entry do you
// mean".
//
// Every entry belongs to an owner: the address of the client whose request
// created it (see Provider.clientKey). The store is bounded in two ways,
// and both are fair, so that one client can never take the others' room:
//
//   - An owner holds at most perOwner entries. Its next entry replaces its
//     own oldest one, never someone else's.
//   - The store holds at most max entries. When it is full, adding drops the
//     oldest entry of the owner that holds the most (ties: the one whose
//     oldest entry is oldest).
//
// So a flood from one address, or from a few, only ever evicts the flood's
// own entries: a real user's pending sign-in is dropped only once max
// different addresses each hold as many entries as that user does. The
// store drops rather than refuses: the pending sign-ins fill from
// unauthenticated GET /v1/authorize, and the demo users' passwords are
// public, so refusing would let a script stop every real user from signing
// in until its entries expired. Dropping an entry only ever takes something
// away (a sign-in page expires early, a session ends, a token stops
// working), so it fails safe.
type store[T any] struct {
	mu       sync.Mutex
	now      func() time.Time
	ttl      time.Duration
	max      int                      // entries of all owners together
	perOwner int                      // entries of one owner
	items    map[string]*list.Element // key -> element of order
	// order holds the *entry[T] values oldest first. Every entry lives for
	// ttl, so this is also the order in which they expire.
	order  *list.List
	owners map[string]*owner[T]
	// heaviest orders the owners by how many entries they hold, most first.
	heaviest ownerHeap[T]
}

type entry[T any] struct {
	key     string
	value   T
	expires time.Time
	owner   *owner[T]
	ownerEl *list.Element // this entry's element of owner.entries
}

// owner is one client's share of a store.
type owner[T any] struct {
	key     string
	entries *list.List // *entry[T], oldest first
	index   int        // position in store.heaviest
}

// newStore returns a store bounded by maxStoreEntries in all, where one
// owner may take all the room that others leave free.
func newStore[T any](now func() time.Time, ttl time.Duration) *store[T] {
	return newFairStore[T](now, ttl, maxStoreEntries, maxStoreEntries)
}

// newFairStore returns a store of at most limit entries, at most perOwner of
// them from one owner.
func newFairStore[T any](now func() time.Time, ttl time.Duration, limit, perOwner int) *store[T] {
	return &store[T]{
		now: now, ttl: ttl, max: limit, perOwner: min(max(perOwner, 1), limit),
		items: make(map[string]*list.Element), order: list.New(), owners: make(map[string]*owner[T]),
	}
}

// add stores v for no particular owner under a new random key, and returns
// the key and its expiry. The key has at least 128 bits of entropy
// (crypto/rand.Text).
func (s *store[T]) add(v T) (key string, expires time.Time) {
	return s.addFor("", v)
}

// addFor is add with the owner of the entry: the client it is kept for.
func (s *store[T]) addFor(ownerKey string, v T) (key string, expires time.Time) {
	key = rand.Text()
	return key, s.putFor(ownerKey, key, v)
}

// put stores v for no particular owner under key; see putFor.
func (s *store[T]) put(key string, v T) time.Time {
	return s.putFor("", key, v)
}

// putFor stores v under key for ownerKey, replacing any previous value, and
// returns its expiry. It makes room first: expired entries go, then the
// owner's own oldest entry if the owner is at its limit, then, if the store
// is full, the oldest entry of the owner that holds the most.
func (s *store[T]) putFor(ownerKey, key string, v T) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if el, ok := s.items[key]; ok {
		s.removeLocked(el)
	}
	s.dropExpiredLocked(now)
	if o, ok := s.owners[ownerKey]; ok {
		for o.entries.Len() >= s.perOwner {
			s.removeLocked(s.items[o.entries.Front().Value.(*entry[T]).key])
		}
	}
	for len(s.items) >= s.max {
		o := s.heaviest[0]
		s.removeLocked(s.items[o.entries.Front().Value.(*entry[T]).key])
	}

	expires := now.Add(s.ttl)
	o, known := s.owners[ownerKey]
	if !known {
		o = &owner[T]{key: ownerKey, entries: list.New()}
		s.owners[ownerKey] = o
	}
	e := &entry[T]{key: key, value: v, expires: expires, owner: o}
	e.ownerEl = o.entries.PushBack(e)
	if known {
		heap.Fix(&s.heaviest, o.index)
	} else {
		heap.Push(&s.heaviest, o) // after its first entry: Less reads it
	}
	s.items[key] = s.order.PushBack(e)
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

// removeIf deletes every live entry whose value matches and returns those
// values, oldest first. It looks at every entry, so it is for rare
// operations (a user signing out everywhere), not for a request path.
func (s *store[T]) removeIf(match func(T) bool) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var removed []T
	for el := s.order.Front(); el != nil; {
		next := el.Next()
		e := el.Value.(*entry[T])
		switch {
		case !now.Before(e.expires):
			s.removeLocked(el)
		case match(e.value):
			removed = append(removed, e.value)
			s.removeLocked(el)
		}
		el = next
	}
	return removed
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
// and still counts towards the limits.
func (s *store[T]) dropExpiredLocked(now time.Time) {
	for el := s.order.Front(); el != nil && !now.Before(el.Value.(*entry[T]).expires); el = s.order.Front() {
		s.removeLocked(el)
	}
}

func (s *store[T]) removeLocked(el *list.Element) {
	e := el.Value.(*entry[T])
	delete(s.items, e.key)
	s.order.Remove(el)
	o := e.owner
	o.entries.Remove(e.ownerEl)
	if o.entries.Len() == 0 {
		heap.Remove(&s.heaviest, o.index)
		delete(s.owners, o.key)
		return
	}
	heap.Fix(&s.heaviest, o.index)
}

// ownerHeap is a container/heap of owners, the one holding the most entries
// first and, among equals, the one whose oldest entry is oldest.
type ownerHeap[T any] []*owner[T]

func (h ownerHeap[T]) Len() int { return len(h) }

func (h ownerHeap[T]) Less(i, j int) bool {
	a, b := h[i].entries, h[j].entries
	if a.Len() != b.Len() {
		return a.Len() > b.Len()
	}
	return a.Front().Value.(*entry[T]).expires.Before(b.Front().Value.(*entry[T]).expires)
}

func (h ownerHeap[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *ownerHeap[T]) Push(x any) {
	o := x.(*owner[T])
	o.index = len(*h)
	*h = append(*h, o)
}

func (h *ownerHeap[T]) Pop() any {
	old := *h
	o := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return o
}
