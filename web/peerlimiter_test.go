package web

import (
	"fmt"
	"testing"

	"golang.org/x/time/rate"
)

// TestPeerLimiter: each address has its own bucket, so one that floods
// does not use up another's; the limiter never holds more than its
// bound of addresses, however many send.
func TestPeerLimiter(t *testing.T) {
	t.Parallel()
	// Practically no refill during the test: only the bursts count.
	l := newPeerLimiter(rate.Every(1<<62), 3, 100)
	for i := range 3 {
		if !l.allow("203.0.113.1") {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	if l.allow("203.0.113.1") {
		t.Error("a fourth request within the burst of 3 was allowed")
	}
	if !l.allow("198.51.100.7") {
		t.Error("another address was refused because the first one flooded")
	}

	for i := range 1000 {
		l.allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	l.mu.Lock()
	n := len(l.peers)
	l.mu.Unlock()
	if n > 100 {
		t.Errorf("the limiter holds %d addresses, want at most 100", n)
	}
}
