package auth_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
)

const testCallbackPath = "/authorization-code/callback"

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// testCookiePath is where the cookie-only relying party scopes its cookies.
const testCookiePath = "/authorization-code/"

// newCookies is a relying party that only keeps transaction cookies and
// spent states, with no provider: enough for the first step of Finish.
func newCookies(t testing.TB, key []byte, now func() time.Time) *auth.RelyingParty {
	t.Helper()
	if now == nil {
		now = time.Now
	}
	rp, err := auth.NewCookieOnlyRP([][]byte{key}, now)
	if err != nil {
		t.Fatalf("NewCookieOnlyRP: %v", err)
	}
	return rp
}

// saved starts a login and returns its transaction and the cookie set for it.
func saved(t testing.TB, tc *auth.RelyingParty, now time.Time) (*auth.Transaction, *http.Cookie) {
	t.Helper()
	tx := auth.NewTransaction("/back?x=1", now)
	rec := httptest.NewRecorder()
	if err := tc.SaveTransaction(rec, httptest.NewRequest(http.MethodGet, "/authorization-code/login", nil), tx); err != nil {
		t.Fatalf("SaveTransaction: %v", err)
	}
	cs := rec.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("Save set %d cookies, want 1", len(cs))
	}
	return tx, cs[0]
}

// take runs the first step of Finish for state with cookies on the
// request, and returns the result and the cookies it set.
func take(tc *auth.RelyingParty, state string, cookies ...*http.Cookie) (*auth.Transaction, []*http.Cookie, error) {
	r := httptest.NewRequest(http.MethodGet, testCallbackPath, nil)
	for _, c := range cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	tx, err := tc.TakeTransaction(rec, r, state)
	return tx, rec.Result().Cookies(), err
}

func TestTransactionCookieAttributes(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(testNow())
	tc := newCookies(t, testKey(1), clock.Now)
	tx, c := saved(t, tc, clock.Now())

	if want := "oidc_tx_" + tx.State; c.Name != want {
		t.Errorf("name: got %q, want %q", c.Name, want)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != testCookiePath || c.Secure {
		t.Errorf("got HttpOnly %v SameSite %v Path %q Secure %v, want HttpOnly, Lax, %q, not Secure", c.HttpOnly, c.SameSite, c.Path, c.Secure, testCookiePath)
	}
	if want := int(auth.TransactionTTL / time.Second); c.MaxAge != want {
		t.Errorf("MaxAge: got %d, want %d", c.MaxAge, want)
	}
	for _, secret := range []string{tx.Nonce, tx.Verifier, "/back"} {
		if strings.Contains(c.Value, secret) {
			t.Errorf("cookie value shows %q in clear", secret)
		}
	}
}

func TestTransactionCookieRoundTripAndSingleUse(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(testNow())
	tc := newCookies(t, testKey(1), clock.Now)
	tx, c := saved(t, tc, clock.Now())

	got, set, err := take(tc, tx.State, c)
	if err != nil {
		t.Fatalf("take: %v", err)
	}
	if *got != *tx {
		t.Errorf("take: got %+v, want %+v", got, tx)
	}
	if len(set) != 1 || set[0].Name != c.Name || set[0].MaxAge >= 0 {
		t.Errorf("take set cookies %v, want %s deleted", set, c.Name)
	}

	// The browser would have dropped the cookie; an attacker who copied it
	// still cannot use it again on this server.
	if _, _, err := take(tc, tx.State, c); !errors.Is(err, auth.ErrUnknownTransaction) {
		t.Errorf("second take with a copy of the cookie: got %v, want ErrUnknownTransaction", err)
	}
	if _, _, err := take(tc, tx.State); !errors.Is(err, auth.ErrUnknownTransaction) {
		t.Errorf("take without the cookie: got %v, want ErrUnknownTransaction", err)
	}
}

func TestTransactionCookiesCoexist(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(testNow())
	tc := newCookies(t, testKey(1), clock.Now)
	tx1, c1 := saved(t, tc, clock.Now())
	tx2, c2 := saved(t, tc, clock.Now())

	// Two tabs: both cookies travel with each callback; each callback
	// takes its own, in either order.
	got2, _, err := take(tc, tx2.State, c1, c2)
	if err != nil || got2.Nonce != tx2.Nonce {
		t.Fatalf("take second login: got %+v, %v; want it", got2, err)
	}
	got1, _, err := take(tc, tx1.State, c1, c2)
	if err != nil || got1.Nonce != tx1.Nonce {
		t.Fatalf("take first login: got %+v, %v; want it", got1, err)
	}
}

func TestTransactionCookieExpiry(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		elapsed time.Duration
		wantOK  bool
	}{
		{"just made", 0, true},
		{"at the TTL", auth.TransactionTTL, true},
		{"one second past the TTL", auth.TransactionTTL + time.Second, false},
		{"a day later", 24 * time.Hour, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := fakeclock.New(testNow())
			tc := newCookies(t, testKey(1), clock.Now)
			tx, c := saved(t, tc, clock.Now())
			clock.Advance(tt.elapsed)
			_, _, err := take(tc, tx.State, c)
			if tt.wantOK && err != nil {
				t.Fatalf("got %v, want the transaction", err)
			}
			if !tt.wantOK && !errors.Is(err, auth.ErrUnknownTransaction) {
				t.Fatalf("got %v, want ErrUnknownTransaction", err)
			}
		})
	}
}

