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

// throttle counts failed sign-ins per normalized username, and failed
// second factors per user. It uses the provider's clock, so tests move time
// instead of sleeping.
//
// The records of real accounts live apart, in accounts: there is at most
// one per account and factor, so they are bounded by the directory, and
// nothing an attacker sends can push one out. Without that, failures for
// thousands of made-up names would evict a real user's lockout and let the
// guessing go on.
//
// Failures for names that are no account are remembered too (so that
// answers do not tell which names exist), in records: at most
// maxStoreEntries, the least recently failed going first when full.
// Refusing instead would let anyone lock every other name out with that
// many failures for random names; forgetting costs nothing, as no account
// is behind those names.
type throttle struct {
	mu  sync.Mutex
	now func() time.Time
	// realLogins and realSubjects are the normalized logins and the subjects
	// of the real accounts; accounts holds their failure records.
	realLogins   map[string]bool
	realSubjects map[string]bool
	accounts     map[string]*failures
	records      map[string]*list.Element // other normalized username -> element of order
	// order holds the *failures values of records, least recently failed first.
	order *list.List
}

type failures struct {
	key   string // normalized username, or the account key
	count int
	last  time.Time
}

// newThrottle returns a throttle whose real accounts are users.
func newThrottle(now func() time.Time, users ...User) *throttle {
	t := &throttle{
		now: now, realLogins: make(map[string]bool, len(users)), realSubjects: make(map[string]bool, len(users)),
		accounts: make(map[string]*failures), records: make(map[string]*list.Element), order: list.New(),
	}
	for _, u := range users {
		t.realLogins[normalizeLogin(u.Login)] = true
		t.realSubjects[u.Subject] = true
	}
	return t
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
	if t.realLogins[key] {
		return t.attemptAccountLocked("password "+key, now, check)
	}

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

// attemptSecondFactor is attempt for the second factor of the account
// subject, with a count of its own: a correct password must not reset the
// failures of the one-time codes that follow it, or knowing the password
// would give unlimited guesses at the code. A subject that is no real
// account is refused.
func (t *throttle) attemptSecondFactor(subject string, check func() bool) (res attemptResult, retryAfter time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.realSubjects[subject] {
		return attemptFailed, 0
	}
	return t.attemptAccountLocked("otp "+subject, t.now(), check)
}

// attemptAccountLocked is attempt for the record key of a real account.
func (t *throttle) attemptAccountLocked(key string, now time.Time, check func() bool) (attemptResult, time.Duration) {
	rec := t.accounts[key]
	if rec != nil && now.Sub(rec.last) >= forgetAfter {
		delete(t.accounts, key)
		rec = nil
	}
	if rec != nil {
		if until := rec.lockedUntil(); now.Before(until) {
			return attemptLocked, until.Sub(now)
		}
	}
	if check() {
		delete(t.accounts, key)
		return attemptOK, 0
	}
	if rec == nil {
		rec = &failures{key: key}
		t.accounts[key] = rec
	}
	rec.count++
	rec.last = now
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
