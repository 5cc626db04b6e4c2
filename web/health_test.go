package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
	"github.com/okta-samples/okta-go-sample/session"
)

// switchableStore is a session store that can be taken down and brought
// back, as Redis can.
type switchableStore struct {
	session.Store
	down atomic.Bool
}

var errStoreDown = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func (s *switchableStore) Get(ctx context.Context, k session.Key) (session.Record, time.Time, error) {
	if s.down.Load() {
		return session.Record{}, time.Time{}, errStoreDown
	}
	return s.Store.Get(ctx, k)
}

func (s *switchableStore) Add(ctx context.Context, k session.Key, rec session.Record, exp time.Time, max int) error {
	if s.down.Load() {
		return errStoreDown
	}
	return s.Store.Add(ctx, k, rec, exp, max)
}

func (s *switchableStore) Delete(ctx context.Context, k session.Key) error {
	if s.down.Load() {
		return errStoreDown
	}
	return s.Store.Delete(ctx, k)
}

// storeEnv is the app over a switchable store, with a provider whose
// discovery has succeeded, and a /healthz store check that fails while
// the store is down and counts its calls.
type storeEnv struct {
	h      http.Handler
	store  *switchableStore
	m      *session.Manager
	clock  *fakeclock.Clock
	checks atomic.Int32
}

func newStoreEnv(t *testing.T) *storeEnv {
	t.Helper()
	issuer := startPlainProvider(t)
	rp, err := auth.New(context.Background(), auth.Config{
		Issuer: issuer, ClientID: "0oa-test", ClientSecret: testSecret, RedirectURL: testRedirectURI,
		CookieKeys: [][]byte{testCookieKey()}, CookiePath: CookiePath("/authorization-code/callback"),
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &storeEnv{clock: fakeclock.New(time.Now())}
	e.store = &switchableStore{Store: session.NewMemoryStore(session.MemoryOptions{})}
	e.m = session.New(session.Options{Store: e.store})
	e.h, err = NewServer(Deps{
		Config:   config.Config{Issuer: issuer, ClientID: "0oa-test", ClientSecret: testSecret, RedirectURI: testRedirectURI},
		Provider: readyProvider{rp},
		Sessions: e.m,
		Now:      e.clock.Now,
		StoreHealth: func(context.Context) error {
			e.checks.Add(1)
			if e.store.down.Load() {
				return errStoreDown
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// signIn returns the cookie of a new session for sub.
func (e *storeEnv) signIn(t *testing.T, sub string) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	p := session.Profile{Subject: sub, Claims: []auth.Claim{{Name: "sub", Value: sub, Source: "id_token"}}}
	if err := e.m.SignIn(rec, httptest.NewRequest(http.MethodGet, "/", nil), p); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0]
}

func (e *storeEnv) do(method, path string, c *http.Cookie) (int, string) {
	r := httptest.NewRequest(method, testAppOrigin+path, nil)
	if c != nil {
		r.AddCookie(c)
	}
	if method == http.MethodPost {
		r.Header.Set("Origin", testAppOrigin)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	body, _ := io.ReadAll(rec.Result().Body) // a recorder's body cannot fail to read
	return rec.Code, string(body)
}

// TestSessionStoreDown: while the session store does not answer, the
// pages that need the session say so with a 503, not a 500 and not a
// silent sign-out, and the error reaches the log, not the page; once it
// answers again, the same session works.
func TestSessionStoreDown(t *testing.T) {
	t.Parallel()
	e := newStoreEnv(t)
	c := e.signIn(t, "00ua")
	if code, body := e.do(http.MethodGet, pathProfile, c); code != http.StatusOK || !strings.Contains(body, `id="claim-sub">00ua<`) {
		t.Fatalf("profile with the store up: got %d, want 200 with the profile", code)
	}

	e.store.down.Store(true)
	tests := []struct {
		name, method, path string
	}{
		{"profile", http.MethodGet, pathProfile},
		{"logout", http.MethodPost, pathLogout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := e.do(tt.method, tt.path, c)
			if code != http.StatusServiceUnavailable || !strings.Contains(body, "Session store unavailable") {
				t.Errorf("got %d, want 503 with a page that says the session store is unavailable:\n%s", code, body)
			}
			if strings.Contains(body, "connection refused") {
				t.Error("the store's error reached the page")
			}
		})
	}

	e.store.down.Store(false)
	if code, _ := e.do(http.MethodGet, pathProfile, c); code != http.StatusOK {
		t.Errorf("profile once the store is back: got %d, want 200", code)
	}
}

// TestHealthzChecksTheStoreOnceASecond: /healthz answers 503 while the
// session store does not answer and 200 once it does, and asks the store
// at most once a second, however often it is asked itself.
func TestHealthzChecksTheStoreOnceASecond(t *testing.T) {
	t.Parallel()
	e := newStoreEnv(t)
	steps := []struct {
		name       string
		down       bool
		advance    time.Duration
		requests   int
		wantStatus int
		wantChecks int32 // in total, after the step
	}{
		{"up: checked once for many requests", false, 0, 20, http.StatusOK, 1},
		{"down within the second: the cached answer", true, 999 * time.Millisecond, 5, http.StatusOK, 1},
		{"down, a second later: checked again", true, time.Millisecond, 20, http.StatusServiceUnavailable, 2},
		{"up again within the second: still the cached answer", false, 500 * time.Millisecond, 5, http.StatusServiceUnavailable, 2},
		{"up, a second later: recovered", false, 500 * time.Millisecond, 5, http.StatusOK, 3},
	}
	for _, st := range steps {
		e.store.down.Store(st.down)
		e.clock.Advance(st.advance)
		var wg sync.WaitGroup
		codes := make([]int, st.requests)
		bodies := make([]string, st.requests)
		for i := range st.requests {
			wg.Go(func() { codes[i], bodies[i] = e.do(http.MethodGet, pathHealth, nil) })
		}
		wg.Wait()
		for i, code := range codes {
			if code != st.wantStatus {
				t.Errorf("%s: request %d got %d %q, want %d", st.name, i, code, bodies[i], st.wantStatus)
				break
			}
		}
		if st.wantStatus == http.StatusServiceUnavailable && bodies[0] != "session store not reachable\n" {
			t.Errorf("%s: body %q, want it to name the session store", st.name, bodies[0])
		}
		if got := e.checks.Load(); got != st.wantChecks {
			t.Errorf("%s: store checks so far: got %d, want %d", st.name, got, st.wantChecks)
		}
	}
}