func TestTransactionCookieTampering(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(testNow())
	tc := newCookies(t, testKey(1), clock.Now)
	other := newCookies(t, testKey(2), clock.Now)

	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name string
		// cookie returns the state to take and the cookie to send.
		cookie func(t *testing.T) (string, *http.Cookie)
	}{
		{"first character changed", func(t *testing.T) (string, *http.Cookie) {
			tx, c := saved(t, tc, clock.Now())
			c.Value = flip(c.Value, 0)
			return tx.State, c
		}},
		{"middle character changed", func(t *testing.T) (string, *http.Cookie) {
			tx, c := saved(t, tc, clock.Now())
			c.Value = flip(c.Value, len(c.Value)/2)
			return tx.State, c
		}},
		{"truncated by one", func(t *testing.T) (string, *http.Cookie) {
			tx, c := saved(t, tc, clock.Now())
			c.Value = c.Value[:len(c.Value)-1]
			return tx.State, c
		}},
		{"truncated to the nonce", func(t *testing.T) (string, *http.Cookie) {
			tx, c := saved(t, tc, clock.Now())
			c.Value = c.Value[:16]
			return tx.State, c
		}},
		{"empty", func(t *testing.T) (string, *http.Cookie) {
			tx, c := saved(t, tc, clock.Now())
			c.Value = ""
			return tx.State, c
		}},
		{"not base64", func(t *testing.T) (string, *http.Cookie) {
			tx, c := saved(t, tc, clock.Now())
			c.Value = "!!!" + c.Value
			return tx.State, c
		}},
		{"extended", func(t *testing.T) (string, *http.Cookie) {
			tx, c := saved(t, tc, clock.Now())
			c.Value += "AAAA"
			return tx.State, c
		}},
		{"sealed with another key", func(t *testing.T) (string, *http.Cookie) {
			tx, c := saved(t, other, clock.Now())
			return tx.State, c
		}},
		{"moved to another state's name", func(t *testing.T) (string, *http.Cookie) {
			_, c1 := saved(t, tc, clock.Now())
			tx2, c2 := saved(t, tc, clock.Now())
			return tx2.State, &http.Cookie{Name: c2.Name, Value: c1.Value}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, c := tt.cookie(t)
			tx, _, err := take(tc, state, c)
			if !errors.Is(err, auth.ErrUnknownTransaction) || tx != nil {
				t.Fatalf("got %+v, %v; want ErrUnknownTransaction", tx, err)
			}
		})
	}
}

