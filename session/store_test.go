package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
	"github.com/okta-samples/okta-go-sample/internal/redistest"
)

// storeKind makes a fresh, empty Store of one kind for one subtest, on
// the clock now, and says what is left in it.
type storeKind struct {
	name string
	open func(t *testing.T, now func() time.Time) Store
	// leftovers returns what the store still holds, in any form: sessions
	// and index entries. Empty means nothing.
	leftovers func(t *testing.T, st Store) []string
}

// storeKinds returns the Stores every behavioural test runs against: the
// MemoryStore, and a RedisStore on a real redis-server started for this
// test (one per test function; each subtest gets its own key prefix).
func storeKinds(t *testing.T) []storeKind {
	t.Helper()
	srv := redistest.New(t)
	client := newTestRedisClient(t, srv.URL())
	var mu sync.Mutex
	n := 0
	return []storeKind{
		{
			name: "memory",
			open: func(t *testing.T, now func() time.Time) Store {
				return NewMemoryStore(MemoryOptions{Now: now})
			},
			leftovers: func(t *testing.T, st Store) []string {
				m := st.(*MemoryStore)
				m.mu.Lock()
				defer m.mu.Unlock()
				var out []string
				for k := range m.byKey {
					out = append(out, "session "+k.String())
				}
				for s := range m.bySub {
					out = append(out, "user "+s)
				}
				for s := range m.bySID {
					out = append(out, "sid "+s)
				}
				if m.lru.next != &m.lru {
					out = append(out, "an entry in the LRU ring")
				}
				return out
			},
		},
		{
			name: "redis",
			open: func(t *testing.T, now func() time.Time) Store {
				mu.Lock()
				n++
				prefix := fmt.Sprintf("test%d:", n)
				mu.Unlock()
				st, err := NewRedisStore(RedisOptions{Client: client, Prefix: prefix, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				return st
			},
			leftovers: func(t *testing.T, st Store) []string {
				// The sequence counter stays (with its TTL): it only
				// counts.
				keys := redisKeys(t, st.(*RedisStore))
				return slices.DeleteFunc(keys, func(k string) bool { return k == st.(*RedisStore).prefix+"seq" })
			},
		},
	}
}

func newTestRedisClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	c, err := NewRedisClient(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("closing the Redis client: %v", err)
		}
	})
	return c
}

// redisKeys lists the keys under st's prefix.
func redisKeys(t *testing.T, st *RedisStore) []string {
	t.Helper()
	var keys []string
	iter := st.client.Scan(context.Background(), 0, st.prefix+"*", 100).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("SCAN: %v", err)
	}
	slices.Sort(keys)
	return keys
}

// forEachStore runs test once per kind of Store, each with a new store
// on a fake clock at start.
func forEachStore(t *testing.T, test func(t *testing.T, st Store, clock *fakeclock.Clock, kind storeKind)) {
	t.Helper()
	forEachKind(t, storeKinds(t), test)
}

// forEachKind is forEachStore over kinds made once for many subtests.
func forEachKind(t *testing.T, kinds []storeKind, test func(t *testing.T, st Store, clock *fakeclock.Clock, kind storeKind)) {
	t.Helper()
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			clock := fakeclock.New(start)
			test(t, kind.open(t, clock.Now), clock, kind)
		})
	}
}

// liveIn returns which of names are sessions in st.
func liveIn(t *testing.T, st Store, names ...string) []string {
	t.Helper()
	out := []string{}
	for _, n := range names {
		_, _, err := st.Get(context.Background(), key(n))
		switch {
		case err == nil:
			out = append(out, n)
		case !errors.Is(err, ErrNotFound):
			t.Fatalf("Get(%s): %v", n, err)
		}
	}
	return out
}

// sameRecord compares records as instants, whatever their time zones.
func sameRecord(a, b Record) bool {
	return a.Subject == b.Subject && a.SID == b.SID && a.Data == b.Data &&
		a.SignedIn.Equal(b.SignedIn) && a.Deadline.Equal(b.Deadline)
}

func addTo(t *testing.T, st Store, name string, rec Record, expires time.Time, maxPerUser int) {
	t.Helper()
	if err := st.Add(context.Background(), key(name), rec, expires, maxPerUser); err != nil {
		t.Fatalf("Add(%s): %v", name, err)
	}
}

