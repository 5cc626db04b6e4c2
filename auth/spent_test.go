package auth

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
)

// TestMemorySpent drives the built-in SpentStates through its ring: a
// key is refused while remembered, the oldest are forgotten first when
// the ring is full, and an expired key counts as new.
func TestMemorySpent(t *testing.T) {
	t.Parallel()
	const max = 4
	ctx := context.Background()
	key := func(i int) string { return spentKey(fmt.Sprint("state-", i)) }

	tests := []struct {
		name string
		// run spends keys on m, moving clock, and returns the key to
		// spend last and whether that should be its first use.
		run       func(m *memorySpent, clock *fakeclock.Clock) (string, bool)
		wantIndex int // entries in the index afterwards
	}{
		{"new key", func(m *memorySpent, _ *fakeclock.Clock) (string, bool) {
			return key(0), true
		}, 1},
		{"same key again", func(m *memorySpent, _ *fakeclock.Clock) (string, bool) {
			spend(t, m, key(0), time.Minute)
			return key(0), false
		}, 1},
		{"oldest still remembered when the ring is just full", func(m *memorySpent, _ *fakeclock.Clock) (string, bool) {
			for i := range max {
				spend(t, m, key(i), time.Minute)
			}
			return key(0), false
		}, max},
		{"oldest forgotten once the ring turns", func(m *memorySpent, _ *fakeclock.Clock) (string, bool) {
			for i := range max + 1 {
				spend(t, m, key(i), time.Minute)
			}
			return key(0), true
		}, max},
		{"newest kept when the ring turns", func(m *memorySpent, _ *fakeclock.Clock) (string, bool) {
			for i := range 3 * max {
				spend(t, m, key(i), time.Minute)
			}
			return key(3*max - 1), false
		}, max},
		{"expired key is new again", func(m *memorySpent, clock *fakeclock.Clock) (string, bool) {
			spend(t, m, key(0), time.Minute)
			clock.Advance(time.Minute)
			return key(0), true
		}, 1},
		{"re-spent key survives the overwrite of its old slot", func(m *memorySpent, clock *fakeclock.Clock) (string, bool) {
			spend(t, m, key(0), time.Second) // slot 0
			clock.Advance(time.Second)
			spend(t, m, key(0), time.Hour) // expired, so new again: slot 1
			for i := 1; i < max; i++ {     // slots 2, 3, then 0 again
				spend(t, m, key(i), time.Hour)
			}
			return key(0), false
		}, max},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := fakeclock.New(time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC))
			m := newMemorySpent(max, clock.Now)
			k, wantFirst := tt.run(m, clock)
			first, err := m.Spend(ctx, k, time.Minute)
			if err != nil || first != wantFirst {
				t.Fatalf("Spend: got first=%v err=%v, want first=%v", first, err, wantFirst)
			}
			if got := len(m.index); got != tt.wantIndex {
				t.Errorf("index holds %d keys, want %d (at most the ring's %d)", got, tt.wantIndex, max)
			}
		})
	}
}

func spend(t *testing.T, m *memorySpent, key string, ttl time.Duration) {
	t.Helper()
	if _, err := m.Spend(context.Background(), key, ttl); err != nil {
		t.Fatalf("Spend: %v", err)
	}
}
