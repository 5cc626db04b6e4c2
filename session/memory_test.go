package session

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
)

func key(name string) Key { return keyOf(name) }

func record(sub string, signedIn time.Time) Record {
	return Record{Subject: sub, SignedIn: signedIn, Deadline: signedIn.Add(time.Hour), Data: "data of " + sub}
}

// live returns which of names are in st.
func live(st *MemoryStore, names ...string) []string {
	var out []string
	for _, n := range names {
		if _, _, err := st.Get(context.Background(), key(n)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func TestMemoryStoreEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		used []string // read, in this order, after adding a, b, c
		want []string // left after adding d
	}{
		{"none used: the first added goes", nil, []string{"b", "c", "d"}},
		{"a used: b goes", []string{"a"}, []string{"a", "c", "d"}},
		{"a then b used: c goes", []string{"a", "b"}, []string{"a", "b", "d"}},
		{"c, b, a used: c goes", []string{"c", "b", "a"}, []string{"a", "b", "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := NewMemoryStore(MemoryOptions{MaxSessions: 3})
			now := time.Now()
			for i, n := range []string{"a", "b", "c"} {
				// Each its own user, so the per-user limit plays no part.
				if err := st.Add(ctx, key(n), record("00u"+n, now.Add(time.Duration(i))), now.Add(time.Hour), 10); err != nil {
					t.Fatal(err)
				}
			}
			for _, n := range tt.used {
				if _, _, err := st.Get(ctx, key(n)); err != nil {
					t.Fatalf("Get(%s): %v", n, err)
				}
			}
			if err := st.Add(ctx, key("d"), record("00ud", now), now.Add(time.Hour), 10); err != nil {
				t.Fatal(err)
			}
			// Check the map first: Get changes the order.
			if st.Len() != 3 {
				t.Errorf("Len: got %d, want 3", st.Len())
			}
			if got := live(st, "a", "b", "c", "d"); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("left: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMemoryStoreExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := fakeclock.New(start)
	st := NewMemoryStore(MemoryOptions{Now: clock.Now})
	rec := record("00ua", start)
	if err := st.Add(ctx, key("a"), rec, start.Add(time.Minute), 10); err != nil {
		t.Fatal(err)
	}
	// An expiry past the deadline is held to the deadline.
	if err := st.Add(ctx, key("b"), record("00ub", start), start.Add(48*time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	if _, exp, err := st.Get(ctx, key("b")); err != nil || !exp.Equal(start.Add(time.Hour)) {
		t.Errorf("expiry past the deadline: got %v, %v; want the deadline %v", exp, err, start.Add(time.Hour))
	}
	if err := st.Touch(ctx, key("b"), start.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, exp, err := st.Get(ctx, key("b")); err != nil || !exp.Equal(start.Add(time.Hour)) {
		t.Errorf("touched past the deadline: got %v, %v; want the deadline %v", exp, err, start.Add(time.Hour))
	}

	got, exp, err := st.Get(ctx, key("a"))
	if err != nil || got.Subject != "00ua" || got.Data != rec.Data || !got.SignedIn.Equal(start) || !got.Deadline.Equal(rec.Deadline) || !exp.Equal(start.Add(time.Minute)) {
		t.Fatalf("Get: got %+v, %v, %v; want %+v expiring at %v", got, exp, err, rec, start.Add(time.Minute))
	}
	clock.Advance(time.Minute)
	if _, _, err := st.Get(ctx, key("a")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get at its expiry: got %v, want ErrNotFound", err)
	}
	if st.Len() != 1 {
		t.Errorf("Len after reading an expired session: got %d, want 1", st.Len())
	}

	// Expired sessions at the cold end go when a session is added.
	clock.Advance(time.Hour)
	if err := st.Add(ctx, key("c"), record("00uc", clock.Now()), clock.Now().Add(time.Minute), 10); err != nil {
		t.Fatal(err)
	}
	if st.Len() != 1 {
		t.Errorf("Len after adding past every expiry: got %d, want 1", st.Len())
	}
	if n, err := st.DeleteBySubject(ctx, "00ub"); n != 0 || err != nil {
		t.Errorf("DeleteBySubject of an expired user: got %d, %v; want 0, nil", n, err)
	}
}

// TestMemoryStoreIndexesFollowDeletes: whichever way a session ends, it
// leaves neither index.
func TestMemoryStoreIndexesFollowDeletes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := NewMemoryStore(MemoryOptions{MaxSessions: 2})
	now := time.Now()
	add := func(name, sub, sid string) {
		t.Helper()
		rec := record(sub, now)
		rec.SID = sid
		if err := st.Add(ctx, key(name), rec, now.Add(time.Hour), 10); err != nil {
			t.Fatal(err)
		}
	}
	add("a", "00ua", "s1")
	add("b", "00ub", "s2")
	if err := st.Delete(ctx, key("a")); err != nil {
		t.Fatal(err)
	}
	add("c", "00uc", "s3")
	add("d", "00ud", "s4") // b goes: the least recently used
	st.mu.Lock()
	subs, sids := len(st.bySub), len(st.bySID)
	st.mu.Unlock()
	if subs != 2 || sids != 2 {
		t.Errorf("indexes: got %d subjects and %d sids, want 2 and 2", subs, sids)
	}
	for _, tt := range []struct {
		name string
		del  func() (int, error)
	}{
		{"by subject", func() (int, error) { return st.DeleteBySubject(ctx, "00uc") }},
		{"by sid", func() (int, error) { return st.DeleteBySID(ctx, "s4") }},
	} {
		if n, err := tt.del(); n != 1 || err != nil {
			t.Errorf("%s: got %d, %v; want 1, nil", tt.name, n, err)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.byKey) != 0 || len(st.bySub) != 0 || len(st.bySID) != 0 || st.lru.next != &st.lru {
		t.Errorf("after deleting everything: %d keys, %d subjects, %d sids, empty ring %v; want all empty",
			len(st.byKey), len(st.bySub), len(st.bySID), st.lru.next == &st.lru)
	}
}
