package devprovider

import (
	"container/list"
	"sync"
	"time"
)

// Sign-in throttling. After freeFailures consecutive failures for one
// username, that username is locked out for lockoutBase, doubling with each
// further failure up to lockoutMax. While locked out every attempt is refused
// without checking the password, even a correct one (as Okta's lockout does).
// Counting by username rather than by client address is what protects an
// account from online guessing (OWASP Authentication Cheat Sheet, "Account
// lockout"); a real service would add per-address limits too.
const (
	freeFailures = 3
	lockoutBase  = 30 * time.Second
	lockoutMax   = 15 * time.Minute
	// forgetAfter is how long after the last failure the count resets.
	forgetAfter = 30 * time.Minute
)

type attemptResult int

const (
	attemptOK attemptResult = iota
	attemptFailed
	attemptLocked
)

// throttle counts failed sign-ins per normalized username. It uses the
// provider's clock, so tests move time instead of sleeping.
//
// It remembers at most maxStoreEntries usernames. When full, a new failure
// replaces the record of the least recently failed username. Refusing
// instead would let anyone lock every other user out with that many
// failures for random names. Replacing can forget a lockout, but only after
// maxStoreEntries failures for other names since that username's last one,
// so guessing a password this way costs thousands of requests per
// freeFailures guesses.
type throttle struct {
	mu      sync.Mutex
	now     func() time.Time
	records map[string]*list.Element // normalized username -> element of order
	// order holds the *failures values, least recently failed first.
	order *list.List
}

type failures struct {
	key   string // normalized username
	count int
	last  time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, records: make(map[string]*list.Element), order: list.New()}
}

// attempt runs check for username unless the username is locked out, and
// records the outcome. The check runs under the lock so that parallel
// guesses cannot slip past the count. When the result is attemptLocked,
// retryAfter says how long until the next attempt is allowed.
func (t *throttle) attempt(username string, check func() bool) (res attemptResult, retryAfter time.Duration) {
	key := normalizeLogin(username)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.forgetLocked(now)

	el, tracked := t.records[key]
	if tracked && now.Sub(el.Value.(*failures).last) >= forgetAfter {
		t.removeLocked(el) // forgetLocked misses it if the clock stepped back
		tracked = false
	}
	var rec *failures
	if tracked {
		rec = el.Value.(*failures)
		if until := rec.lockedUntil(); now.Before(until) {
			return attemptLocked, until.Sub(now)
		}
	}

	if check() {
		if tracked {
			t.removeLocked(el)
		}
		return attemptOK, 0
	}
	if tracked {
		rec.count++
		rec.last = now
		t.order.MoveToBack(el)
		return attemptFailed, 0
	}
	for len(t.records) >= maxStoreEntries {
		t.removeLocked(t.order.Front())
	}
	t.records[key] = t.order.PushBack(&failures{key: key, count: 1, last: now})
	return attemptFailed, 0
}

// lockedUntil is the end of the lockout that the failures impose, or the
// zero time when there is none.
func (f failures) lockedUntil() time.Time {
	if f.count < freeFailures {
		return time.Time{}
	}
	d := lockoutBase
	for i := freeFailures; i < f.count && d < lockoutMax; i++ {
		d *= 2
	}
	return f.last.Add(min(d, lockoutMax))
}

// forgetLocked drops the records whose last failure is forgetAfter ago,
// from the least recently failed end; it stops at the first one to keep.
func (t *throttle) forgetLocked(now time.Time) {
	for el := t.order.Front(); el != nil && now.Sub(el.Value.(*failures).last) >= forgetAfter; el = t.order.Front() {
		t.removeLocked(el)
	}
}

func (t *throttle) removeLocked(el *list.Element) {
	delete(t.records, el.Value.(*failures).key)
	t.order.Remove(el)
}
