package devprovider

import (
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
type throttle struct {
	mu      sync.Mutex
	now     func() time.Time
	records map[string]failures
}

type failures struct {
	count int
	last  time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, records: make(map[string]failures)}
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

	rec, tracked := t.records[key]
	if tracked && now.Sub(rec.last) >= forgetAfter {
		delete(t.records, key)
		rec, tracked = failures{}, false
	}
	if until := rec.lockedUntil(); now.Before(until) {
		return attemptLocked, until.Sub(now)
	}
	if !tracked && len(t.records) >= maxStoreEntries {
		t.sweepLocked(now)
		if len(t.records) >= maxStoreEntries {
			// Fail closed rather than stop counting.
			return attemptLocked, lockoutBase
		}
	}

	if check() {
		delete(t.records, key)
		return attemptOK, 0
	}
	t.records[key] = failures{count: rec.count + 1, last: now}
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

func (t *throttle) sweepLocked(now time.Time) {
	for k, rec := range t.records {
		if now.Sub(rec.last) >= forgetAfter {
			delete(t.records, k)
		}
	}
}
