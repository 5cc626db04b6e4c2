package redistest

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func newClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("redis.ParseURL(%q): %v", url, err)
	}
	opts.MaxRetries = -1 // fail fast while the server is stopped
	c := redis.NewClient(opts)
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("closing the client: %v", err)
		}
	})
	return c
}

func TestServer(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := New(t)
	url := srv.URL()
	if !regexp.MustCompile(`^redis://127\.0\.0\.1:[0-9]+/0$`).MatchString(url) {
		t.Fatalf("URL: got %q, want redis://127.0.0.1:PORT/0", url)
	}
	c := newClient(t, url)
	if got, err := c.Ping(ctx).Result(); err != nil || got != "PONG" {
		t.Fatalf("PING: got %q, %v; want PONG", got, err)
	}

	// SET key value NX PX ms: the single-use primitive the app builds on.
	const px = 90 * time.Second
	steps := []struct {
		name      string
		key, val  string
		wantSet   bool
		wantValue string
	}{
		{name: "first claim", key: "state:a", val: "one", wantSet: true, wantValue: "one"},
		{name: "second claim of the same key", key: "state:a", val: "two", wantSet: false, wantValue: "one"},
		{name: "another key", key: "state:b", val: "three", wantSet: true, wantValue: "three"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := c.Do(ctx, "SET", st.key, st.val, "NX", "PX", px.Milliseconds()).Err()
			switch {
			case st.wantSet && err != nil:
				t.Fatalf("SET NX PX: got %v, want OK", err)
			case !st.wantSet && !errors.Is(err, redis.Nil):
				t.Fatalf("SET NX PX on a taken key: got %v, want a nil reply", err)
			}
			if got, err := c.Get(ctx, st.key).Result(); err != nil || got != st.wantValue {
				t.Errorf("GET: got %q, %v; want %q", got, err, st.wantValue)
			}
			ttl, err := c.PTTL(ctx, st.key).Result()
			if err != nil {
				t.Fatalf("PTTL: %v", err)
			}
			if ttl <= 0 || ttl > px {
				t.Errorf("PTTL: got %v, want in (0, %v]", ttl, px)
			}
		})
	}

	srv.Stop(t)
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING while stopped: got no error, want one")
	}
	if _, err := net.DialTimeout("tcp", srv.Addr(), 5*time.Second); err == nil {
		t.Fatal("dialing while stopped: got a connection, want refused")
	}

	srv.Start(t)
	if got := srv.URL(); got != url {
		t.Errorf("URL after Start: got %q, want %q", got, url)
	}
	if got, err := c.Ping(ctx).Result(); err != nil || got != "PONG" {
		t.Fatalf("PING after Start: got %q, %v; want PONG", got, err)
	}
	if n, err := c.Exists(ctx, "state:a", "state:b").Result(); err != nil || n != 0 {
		t.Errorf("EXISTS after a restart: got %d, %v; want 0 keys (nothing persisted)", n, err)
	}
	if err := c.Do(ctx, "SET", "state:a", "again", "NX", "PX", px.Milliseconds()).Err(); err != nil {
		t.Errorf("SET NX PX after a restart: got %v, want OK", err)
	}
}

func TestServersAreIndependent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, b := New(t), New(t)
	if a.URL() == b.URL() {
		t.Fatalf("two servers share the URL %s", a.URL())
	}
	ca, cb := newClient(t, a.URL()), newClient(t, b.URL())
	if err := ca.Set(ctx, "k", "a", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := cb.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("GET on the other server: got %v, want a nil reply", err)
	}
}

func TestCleanupStopsServer(t *testing.T) {
	t.Parallel()
	var srv *Server
	var pid int
	t.Run("owner", func(t *testing.T) {
		srv = New(t)
		pid = srv.proc.Pid()
	})
	if srv.proc != nil {
		t.Errorf("after the owning test ended: the server is still marked running (pid %d)", pid)
	}
	if conn, err := net.DialTimeout("tcp", srv.Addr(), 5*time.Second); err == nil {
		conn.Close()
		t.Errorf("after the owning test ended: %s still accepts connections", srv.Addr())
	}
}

func TestStopWhileStoppedFails(t *testing.T) {
	t.Parallel()
	srv := New(t)
	srv.Stop(t)
	r := &recordingTB{TB: t}
	srv.Stop(r)
	if want := "redistest: Stop: the server is not running"; r.fatal != want {
		t.Errorf("Stop while stopped: got failure %q, want %q", r.fatal, want)
	}
	srv.Start(t)
	r = &recordingTB{TB: t}
	srv.Start(r)
	if want := "redistest: Start: the server is already running"; r.fatal != want {
		t.Errorf("Start while running: got failure %q, want %q", r.fatal, want)
	}
}

// recordingTB stands in for a test, to see that a misuse fails it. The
// embedded TB provides testing.TB's unexported method.
type recordingTB struct {
	testing.TB
	fatal string
}

func (r *recordingTB) Helper()           {}
func (r *recordingTB) Fatal(args ...any) { r.fatal = fmt.Sprint(args...) }
