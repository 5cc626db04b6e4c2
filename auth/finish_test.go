package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// TestFinishChecksTheTransaction: Finish itself refuses a callback whose
// state is not its transaction's, or whose transaction is too old, before
// any token request. No step of the caller's is needed for that.
func TestFinishChecksTheTransaction(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	clock := fakeclock.New(testNow())
	rp := newRP(t, op, func(c *auth.Config) { c.Now = clock.Now })

	tests := []struct {
		name string
		// callback returns the callback's query and the browser's cookies,
		// given two logins begun in this browser.
		callback func(t *testing.T, a, b pendingLogin) (url.Values, []*http.Cookie)
		elapsed  time.Duration
		wantOK   bool
		wantWhy  string
	}{
		{
			name:     "genuine",
			callback: func(t *testing.T, a, _ pendingLogin) (url.Values, []*http.Cookie) { return a.query(t), a.cookies },
			wantOK:   true,
		},
		{
			name:     "at the end of its life",
			callback: func(t *testing.T, a, _ pendingLogin) (url.Values, []*http.Cookie) { return a.query(t), a.cookies },
			elapsed:  auth.TransactionTTL,
			wantOK:   true,
		},
		{
			name:     "expired",
			callback: func(t *testing.T, a, _ pendingLogin) (url.Values, []*http.Cookie) { return a.query(t), a.cookies },
			elapsed:  auth.TransactionTTL + time.Second,
			wantWhy:  "more than 10m0s ago",
		},
		{
			name: "no cookie for the state",
			callback: func(t *testing.T, a, b pendingLogin) (url.Values, []*http.Cookie) {
				return a.query(t), b.cookies
			},
		},
		{
			name: "cookie of login A under the name of login B",
			callback: func(t *testing.T, a, b pendingLogin) (url.Values, []*http.Cookie) {
				return b.query(t), []*http.Cookie{{Name: b.cookies[0].Name, Value: a.cookies[0].Value}}
			},
			wantWhy: "does not open",
		},
		{
			// Only a holder of the key can make such a cookie: Finish does
			// not rely on the cookie's name to match the state.
			name: "transaction of state A sealed under the name of state B",
			callback: func(t *testing.T, a, b pendingLogin) (url.Values, []*http.Cookie) {
				tx, err := rp.OpenTransactionCookie(a.cookies[0])
				if err != nil {
					t.Fatal(err)
				}
				c, err := rp.SealTransactionCookie(b.cookies[0].Name, tx)
				if err != nil {
					t.Fatal(err)
				}
				return b.query(t), []*http.Cookie{c}
			},
			wantWhy: "another state",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := beginPending(t, rp), beginPending(t, rp)
			q, cookies := tt.callback(t, a, b)
			clock.Advance(tt.elapsed)
			t.Cleanup(func() { clock.Advance(-tt.elapsed) })
			before := len(op.TokenRequests())

			id, _, err := finish(rp, q, cookies...)

			if tt.wantOK {
				if err != nil || id == nil {
					t.Fatalf("got %v, want a login", err)
				}
				return
			}
			if !errors.Is(err, auth.ErrUnknownTransaction) || id != nil {
				t.Fatalf("got an identity (%v) and %v; want no identity and ErrUnknownTransaction", id != nil, err)
			}
			if !strings.Contains(err.Error(), tt.wantWhy) {
				t.Errorf("got %q, want the reason %q", err, tt.wantWhy)
			}
			if got := len(op.TokenRequests()) - before; got != 0 {
				t.Errorf("got %d token requests, want 0", got)
			}
		})
	}
}

// pendingLogin is a login begun in a test browser.
type pendingLogin struct {
	login   *auth.Login
	cookies []*http.Cookie
}

func beginPending(t *testing.T, rp *auth.RelyingParty) pendingLogin {
	t.Helper()
	l, cookies := mustBegin(t, rp)
	return pendingLogin{l, cookies}
}

