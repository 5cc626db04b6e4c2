package session

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
	"github.com/okta-samples/okta-go-sample/internal/redistest"
)

// TestRedisKeys checks the keys a RedisStore writes against what its doc
// comment and the README promise: their names, their contents, and a TTL
// on every one of them.
func TestRedisKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.New(t)
	client := newTestRedisClient(t, srv.URL())
	clock := fakeclock.New(start)
	st, err := NewRedisStore(RedisOptions{Client: client, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	const id = "IDINTHECOOKIEXXXXXXXXXXXXX"
	rec := record("00ua", start.Add(1500*time.Microsecond))
	rec.SID = "sid-1"
	const idle = 10 * time.Minute
	if err := st.Add(ctx, keyOf(id), rec, start.Add(idle), 10); err != nil {
		t.Fatal(err)
	}
	k := keyOf(id).String()
	if n, err := st.Count(ctx); n != 1 || err != nil {
		t.Errorf("Count: got %d, %v; want 1, nil", n, err)
	}
	want := []string{"okta-sample:seq", "okta-sample:session:" + k, "okta-sample:sid:sid-1", "okta-sample:user:00ua"}
	if got := redisKeys(t, st); !slices.Equal(got, want) {
		t.Fatalf("keys: got %q, want %q", got, want)
	}

	// Every key has a TTL: the session's is its idle expiry, the others'
	// the session's deadline, an hour after its sign-in.
	for _, tt := range []struct {
		key  string
		want time.Duration
	}{
		{"okta-sample:session:" + k, idle},
		{"okta-sample:user:00ua", rec.Deadline.Sub(start).Truncate(time.Millisecond)},
		{"okta-sample:sid:sid-1", rec.Deadline.Sub(start).Truncate(time.Millisecond)},
		{"okta-sample:seq", rec.Deadline.Sub(start).Truncate(time.Millisecond)},
	} {
		// Redis counts down in real time; a minute of slack is for a slow
		// machine, not a measurement.
		if got := client.PTTL(ctx, tt.key).Val(); got <= tt.want-time.Minute || got > tt.want {
			t.Errorf("PTTL %s: got %v, want about %v", tt.key, got, tt.want)
		}
	}

	h, err := client.HGetAll(ctx, "okta-sample:session:"+k).Result()
	if err != nil {
		t.Fatal(err)
	}
	wantHash := map[string]string{
		"subject":     "00ua",
		"sid":         "sid-1",
		"signed_in":   fmt.Sprint(rec.SignedIn.UnixNano()),
		"deadline_ms": fmt.Sprint(rec.Deadline.UnixMilli()),
		"expires_ms":  fmt.Sprint(start.Add(idle).UnixMilli()),
		"member":      "0000000000000001" + k,
		"data":        rec.Data,
	}
	if fmt.Sprint(h) != fmt.Sprint(wantHash) {
		t.Errorf("session hash: got %v, want %v", h, wantHash)
	}
	for name, v := range h {
		if strings.Contains(v, id) {
			t.Errorf("field %s holds the session id", name)
		}
	}
	members, err := client.ZRangeWithScores(ctx, "okta-sample:user:00ua", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 1 || members[0].Member != "0000000000000001"+k || members[0].Score != float64(rec.SignedIn.UnixMicro()) {
		t.Errorf("user index: got %v, want one member scored with the sign-in time in µs", members)
	}
	sids, err := client.ZRangeWithScores(ctx, "okta-sample:sid:sid-1", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(sids) != 1 || sids[0].Member != k || sids[0].Score != float64(rec.Deadline.UnixMilli()) {
		t.Errorf("sid index: got %v, want the key scored with the deadline in ms", sids)
	}

	// Touch moves the session's TTL with its expiry.
	clock.Advance(5 * time.Minute)
	if err := st.Touch(ctx, keyOf(id), clock.Now().Add(idle)); err != nil {
		t.Fatal(err)
	}
	if got := client.PTTL(ctx, "okta-sample:session:"+k).Val(); got <= idle-time.Minute || got > idle {
		t.Errorf("PTTL after Touch: got %v, want about %v", got, idle)
	}
	if got := client.HGet(ctx, "okta-sample:session:"+k, "expires_ms").Val(); got != fmt.Sprint(clock.Now().Add(idle).UnixMilli()) {
		t.Errorf("expires_ms after Touch: got %s, want %d", got, clock.Now().Add(idle).UnixMilli())
	}
}

// TestRedisOutage stops redis-server under a Manager and its spent-state
// set: every call fails with an error, nothing panics, nothing is
// half-written; once Redis is back, everything works again with the same
// client.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.New(t)
	client := newTestRedisClient(t, srv.URL())
	st, err := NewRedisStore(RedisOptions{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	spent, err := NewRedisSpentStates(client, "")
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Store: st})
	c := signIn(t, m, nil, testProfile("00ua"))

	srv.Stop(t)
	if _, _, err := m.Current(request(c)); !errors.Is(err, ErrStoreUnavailable) {
		t.Errorf("Current: got %v, want ErrStoreUnavailable", err)
	}
	rec := httptest.NewRecorder()
	if err := m.SignIn(rec, request(nil), testProfile("00ub")); !errors.Is(err, ErrStoreUnavailable) {
		t.Errorf("SignIn: got %v, want ErrStoreUnavailable", err)
	}
	if got := rec.Result().Cookies(); len(got) != 0 {
		t.Errorf("SignIn that failed set cookies %v, want none", got)
	}
	if _, err := m.SignOut(httptest.NewRecorder(), request(c)); !errors.Is(err, ErrStoreUnavailable) {
		t.Errorf("SignOut: got %v, want ErrStoreUnavailable", err)
	}
	if _, err := m.EndBySubject(ctx, "00ua"); !errors.Is(err, ErrStoreUnavailable) {
		t.Errorf("EndBySubject: got %v, want ErrStoreUnavailable", err)
	}
	if first, err := spent.Spend(ctx, "state-hash", time.Minute); err == nil || first {
		t.Errorf("Spend: got %v, %v; want false and an error", first, err)
	}
	if err := PingRedis(ctx, client, time.Second); err == nil {
		t.Error("PingRedis: got nil, want an error")
	}

	srv.Start(t) // empty: the old session is gone
	waitForRedis(t, client)
	if got := current(t, m, c); got != "" {
		t.Errorf("the session from before the restart: got %q, want signed out", got)
	}
	c2 := signIn(t, m, nil, testProfile("00ub"))
	if got := current(t, m, c2); got != "00ub" {
		t.Errorf("a sign-in after the restart: got %q, want 00ub", got)
	}
	if first, err := spent.Spend(ctx, "state-hash", time.Minute); !first || err != nil {
		t.Errorf("Spend after the restart: got %v, %v; want true, nil", first, err)
	}
}

// waitForRedis waits until client's PING succeeds again: go-redis redials
// in the background after an outage.
func waitForRedis(t *testing.T, client *redis.Client) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := PingRedis(context.Background(), client, time.Second)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis did not answer within 15 s of its restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRedisSpentStates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.New(t)
	client := newTestRedisClient(t, srv.URL())
	spent, err := NewRedisSpentStates(client, "")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name, key string
		ttl       time.Duration
		want      bool
	}{
		{"first use", "hash-a", 11 * time.Minute, true},
		{"second use", "hash-a", 11 * time.Minute, false},
		{"another state", "hash-b", 11 * time.Minute, true},
		{"a TTL under a millisecond is one", "hash-c", time.Microsecond, true},
	}
	for _, st := range steps {
		first, err := spent.Spend(ctx, st.key, st.ttl)
		if err != nil || first != st.want {
			t.Errorf("%s: got %v, %v; want %v, nil", st.name, first, err, st.want)
		}
	}
	if got := client.Get(ctx, "okta-sample:spent:hash-a").Val(); got != "1" {
		t.Errorf("okta-sample:spent:hash-a: got %q, want \"1\"", got)
	}
	if got := client.PTTL(ctx, "okta-sample:spent:hash-b").Val(); got <= 10*time.Minute || got > 11*time.Minute {
		t.Errorf("PTTL of a spent state: got %v, want about 11m", got)
	}

	// Many replicas spending one state at once: exactly one is first.
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			first, err := spent.Spend(ctx, "hash-race", time.Minute)
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if got := firsts.Load(); got != 1 {
		t.Errorf("concurrent Spends of one state: %d were first, want 1", got)
	}
}

func TestNewRedisClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		url         string
		wantErr     bool
		wantTimeout time.Duration
		wantRetries int
	}{
		{"defaults for sessions", "redis://127.0.0.1:6379/0", false, time.Second, 1},
		{"the URL's own settings win", "redis://127.0.0.1:6379/0?read_timeout=3s&max_retries=2", false, 3 * time.Second, 2},
		{"not a Redis URL", "http://127.0.0.1:6379/0", true, 0, 0},
		{"a bad database", "redis://127.0.0.1:6379/x", true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewRedisClient(tt.url)
			if tt.wantErr {
				if err == nil {
					t.Fatal("got no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			o := c.Options()
			if o.ReadTimeout != tt.wantTimeout || o.DialTimeout != time.Second || o.MaxRetries != tt.wantRetries || !o.ContextTimeoutEnabled {
				t.Errorf("got read timeout %v, dial timeout %v, retries %d, context timeouts %v; want %v, 1s, %d, true",
					o.ReadTimeout, o.DialTimeout, o.MaxRetries, o.ContextTimeoutEnabled, tt.wantTimeout, tt.wantRetries)
			}
		})
	}
	// The password never shows in an error.
	if _, err := NewRedisClient("redis://user:s3cret-pw@127.0.0.1:6379/nodb"); err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error for a bad URL with a password: got %v, want one without the password", err)
	}
}
