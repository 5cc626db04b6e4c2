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
//
// A goroutine's end is no event a test can wait on, so Check looks again
// and again, 1 ms after the first look and then twice as long each time up
// to 50 ms: most goroutines end within a few milliseconds.
//
// The count covers the whole test binary: a test that calls Settled and
// Check must not call t.Parallel, so that no other test runs meanwhile
// (parallel tests only start once every sequential test has finished).
func Check(t testing.TB, before int, closeIdle ...func()) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	pause := time.Millisecond
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
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}
