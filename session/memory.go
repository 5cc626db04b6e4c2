package session

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// DefaultMaxSessions bounds a MemoryStore when MemoryOptions.MaxSessions is
// zero. At about 3.4 KB a session with the id_token and the access token
// (see the README's measurements), that is at most about 340 MB.
const DefaultMaxSessions = 100_000

// MemoryOptions tune a MemoryStore.
type MemoryOptions struct {
	// MaxSessions bounds the store. When a new session would exceed it,
	// the least recently used session ends. Zero means DefaultMaxSessions.
	MaxSessions int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// MemoryStore keeps sessions in this process: the default for one
// replica. It holds at most MaxSessions sessions and ends the least
// recently used one to make room. It runs no goroutine: expired sessions
// are dropped when they are read, when they reach the least recently used
// end of the store as new sessions are added, and when their user signs
// in again.
type MemoryStore struct {
	max int
	now func() time.Time

	mu    sync.Mutex
	seq   uint64 // orders Adds, the tie-break between equal SignedIn
	byKey map[Key]*entry
	bySub map[string][]*entry // each sorted oldest sign-in first
	bySID map[string][]*entry
	// lru is the sentinel of a ring of every entry, most recently used
	// next to it, least recently used before it.
	lru entry
}

// entry is one session. Times are Unix nanoseconds, which keeps the entry
// small: a time.Time is three words.
type entry struct {
	key                Key
	subject, sid, data string
	signedIn, deadline int64
	expires            int64
	seq                uint64
	prev, next         *entry
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(opts MemoryOptions) *MemoryStore {
	s := &MemoryStore{
		max:   cmp.Or(opts.MaxSessions, DefaultMaxSessions),
		now:   opts.Now,
		byKey: make(map[Key]*entry),
		bySub: make(map[string][]*entry),
		bySID: make(map[string][]*entry),
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.lru.prev, s.lru.next = &s.lru, &s.lru
	return s
}

// Get implements Store. It makes the session the most recently used.
func (s *MemoryStore) Get(_ context.Context, key Key) (Record, time.Time, error) {
	now := s.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.byKey[key]
	if e == nil {
		return Record{}, time.Time{}, ErrNotFound
	}
	if e.expires <= now {
		s.removeLocked(e)
		return Record{}, time.Time{}, ErrNotFound
	}
	s.unlinkLocked(e)
	s.pushFrontLocked(e)
	rec := Record{
		Subject:  e.subject,
		SID:      e.sid,
		SignedIn: time.Unix(0, e.signedIn),
		Deadline: time.Unix(0, e.deadline),
		Data:     e.data,
	}
	return rec, time.Unix(0, e.expires), nil
}

// Add implements Store.
func (s *MemoryStore) Add(_ context.Context, key Key, rec Record, expires time.Time, maxPerUser int) error {
	now := s.now().UnixNano()
	e := &entry{
		key:      key,
		subject:  rec.Subject,
		sid:      rec.SID,
		data:     rec.Data,
		signedIn: rec.SignedIn.UnixNano(),
		deadline: rec.Deadline.UnixNano(),
		expires:  min(expires.UnixNano(), rec.Deadline.UnixNano()),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.byKey[key]; old != nil {
		s.removeLocked(old)
	}
	s.seq++
	e.seq = s.seq
	s.byKey[key] = e
	s.pushFrontLocked(e)
	s.bySub[e.subject] = insertSorted(s.bySub[e.subject], e)
	if e.sid != "" {
		s.bySID[e.sid] = append(s.bySID[e.sid], e)
	}

	// The user's sessions beyond maxPerUser end, oldest first; expired
	// ones do not count.
	for _, old := range slices.Clone(s.bySub[e.subject]) {
		if old.expires <= now {
			s.removeLocked(old)
		}
	}
	if maxPerUser > 0 {
		for len(s.bySub[e.subject]) > maxPerUser {
			s.removeLocked(s.bySub[e.subject][0])
		}
	}
	// Drop what expired at the cold end, then make room by ending the
	// least recently used.
	for tail := s.lru.prev; tail != &s.lru && tail.expires <= now; tail = s.lru.prev {
		s.removeLocked(tail)
	}
	for len(s.byKey) > s.max {
		s.removeLocked(s.lru.prev)
	}
	return nil
}

// insertSorted inserts e into list, which is sorted by sign-in time and
// then by seq. A new sign-in is nearly always the newest, so it looks from
// the end.
func insertSorted(list []*entry, e *entry) []*entry {
	i := len(list)
	for i > 0 && (list[i-1].signedIn > e.signedIn || list[i-1].signedIn == e.signedIn && list[i-1].seq > e.seq) {
		i--
	}
	return slices.Insert(list, i, e)
}

// Touch implements Store. A session that has expired stays expired.
func (s *MemoryStore) Touch(_ context.Context, key Key, expires time.Time) error {
	now := s.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.byKey[key]; e != nil && e.expires > now {
		e.expires = min(expires.UnixNano(), e.deadline)
	}
	return nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, key Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.byKey[key]; e != nil {
		s.removeLocked(e)
	}
	return nil
}

// DeleteBySubject implements Store.
func (s *MemoryStore) DeleteBySubject(_ context.Context, subject string) (int, error) {
	return s.deleteAll(func() []*entry { return s.bySub[subject] }), nil
}

// DeleteBySID implements Store.
func (s *MemoryStore) DeleteBySID(_ context.Context, sid string) (int, error) {
	if sid == "" {
		return 0, nil
	}
	return s.deleteAll(func() []*entry { return s.bySID[sid] }), nil
}

// deleteAll removes the entries that list returns under the lock and
// counts those that had not expired.
func (s *MemoryStore) deleteAll(list func() []*entry) int {
	now := s.now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range slices.Clone(list()) {
		if e.expires > now {
			n++
		}
		s.removeLocked(e)
	}
	return n
}

// Len returns the number of sessions held, expired ones not yet dropped
// included.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byKey)
}

func (s *MemoryStore) removeLocked(e *entry) {
	delete(s.byKey, e.key)
	s.unlinkLocked(e)
	removeFrom(s.bySub, e.subject, e)
	if e.sid != "" {
		removeFrom(s.bySID, e.sid, e)
	}
}

// removeFrom takes e out of index[name], and the name out of index when
// no entry is left.
func removeFrom(index map[string][]*entry, name string, e *entry) {
	list := slices.DeleteFunc(index[name], func(x *entry) bool { return x == e })
	if len(list) == 0 {
		delete(index, name)
		return
	}
	index[name] = list
}

func (s *MemoryStore) unlinkLocked(e *entry) {
	if e.prev == nil {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (s *MemoryStore) pushFrontLocked(e *entry) {
	e.prev, e.next = &s.lru, s.lru.next
	s.lru.next.prev = e
	s.lru.next = e
}