func TestStoreGetAndExpiry(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st Store, clock *fakeclock.Clock, _ storeKind) {
		ctx := context.Background()
		rec := record("00ua", start)
		rec.SID = "sid-a"
		rec.SignedIn = start.Add(123456789) // nanoseconds survive the store
		addTo(t, st, "a", rec, start.Add(time.Minute), 10)
		// An expiry past the deadline is held to the deadline.
		addTo(t, st, "b", record("00ub", start), start.Add(48*time.Hour), 10)

		got, exp, err := st.Get(ctx, key("a"))
		if err != nil || !sameRecord(got, rec) || !exp.Equal(start.Add(time.Minute)) {
			t.Fatalf("Get: got %+v, %v, %v; want %+v expiring at %v", got, exp, err, rec, start.Add(time.Minute))
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

		clock.Advance(30 * time.Second)
		if err := st.Touch(ctx, key("a"), start.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute) // past the first expiry, before the touched one
		if _, exp, err := st.Get(ctx, key("a")); err != nil || !exp.Equal(start.Add(2*time.Minute)) {
			t.Errorf("after Touch, past the old expiry: got %v, %v; want live until %v", exp, err, start.Add(2*time.Minute))
		}
		clock.Advance(30 * time.Second) // at the touched expiry
		if _, _, err := st.Get(ctx, key("a")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get at its expiry: got %v, want ErrNotFound", err)
		}
		if err := st.Touch(ctx, key("a"), clock.Now().Add(time.Hour)); err != nil {
			t.Errorf("Touch of an expired session: %v", err)
		}
		if _, _, err := st.Get(ctx, key("a")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get of an expired session after Touch: got %v, want ErrNotFound (no resurrection)", err)
		}

		clock.Advance(time.Hour)
		for _, tt := range []struct {
			name string
			del  func() (int, error)
		}{
			{"DeleteBySubject of an expired user", func() (int, error) { return st.DeleteBySubject(ctx, "00ub") }},
			{"DeleteBySID of an expired sid", func() (int, error) { return st.DeleteBySID(ctx, "sid-a") }},
		} {
			if n, err := tt.del(); n != 0 || err != nil {
				t.Errorf("%s: got %d, %v; want 0, nil", tt.name, n, err)
			}
		}
	})
}

func TestStoreMissingSessions(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st Store, _ *fakeclock.Clock, kind storeKind) {
		ctx := context.Background()
		if _, _, err := st.Get(ctx, key("x")); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get: got %v, want ErrNotFound", err)
		}
		if err := st.Touch(ctx, key("x"), start.Add(time.Hour)); err != nil {
			t.Errorf("Touch: got %v, want nil", err)
		}
		if err := st.Delete(ctx, key("x")); err != nil {
			t.Errorf("Delete: got %v, want nil", err)
		}
		if n, err := st.DeleteBySubject(ctx, "00ux"); n != 0 || err != nil {
			t.Errorf("DeleteBySubject: got %d, %v; want 0, nil", n, err)
		}
		for _, sid := range []string{"", "no-such-sid"} {
			if n, err := st.DeleteBySID(ctx, sid); n != 0 || err != nil {
				t.Errorf("DeleteBySID(%q): got %d, %v; want 0, nil", sid, n, err)
			}
		}
		if left := kind.leftovers(t, st); len(left) != 0 {
			t.Errorf("a Touch of a missing session stored %v, want nothing", left)
		}
	})
}

// TestStoreMaxPerUser: beyond the limit the oldest sign-ins end, by
// SignedIn and then by the order of Add, whatever order they arrive in;
// other users keep theirs.
func TestStoreMaxPerUser(t *testing.T) {
	t.Parallel()
	names := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("s%02d", i))
		}
		return out
	}
	tests := []struct {
		name string
		// signedIn is the sign-in time of the i-th Add.
		signedIn func(i int) time.Time
		want     []string
	}{
		{"a second apart", func(i int) time.Time { return start.Add(time.Duration(i) * time.Second) }, names(12)[2:]},
		{"a millisecond apart", func(i int) time.Time { return start.Add(time.Duration(i) * time.Millisecond) }, names(12)[2:]},
		{"a microsecond apart", func(i int) time.Time { return start.Add(time.Duration(i) * time.Microsecond) }, names(12)[2:]},
		{"at the same instant: in the order added", func(int) time.Time { return start }, names(12)[2:]},
		{"arriving newest first: the last two added end", func(i int) time.Time { return start.Add(time.Duration(12-i) * time.Millisecond) }, names(10)},
		{"the two earliest arrive last", func(i int) time.Time {
			if i >= 10 {
				return start.Add(-time.Duration(i) * time.Second)
			}
			return start.Add(time.Duration(i) * time.Second)
		}, names(10)},
	}
	kinds := storeKinds(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachKind(t, kinds, func(t *testing.T, st Store, _ *fakeclock.Clock, _ storeKind) {
				addTo(t, st, "other", record("00uother", start), start.Add(time.Hour), 10)
				for i, n := range names(12) {
					addTo(t, st, n, record("00ua", tt.signedIn(i)), start.Add(time.Hour), 10)
				}
				if got := liveIn(t, st, names(12)...); !slices.Equal(got, tt.want) {
					t.Errorf("left: got %v, want %v", got, tt.want)
				}
				if got := liveIn(t, st, "other"); len(got) != 1 {
					t.Error("another user's session ended")
				}
			})
		})
	}
}

