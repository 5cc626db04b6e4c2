package devprovider

import (
	"fmt"
	"testing"
)

// TestThrottleFlood checks that failed sign-ins for many distinct
// usernames, as a script trying random names makes, neither lock out a
// user who has not failed nor grow the throttle past maxStoreEntries.
func TestThrottleFlood(t *testing.T) {
	t.Parallel()
	fail := func() bool { return false }
	flood := func(th *throttle, from, n int) {
		for i := range n {
			th.attempt(fmt.Sprintf("random-%d@example.com", from+i), fail)
		}
	}

	t.Run("an untracked user can still sign in", func(t *testing.T) {
		t.Parallel()
		th := newThrottle(newTestClock().Now)
		flood(th, 0, maxStoreEntries+100)
		if res, wait := th.attempt(aliceLogin, func() bool { return true }); res != attemptOK {
			t.Errorf("alice after the flood: got %v (retry after %v), want attemptOK", res, wait)
		}
		if got := len(th.records); got > maxStoreEntries {
			t.Errorf("records: got %d, want at most %d", got, maxStoreEntries)
		}
	})

	t.Run("the least recently failed record goes first", func(t *testing.T) {
		t.Parallel()
		th := newThrottle(newTestClock().Now)
		half := maxStoreEntries / 2
		flood(th, 0, half)
		for range freeFailures {
			th.attempt("bob@example.com", fail)
		}
		// One more than fits: exactly one record must go, the oldest.
		flood(th, half, maxStoreEntries-half)
		if _, ok := th.records["random-0@example.com"]; ok {
			t.Errorf("the least recently failed record was kept")
		}
		if _, ok := th.records[fmt.Sprintf("random-%d@example.com", maxStoreEntries-1)]; !ok {
			t.Errorf("the latest failure was not recorded")
		}
		if res, _ := th.attempt("bob@example.com", func() bool { return true }); res != attemptLocked {
			t.Errorf("bob: got %v, want attemptLocked: a lockout newer than most of the flood must stay", res)
		}
	})

	t.Run("forgotten records are dropped before live ones", func(t *testing.T) {
		t.Parallel()
		clock := newTestClock()
		th := newThrottle(clock.Now)
		flood(th, 0, maxStoreEntries)
		clock.Advance(forgetAfter)
		th.attempt(aliceLogin, fail)
		if got := len(th.records); got != 1 {
			t.Errorf("records: got %d, want 1 (only alice's fresh failure)", got)
		}
	})
}
