package session

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
	"github.com/okta-samples/okta-go-sample/internal/redistest"
)

// TestStoreUpdate: Update replaces the data of a live session and keeps
// everything else; a missing or expired session stays gone.
func TestStoreUpdate(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st Store, clock *fakeclock.Clock, kind storeKind) {
		ctx := context.Background()
		rec := Record{Subject: "00u1", SID: "sid1", SignedIn: start, Deadline: start.Add(12 * time.Hour), Data: "old"}
		expires := start.Add(30 * time.Minute)
		addTo(t, st, "a", rec, expires, 10)
		if err := st.Update(ctx, key("a"), "new"); err != nil {
			t.Fatalf("Update: %v", err)
		}
		got, gotExpires, err := st.Get(ctx, key("a"))
		if err != nil {
			t.Fatal(err)
		}
		want := rec
		want.Data = "new"
		if !sameRecord(got, want) || !gotExpires.Equal(expires) {
			t.Errorf("got %+v until %v, want %+v until %v", got, gotExpires, want, expires)
		}
		if n, err := st.DeleteBySID(ctx, "sid1"); n != 1 || err != nil {
			t.Errorf("the sid index after Update: DeleteBySID got %d, %v; want 1, nil", n, err)
		}
		if err := st.Update(ctx, key("a"), "again"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Update of an ended session: got %v, want ErrNotFound", err)
		}
		if err := st.Update(ctx, key("never"), "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Update of a missing session: got %v, want ErrNotFound", err)
		}

		addTo(t, st, "b", rec, expires, 10)
		clock.Advance(31 * time.Minute)
		if err := st.Update(ctx, key("b"), "late"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Update of an expired session: got %v, want ErrNotFound", err)
		}
		if _, _, err := st.Get(ctx, key("b")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after Update of an expired session: got %v, want ErrNotFound", err)
		}
	})
}

// TestRedisLock: one holder at a time across clients; a lock frees itself
// after its ttl; unlocking never frees another holder's lock.
func TestRedisLock(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t)
	open := func() *RedisStore {
		st, err := NewRedisStore(RedisOptions{Client: newTestRedisClient(t, srv.URL()), Prefix: "locktest:"})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	a, b := open(), open() // two replicas
	ctx := context.Background()

	unlockA, err := a.Lock(ctx, key("s"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := b.Lock(short, key("s"), time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second holder while the first holds it: got %v, want the wait to end with the context", err)
	}
	if unlock, err := b.Lock(ctx, key("other session"), time.Minute); err != nil {
		t.Errorf("another session's lock: %v", err)
	} else {
		unlock()
	}
	got := make(chan error, 1)
	go func() {
		unlock, err := b.Lock(ctx, key("s"), time.Minute)
		if err == nil {
			unlock()
		}
		got <- err
	}()
	unlockA()
	if err := <-got; err != nil {
		t.Errorf("after the first holder unlocked: %v", err)
	}

	// A holder that died: the lock frees itself; its late unlock does not
	// free the next holder's.
	deadUnlock, err := a.Lock(ctx, key("t"), 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	unlockB, err := b.Lock(ctx, key("t"), time.Minute)
	if err != nil {
		t.Fatalf("after the ttl: %v", err)
	}
	deadUnlock()
	short2, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	if _, err := a.Lock(short2, key("t"), time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the dead holder's unlock freed the new holder's lock: got %v", err)
	}
	unlockB()
	if left := redisKeys(t, a); len(left) != 0 {
		t.Errorf("locks left in Redis: %v", left)
	}
}

// TestKeyedMutex: one holder per key, others wait; a wait ends with its
// context; nothing stays in the map.
func TestKeyedMutex(t *testing.T) {
	t.Parallel()
	var k keyedMutex
	ctx := context.Background()
	unlock, err := k.lock(ctx, key("s"))
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := k.lock(short, key("s")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second holder: got %v, want the wait to end with the context", err)
	}
	other, err := k.lock(ctx, key("other"))
	if err != nil {
		t.Fatal(err)
	}
	other()

	var inside atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			u, err := k.lock(ctx, key("s"))
			if err != nil {
				t.Error(err)
				return
			}
			if n := inside.Add(1); n != 1 {
				t.Errorf("%d holders at once", n)
			}
			runtime.Gosched() // let another goroutine in, if the mutex would
			inside.Add(-1)
			u()
		})
	}
	unlock()
	wg.Wait()
	if len(k.locks) != 0 {
		t.Errorf("%d locks left in the map", len(k.locks))
	}
}