// TestStoreExpiredSessionsDoNotCount: a user's expired sessions leave room
// for new ones instead of pushing live ones out.
func TestStoreExpiredSessionsDoNotCount(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st Store, clock *fakeclock.Clock, _ storeKind) {
		// The expired one is not the oldest: counting it would end "a".
		addTo(t, st, "a", record("00ua", start), start.Add(time.Hour), 3)
		addTo(t, st, "idle", record("00ua", start.Add(time.Second)), start.Add(time.Minute), 3)
		addTo(t, st, "c", record("00ua", start.Add(2*time.Second)), start.Add(time.Hour), 3)
		clock.Advance(2 * time.Minute) // "idle" expires
		addTo(t, st, "d", record("00ua", clock.Now()), clock.Now().Add(time.Hour), 3)
		if got, want := liveIn(t, st, "a", "idle", "c", "d"), []string{"a", "c", "d"}; !slices.Equal(got, want) {
			t.Errorf("left: got %v, want %v", got, want)
		}
		if n, err := st.DeleteBySubject(context.Background(), "00ua"); n != 3 || err != nil {
			t.Errorf("DeleteBySubject: got %d, %v; want 3 live sessions ended", n, err)
		}
	})
}

// TestStoreIndexesFollowDeletes: whichever way a session ends, it leaves
// both indexes, and ending everything leaves nothing behind.
func TestStoreIndexesFollowDeletes(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st Store, _ *fakeclock.Clock, kind storeKind) {
		ctx := context.Background()
		add := func(name, sub, sid string, signedIn time.Time, maxPerUser int) {
			t.Helper()
			rec := record(sub, signedIn)
			rec.SID = sid
			addTo(t, st, name, rec, start.Add(time.Hour), maxPerUser)
		}
		add("a", "00ua", "s1", start, 10)
		add("b", "00ub", "s2", start, 10)
		add("c", "00uc", "shared", start, 10)
		add("d", "00ud", "shared", start, 10)
		add("e1", "00ue", "s5", start, 1)
		add("e2", "00ue", "s5", start.Add(time.Second), 1) // ends e1 through the trim
		if err := st.Delete(ctx, key("a")); err != nil {
			t.Fatal(err)
		}
		if n, err := st.DeleteBySubject(ctx, "00ua"); n != 0 || err != nil {
			t.Errorf("DeleteBySubject after Delete: got %d, %v; want 0, nil", n, err)
		}
		if n, err := st.DeleteBySID(ctx, "s5"); n != 1 || err != nil {
			t.Errorf("DeleteBySID after a trim: got %d, %v; want only the newest, 1", n, err)
		}
		// A key reused for another user: the first user's index no longer
		// reaches it.
		add("b", "00ub2", "s2b", start, 10)
		if n, err := st.DeleteBySubject(ctx, "00ub"); n != 0 || err != nil {
			t.Errorf("DeleteBySubject of the key's former user: got %d, %v; want 0, nil", n, err)
		}
		if n, err := st.DeleteBySID(ctx, "s2"); n != 0 || err != nil {
			t.Errorf("DeleteBySID of the key's former sid: got %d, %v; want 0, nil", n, err)
		}
		if got := liveIn(t, st, "b"); len(got) != 1 {
			t.Fatal("the session under the reused key ended")
		}

		for _, tt := range []struct {
			name string
			del  func() (int, error)
			want int
		}{
			{"by a sid two users share", func() (int, error) { return st.DeleteBySID(ctx, "shared") }, 2},
			{"by subject", func() (int, error) { return st.DeleteBySubject(ctx, "00ub2") }, 1},
		} {
			if n, err := tt.del(); n != tt.want || err != nil {
				t.Errorf("%s: got %d, %v; want %d, nil", tt.name, n, err, tt.want)
			}
		}
		if got := liveIn(t, st, "a", "b", "c", "d", "e1", "e2"); len(got) != 0 {
			t.Errorf("sessions left: %v, want none", got)
		}
		if left := kind.leftovers(t, st); len(left) != 0 {
			t.Errorf("after ending everything: got %v, want nothing left", left)
		}
	})
}