// query is the provider's answer to this login: its callback's query.
func (p pendingLogin) query(t *testing.T) url.Values {
	t.Helper()
	return authorize(t, p.login.URL)
}

// TestCookieKeyRotation: a login begun under key K1 finishes on a relying
// party rebuilt with keys [K2, K1], which seals new logins with K2. Once K1
// is dropped, its cookies are unknown transactions, refused cleanly.
func TestCookieKeyRotation(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	k1, k2 := testKey(1), testKey(2)
	withKeys := func(keys ...[]byte) *auth.RelyingParty {
		return newRP(t, op, func(c *auth.Config) { c.CookieKeys = keys })
	}
	old, rotating, rotated := withKeys(k1), withKeys(k2, k1), withKeys(k2)

	t.Run("begun under K1, finished under K2 and K1", func(t *testing.T) {
		p := beginPending(t, old)
		if _, _, err := finish(rotating, p.query(t), p.cookies...); err != nil {
			t.Fatalf("got %v, want the login to finish", err)
		}
	})
	t.Run("new logins are sealed with K2", func(t *testing.T) {
		p := beginPending(t, rotating)
		if _, err := old.OpenTransactionCookie(p.cookies[0]); err == nil {
			t.Errorf("a cookie begun under [K2, K1] opens with K1 alone, want it sealed with K2")
		}
		if _, _, err := finish(rotated, p.query(t), p.cookies...); err != nil {
			t.Fatalf("finishing under K2 alone: got %v, want the login", err)
		}
	})
	t.Run("K1 dropped", func(t *testing.T) {
		p := beginPending(t, old)
		before := len(op.TokenRequests())
		_, _, err := finish(rotated, p.query(t), p.cookies...)
		if !errors.Is(err, auth.ErrUnknownTransaction) {
			t.Fatalf("got %v, want ErrUnknownTransaction", err)
		}
		if got := len(op.TokenRequests()) - before; got != 0 {
			t.Errorf("got %d token requests, want 0", got)
		}
	})
}

