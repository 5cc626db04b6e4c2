package leakcheck

import "testing"

// TestCheckWaitsForEndingGoroutines starts goroutines after the baseline,
// lets them end, and checks that Check sees the count come back.
func TestCheckWaitsForEndingGoroutines(t *testing.T) {
	before := Settled()
	release := make(chan struct{})
	for range 5 {
		go func() { <-release }()
	}
	closed := 0
	close(release)
	Check(t, before, func() { closed++ })
	if closed == 0 {
		t.Errorf("Check did not call closeIdle, want it called at every look")
	}
}
