package auth

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

func TestUsedStatesAreBounded(t *testing.T) {
	u := newUsedStates()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	until := now.Add(TransactionTTL)
	for i := range maxUsedStates {
		if first, err := u.markUsed("state-"+strconv.Itoa(i), until, now); !first || err != nil {
			t.Fatalf("state %d: got first=%v err=%v, want a first use", i, first, err)
		}
	}
	if first, err := u.markUsed("state-0", until, now); first || err != nil {
		t.Errorf("replayed state when full: got first=%v err=%v, want a refused replay", first, err)
	}
	if _, err := u.markUsed("one-more", until, now); !errors.Is(err, ErrTooManyLogins) {
		t.Errorf("new state when full: got %v, want ErrTooManyLogins", err)
	}
	// Once the remembered states expire, there is room again.
	if first, err := u.markUsed("one-more", until, until.Add(time.Second)); !first || err != nil {
		t.Errorf("after expiry: got first=%v err=%v, want a first use", first, err)
	}
	if n := len(u.until); n != 1 {
		t.Errorf("after expiry the set holds %d states, want 1", n)
	}
}