// TestNewChecksTheCookieSettings: keys of the wrong size and a cookie path
// the callback is not under are refused before discovery, with a message
// that says what is wrong.
func TestNewChecksTheCookieSettings(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		edit func(c *auth.Config)
		want string
	}{
		{"16-byte key", func(c *auth.Config) { c.CookieKeys = [][]byte{make([]byte, 16)} }, "CookieKeys[0] is 16 bytes; each key must be exactly 32 bytes"},
		{"second key 33 bytes", func(c *auth.Config) { c.CookieKeys = [][]byte{testKey(1), make([]byte, 33)} }, "CookieKeys[1] is 33 bytes"},
		{"empty key", func(c *auth.Config) { c.CookieKeys = [][]byte{testKey(1), nil} }, "CookieKeys[1] is 0 bytes"},
		{"path elsewhere", func(c *auth.Config) { c.CookiePath = "/login/" }, `CookiePath "/login/" does not cover the callback path`},
		{"path a prefix but not a folder", func(c *auth.Config) { c.CookiePath = "/authorization" }, "does not cover"},
		{"relative path", func(c *auth.Config) { c.CookiePath = "authorization-code/" }, "does not cover"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := auth.Config{Issuer: "http://127.0.0.1:1/oauth2/default", ClientID: "c", RedirectURL: testRedirectURI}
			tt.edit(&cfg)
			_, err := auth.New(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestTransactionCookieScope: by default the cookie covers the callback's
// folder, where this sample's login routes are too; a configured path is
// used as it is.
func TestTransactionCookieScope(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	for _, tt := range []struct {
		name, path, want string
		secure           bool
	}{
		{"default", "", "/authorization-code/", false},
		{"configured, secure", "/", "/", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rp := newRP(t, op, func(c *auth.Config) { c.CookiePath, c.SecureCookies = tt.path, tt.secure })
			_, cookies := mustBegin(t, rp)
			if c := cookies[0]; c.Path != tt.want || c.Secure != tt.secure {
				t.Errorf("got Path %q Secure %v, want %q %v", c.Path, c.Secure, tt.want, tt.secure)
			}
		})
	}
}

// TestSpentStatesFlood: a flood of "begin a login, send its callback with a
// junk code" fills the spent-state set, which then forgets its oldest
// states instead of refusing anyone: a genuine login still works. A
// replay within the set's memory is refused before any token request;
// one the set has forgotten still meets the provider's single-use code.
func TestSpentStatesFlood(t *testing.T) {
	t.Parallel()
	const bound = 8
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, func(c *auth.Config) { c.SpentStates = auth.NewMemorySpentStates(bound, testNow) })

	flood := func(t *testing.T, n int) {
		t.Helper()
		for i := range n {
			p := beginPending(t, rp)
			q := url.Values{"state": {p.login.State}, "code": {fmt.Sprintf("junk-%d", i)}, "iss": {op.Issuer()}}
			_, _, err := finish(rp, q, p.cookies...)
			if ae := wantError(t, err, "token", "error"); ae.Code != "invalid_grant" {
				t.Fatalf("junk code: got %v, want invalid_grant", err)
			}
		}
	}

	flood(t, 10*bound)
	p := beginPending(t, rp)
	q := p.query(t)
	if _, _, err := finish(rp, q, p.cookies...); err != nil {
		t.Fatalf("genuine login after the flood: got %v, want success", err)
	}

	flood(t, bound-1)
	before := len(op.TokenRequests())
	if _, _, err := finish(rp, q, p.cookies...); !errors.Is(err, auth.ErrUnknownTransaction) {
		t.Fatalf("replay within the bound: got %v, want ErrUnknownTransaction", err)
	}
	if got := len(op.TokenRequests()) - before; got != 0 {
		t.Errorf("replay within the bound made %d token requests, want 0", got)
	}

	flood(t, bound)
	_, _, err := finish(rp, q, p.cookies...)
	if ae := wantError(t, err, "token", "error"); ae.Code != "invalid_grant" {
		t.Fatalf("replay the set forgot: got %v, want the provider's invalid_grant", err)
	}
}

// failingStore is a SpentStates whose backend is down. It records what it
// was asked.
type failingStore struct {
	mu   sync.Mutex
	keys []string
	ttls []time.Duration
}

func (s *failingStore) Spend(_ context.Context, key string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, key)
	s.ttls = append(s.ttls, ttl)
	return false, errors.New("dial tcp 127.0.0.1:6379: connection refused")
}

// TestSpentStatesUnavailable: when the store fails, Finish fails with
// ErrStoreUnavailable before any token request, and the store was given a
// hash of the state, never the state, for the rest of the transaction's
// life and a minute.
func TestSpentStatesUnavailable(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	store := &failingStore{}
	clock := fakeclock.New(testNow())
	rp := newRP(t, op, func(c *auth.Config) { c.SpentStates, c.Now = store, clock.Now })
	p := beginPending(t, rp)
	q := p.query(t)
	clock.Advance(3 * time.Minute)

	id, _, err := finish(rp, q, p.cookies...)
	if !errors.Is(err, auth.ErrStoreUnavailable) || errors.Is(err, auth.ErrUnknownTransaction) || id != nil {
		t.Fatalf("got %v, %v; want ErrStoreUnavailable only", id, err)
	}
	if n := len(op.TokenRequests()); n != 0 {
		t.Errorf("got %d token requests, want 0", n)
	}
	if len(store.keys) != 1 {
		t.Fatalf("Spend called %d times, want 1", len(store.keys))
	}
	if key := store.keys[0]; len(key) != 43 || strings.Contains(key, p.login.State) {
		t.Errorf("Spend key %q: want a 43-character hash, not the state %q", key, p.login.State)
	}
	if want := auth.TransactionTTL - 3*time.Minute + time.Minute; store.ttls[0] != want {
		t.Errorf("Spend ttl: got %s, want %s", store.ttls[0], want)
	}
}