// TestStoreConcurrentSignIns: many sign-ins of one user at once never
// leave more than the limit (run with -race).
func TestStoreConcurrentSignIns(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st Store, _ *fakeclock.Clock, _ storeKind) {
		ctx := context.Background()
		var names []string
		var wg sync.WaitGroup
		for i := range 50 {
			n := fmt.Sprint(i)
			names = append(names, n)
			wg.Go(func() {
				if err := st.Add(ctx, key(n), record("00ua", start), start.Add(time.Hour), 10); err != nil {
					t.Error(err)
				}
				if _, _, err := st.Get(ctx, key(n)); err != nil && !errors.Is(err, ErrNotFound) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := liveIn(t, st, names...); len(got) != 10 {
			t.Errorf("sessions after 50 concurrent sign-ins of one user: got %d, want 10", len(got))
		}
		if n, err := st.DeleteBySubject(ctx, "00ua"); n != 10 || err != nil {
			t.Errorf("DeleteBySubject: got %d, %v; want 10, nil", n, err)
		}
	})
}

// TestManagerOverStores runs a Manager's life over each Store: the
// session cap, the idle timeout and the absolute lifetime, sign-out, and
// ending by subject and by sid.
func TestManagerOverStores(t *testing.T) {
	t.Parallel()
	const idle, lifetime = 10 * time.Minute, time.Hour
	forEachStore(t, func(t *testing.T, st Store, clock *fakeclock.Clock, _ storeKind) {
		m := New(Options{Store: st, Now: clock.Now, IdleTimeout: idle, Lifetime: lifetime})
		var cookies []*http.Cookie
		for range 12 {
			clock.Advance(time.Millisecond)
			cookies = append(cookies, signIn(t, m, nil, testProfile("00ua")))
		}
		for i, c := range cookies {
			want := "00ua"
			if i < 2 {
				want = ""
			}
			if got := current(t, m, c); got != want {
				t.Errorf("sign-in %d of 12: got %q, want %q", i+1, got, want)
			}
		}

		// Used every 5 minutes, a session outlives the idle timeout...
		busy, idler := cookies[11], cookies[10]
		for range 6 {
			clock.Advance(5 * time.Minute)
			if got := current(t, m, busy); got != "00ua" {
				t.Fatalf("in use at %v: got %q, want signed in", clock.Now().Sub(start), got)
			}
		}
		// ...the one left alone does not...
		if got := current(t, m, idler); got != "" {
			t.Errorf("idle for 30 minutes: got %q, want signed out", got)
		}
		// ...and none outlives the lifetime.
		for clock.Now().Before(start.Add(lifetime)) {
			clock.Advance(5 * time.Minute)
			current(t, m, busy)
		}
		clock.Advance(time.Minute) // the last sign-in was 12 ms after start
		if got := current(t, m, busy); got != "" {
			t.Errorf("past the lifetime: got %q, want signed out", got)
		}

		a := signIn(t, m, nil, testProfile("00ua"))
		b := signIn(t, m, nil, testProfile("00ub"))
		if u, err := m.SignOut(httptest.NewRecorder(), request(a)); u.IDToken() != "id-token-of-00ua" || u.AccessToken() != "access-token-of-00ua" || err != nil {
			t.Errorf("SignOut: got %q, %q, %v; want the id_token and the access token", u.IDToken(), u.AccessToken(), err)
		}
		if got := current(t, m, a); got != "" {
			t.Errorf("after SignOut: got %q, want signed out", got)
		}
		if n, err := m.EndBySID(context.Background(), "sid-00ub"); n != 1 || err != nil {
			t.Errorf("EndBySID: got %d, %v; want 1", n, err)
		}
		if got := current(t, m, b); got != "" {
			t.Errorf("after EndBySID: got %q, want signed out", got)
		}
		c := signIn(t, m, nil, testProfile("00uc"))
		if n, err := m.EndBySubject(context.Background(), "00uc"); n != 1 || err != nil {
			t.Errorf("EndBySubject: got %d, %v; want 1", n, err)
		}
		if got := current(t, m, c); got != "" {
			t.Errorf("after EndBySubject: got %q, want signed out", got)
		}
	})
}