// TestTransactionCookieInvalidStates: only states Begin could have made
// are looked up, so attacker input never names a cookie.
func TestTransactionCookieInvalidStates(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(testNow())
	tc := newCookies(t, testKey(1), clock.Now)
	tx, c := saved(t, tc, clock.Now())

	for _, tt := range []struct{ name, state string }{
		{"empty", ""},
		{"short", tx.State[:42]},
		{"long", tx.State + "A"},
		{"standard base64 plus", "+" + tx.State[1:]},
		{"standard base64 slash", "/" + tx.State[1:]},
		{"padding", tx.State[:42] + "="},
		{"semicolon", ";" + tx.State[1:]},
		{"space", " " + tx.State[1:]},
		{"NUL", "\x00" + tx.State[1:]},
		{"non-ASCII", "é" + tx.State[2:]},
		{"cookie injection", "x; oidc_tx_" + tx.State},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The cookie is sent under the name the bad state would give it.
			bad := &http.Cookie{Name: "oidc_tx_" + tt.state, Value: c.Value}
			if _, _, err := take(tc, tt.state, c, bad); !errors.Is(err, auth.ErrUnknownTransaction) {
				t.Fatalf("state %q: got %v, want ErrUnknownTransaction", tt.state, err)
			}
		})
	}
	// The real one is still unused.
	if _, _, err := take(tc, tx.State, c); err != nil {
		t.Fatalf("the real state after the bad ones: %v", err)
	}
}

func TestCookieKeySize(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := auth.NewCookieOnlyRP([][]byte{make([]byte, n)}, time.Now); err == nil {
			t.Errorf("key of %d bytes: got no error, want one", n)
		}
	}
}

func TestBeginKeepsAtMostMaxPending(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tc := newCookies(t, testKey(1), func() time.Time { return now })
	var held []*http.Cookie // what the browser holds
	var states []string
	for i := range auth.MaxPending + 3 {
		now = now.Add(time.Second) // each login a little later than the last
		tx := auth.NewTransaction("/", now)
		r := httptest.NewRequest(http.MethodGet, "/authorization-code/login", nil)
		for _, c := range held {
			r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		rec := httptest.NewRecorder()
		if err := tc.SaveTransaction(rec, r, tx); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
		held = applyCookies(held, rec.Result().Cookies())
		states = append(states, tx.State)
	}
	if len(held) != auth.MaxPending {
		t.Fatalf("browser holds %d transaction cookies, want %d", len(held), auth.MaxPending)
	}
	// The newest MaxPending survive; the oldest were expired.
	for i, st := range states {
		_, _, err := take(tc, st, held...)
		if wantOK := i >= len(states)-auth.MaxPending; (err == nil) != wantOK {
			t.Errorf("login %d: take error %v, want success %v", i, err, wantOK)
		}
	}
}

func TestBeginDeletesUnreadableCookies(t *testing.T) {
	t.Parallel()
	tc := newCookies(t, testKey(1), nil)
	tx := auth.NewTransaction("/", time.Now())
	r := httptest.NewRequest(http.MethodGet, "/authorization-code/login", nil)
	r.AddCookie(&http.Cookie{Name: "oidc_tx_garbage", Value: "not-a-sealed-value"})
	rec := httptest.NewRecorder()
	if err := tc.SaveTransaction(rec, r, tx); err != nil {
		t.Fatal(err)
	}
	var deleted bool
	for _, c := range rec.Result().Cookies() {
		if c.Name == "oidc_tx_garbage" && c.MaxAge < 0 {
			deleted = true
		}
	}
	if !deleted {
		t.Error("an unreadable transaction cookie was not deleted")
	}
}

// applyCookies updates a browser's cookies with a response's Set-Cookie.
func applyCookies(held, set []*http.Cookie) []*http.Cookie {
	byName := map[string]*http.Cookie{}
	var order []string
	for _, c := range held {
		byName[c.Name] = c
		order = append(order, c.Name)
	}
	for _, c := range set {
		if _, ok := byName[c.Name]; !ok {
			order = append(order, c.Name)
		}
		byName[c.Name] = c
	}
	var out []*http.Cookie
	for _, n := range order {
		if c := byName[n]; c.MaxAge >= 0 {
			out = append(out, c)
		}
	}
	return out
}
