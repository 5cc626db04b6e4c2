// Package leakcheck tells tests whether goroutines were left behind, for
// example by a request to a hanging provider that was never cancelled.
package leakcheck

import (
	"runtime"
	"testing"
	"time"
)

// Settled closes idle connections (each closeIdle, such as a transport's
// CloseIdleConnections) and waits until the number of goroutines stops
// falling, then returns it: the baseline to pass to Check.
func Settled(closeIdle ...func()) int {
	last := -1
	for range 40 {
		for _, c := range closeIdle {
			c()
		}
		n := runtime.NumGoroutine()
		if n == last {
			return n
		}
		last = n
		time.Sleep(50 * time.Millisecond)
	}
	return last
}

// Check fails t if, within a generous 10 s, the number of goroutines does
// not come back to at most before, and prints every goroutine's stack. A
// leaked goroutine never comes back, so the wait is a bound, not a timing
// threshold.
func Check(t testing.TB, before int, closeIdle ...func()) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, c := range closeIdle {
			c()
		}
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines: got %d, want at most %d; stacks:\n%s", n, before, buf)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
