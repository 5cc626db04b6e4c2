package session

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
)

var start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func testProfile(sub string) Profile {
	return Profile{
		Subject: sub,
		SID:     "sid-" + sub,
		IDToken: "id-token-of-" + sub,
		// A made-up access token: the session keeps it for revocation.
		AccessToken: "access-token-of-" + sub,
		Claims: []auth.Claim{
			{Name: "email", Value: sub + "@example.com", Source: "both"},
			{Name: "sub", Value: sub, Source: "id_token"},
		},
	}
}

// signIn signs p in through m from a browser holding cookie (nil for
// none) and returns the new session cookie.
func signIn(t *testing.T, m *Manager, cookie *http.Cookie, p Profile) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := m.SignIn(rec, request(cookie), p); err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == m.CookieName() {
			return c
		}
	}
	t.Fatalf("SignIn set no %s cookie", m.CookieName())
	return nil
}

func request(cookie *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	return r
}

// current returns the subject signed in with cookie, or "".
func current(t *testing.T, m *Manager, cookie *http.Cookie) string {
	t.Helper()
	p, ok, err := m.Current(request(cookie))
	if err != nil {
		t.Fatalf("Current: %v", err)
	}
	if !ok {
		return ""
	}
	return p.Subject()
}

func TestSignInRenewsAndSignOutEnds(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("secure=%v", secure), func(t *testing.T) {
			m := New(Options{Secure: secure})
			wantName := CookieName
			if secure {
				// RFC 6265bis 4.1.3.2: only a Secure, Path=/, Domain-less
				// cookie may carry this prefix.
				wantName = "__Host-okta_sample_session"
			}
			if got := m.CookieName(); got != wantName {
				t.Fatalf("CookieName: got %q, want %q", got, wantName)
			}
			// A session id that is live in the store (say, an attacker's
			// own session, planted in a victim's browser) must not survive
			// a login.
			planted := signIn(t, m, nil, testProfile("00uattacker"))
			c := signIn(t, m, planted, testProfile("00uvictim"))
			if c.Value == planted.Value || len(c.Value) != idLen {
				t.Fatalf("session id after sign-in: got %q, want a new %d-character one", c.Value, idLen)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Path != "/" || c.Domain != "" {
				t.Errorf("cookie: HttpOnly=%v SameSite=%v Secure=%v Path=%q; want true, Lax, %v, /", c.HttpOnly, c.SameSite, c.Secure, c.Path, secure)
			}
			if c.MaxAge != 0 || !c.Expires.IsZero() {
				t.Errorf("cookie persists (MaxAge %d, Expires %v); want a browser-session cookie", c.MaxAge, c.Expires)
			}
			if got := current(t, m, c); got != "00uvictim" {
				t.Fatalf("Current with the new cookie: got %q, want 00uvictim", got)
			}
			if got := current(t, m, planted); got != "" {
				t.Errorf("Current with the planted id: got %q, want signed out", got)
			}

			rec := httptest.NewRecorder()
			u, err := m.SignOut(rec, request(c))
			if err != nil || u.IDToken() != "id-token-of-00uvictim" || u.AccessToken() != "access-token-of-00uvictim" {
				t.Errorf("SignOut: got id_token %q, access token %q, %v; want the stored tokens", u.IDToken(), u.AccessToken(), err)
			}
			cleared := rec.Result().Cookies()
			if len(cleared) != 1 || cleared[0].Name != wantName || cleared[0].MaxAge >= 0 || cleared[0].Value != "" {
				t.Errorf("SignOut cookies: got %v, want %s deleted", cleared, wantName)
			}
			if got := current(t, m, c); got != "" {
				t.Errorf("Current with the old cookie after sign-out: got %q, want signed out", got)
			}
		})
	}
}

func TestCurrentWithoutASession(t *testing.T) {
	t.Parallel()
	m := New(Options{})
	signIn(t, m, nil, testProfile("00ua"))
	tests := []struct {
		name   string
		cookie *http.Cookie
	}{
		{"no cookie", nil},
		{"empty", &http.Cookie{Name: CookieName, Value: ""}},
		{"unknown id", &http.Cookie{Name: CookieName, Value: strings.Repeat("A", idLen)}},
		{"too long", &http.Cookie{Name: CookieName, Value: strings.Repeat("A", 4000)}},
		{"other cookie", &http.Cookie{Name: "other", Value: strings.Repeat("A", idLen)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := current(t, m, tt.cookie); got != "" {
				t.Errorf("got %q, want signed out", got)
			}
			rec := httptest.NewRecorder()
			if u, err := m.SignOut(rec, request(tt.cookie)); u != (User{}) || err != nil {
				t.Errorf("SignOut: got %+v, %v; want the zero User, nil", u, err)
			}
		})
	}
}

func TestCurrentReturnsTheProfile(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(start)
	m := New(Options{Now: clock.Now})
	want := testProfile("00ua")
	want.UserInfoNote = "userinfo was down"
	want.SignedInAt = start.Add(-time.Second)
	c := signIn(t, m, nil, want)
	got, ok, err := m.Current(request(c))
	if err != nil || !ok {
		t.Fatalf("Current: got ok=%v err=%v, want the profile", ok, err)
	}
	p := profileOf(got)
	if !p.SignedInAt.Equal(want.SignedInAt) {
		t.Errorf("SignedInAt: got %v, want %v", p.SignedInAt, want.SignedInAt)
	}
	p.SignedInAt = want.SignedInAt // the store keeps the instant, not the location
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got %+v, want %+v", p, want)
	}
}

// countingStore counts the calls that write to the store.
type countingStore struct {
	Store
	mu      sync.Mutex
	touches int
	keys    []Key
	records []Record
}

func (s *countingStore) Touch(ctx context.Context, key Key, expires time.Time) error {
	s.mu.Lock()
	s.touches++
	s.mu.Unlock()
	return s.Store.Touch(ctx, key, expires)
}

func (s *countingStore) Add(ctx context.Context, key Key, rec Record, expires time.Time, maxPerUser int) error {
	s.mu.Lock()
	s.keys, s.records = append(s.keys, key), append(s.records, rec)
	s.mu.Unlock()
	return s.Store.Add(ctx, key, rec, expires, maxPerUser)
}

// TestIdleTimeoutAndLifetime moves a clock through a session's life:
// used every 20 seconds it writes to the store once a minute, it survives
// past the idle timeout while in use, ends after an idle timeout without
// use, and ends at its absolute lifetime however busy.
func TestIdleTimeoutAndLifetime(t *testing.T) {
	t.Parallel()
	const idle, lifetime = 10 * time.Minute, time.Hour
	newManager := func() (*Manager, *countingStore, *fakeclock.Clock) {
		clock := fakeclock.New(start)
		st := &countingStore{Store: NewMemoryStore(MemoryOptions{Now: clock.Now})}
		return New(Options{Store: st, Now: clock.Now, IdleTimeout: idle, Lifetime: lifetime}), st, clock
	}

	t.Run("in use, touched once a minute", func(t *testing.T) {
		m, st, clock := newManager()
		c := signIn(t, m, nil, testProfile("00ua"))
		for range 3 * 30 { // 30 minutes, every 20 s: three times the idle timeout
			clock.Advance(20 * time.Second)
			if got := current(t, m, c); got != "00ua" {
				t.Fatalf("at %v: got %q, want still signed in", clock.Now().Sub(start), got)
			}
		}
		if st.touches != 30 {
			t.Errorf("store touches in 30 minutes of use: got %d, want 30 (once a minute)", st.touches)
		}
	})

	t.Run("idle", func(t *testing.T) {
		m, _, clock := newManager()
		c := signIn(t, m, nil, testProfile("00ua"))
		clock.Advance(idle - time.Second)
		if got := current(t, m, c); got != "00ua" {
			t.Fatalf("just before the idle timeout: got %q, want signed in", got)
		}
		// That use moved the expiry to idle after it.
		clock.Advance(idle - time.Second)
		if got := current(t, m, c); got != "00ua" {
			t.Fatalf("after a use, just before the next idle timeout: got %q, want signed in", got)
		}
		clock.Advance(idle)
		if got := current(t, m, c); got != "" {
			t.Errorf("after an idle timeout without use: got %q, want signed out", got)
		}
	})

	t.Run("idle, up to a minute early", func(t *testing.T) {
		m, _, clock := newManager()
		c := signIn(t, m, nil, testProfile("00ua"))
		clock.Advance(30 * time.Second) // a use too soon after the last touch to write
		if got := current(t, m, c); got != "00ua" {
			t.Fatalf("got %q, want signed in", got)
		}
		clock.Advance(idle - 30*time.Second)
		if got := current(t, m, c); got != "" {
			t.Errorf("idle timeout after the last touch: got %q, want signed out", got)
		}
	})

	t.Run("absolute lifetime", func(t *testing.T) {
		m, _, clock := newManager()
		c := signIn(t, m, nil, testProfile("00ua"))
		for clock.Now().Before(start.Add(lifetime - time.Minute)) {
			clock.Advance(time.Minute)
			if got := current(t, m, c); got != "00ua" {
				t.Fatalf("at %v: got %q, want signed in", clock.Now().Sub(start), got)
			}
		}
		clock.Advance(time.Minute)
		if got := current(t, m, c); got != "" {
			t.Errorf("at the lifetime's end: got %q, want signed out", got)
		}
	})
}

// TestMaxSessionsPerUser: each sign-in beyond the limit ends the user's
// oldest session, by sign-in time, even when sign-ins are a millisecond
// apart or at the same instant; other users keep theirs.
func TestMaxSessionsPerUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		step time.Duration // between sign-ins
	}{
		{"a second apart", time.Second},
		{"a millisecond apart", time.Millisecond},
		{"at the same instant", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := fakeclock.New(start)
			m := New(Options{Now: clock.Now})
			other := signIn(t, m, nil, testProfile("00uother"))
			var cookies []*http.Cookie
			for range 12 {
				clock.Advance(tt.step)
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
			if got := current(t, m, other); got != "00uother" {
				t.Errorf("another user's session: got %q, want still signed in", got)
			}
		})
	}
}

func TestSignInAtAnEarlierTimeEndsFirst(t *testing.T) {
	t.Parallel()
	// Replicas' clocks differ: order is by the sign-in time recorded, not
	// by arrival.
	m := New(Options{MaxSessionsPerUser: 2})
	late := testProfile("00ua")
	late.SignedInAt = start.Add(time.Minute)
	early := testProfile("00ua")
	early.SignedInAt = start
	cLate := signIn(t, m, nil, late)
	cEarly := signIn(t, m, nil, early)
	newest := testProfile("00ua")
	newest.SignedInAt = start.Add(2 * time.Minute)
	cNewest := signIn(t, m, nil, newest)
	for _, tt := range []struct {
		name   string
		cookie *http.Cookie
		want   string
	}{{"early", cEarly, ""}, {"late", cLate, "00ua"}, {"newest", cNewest, "00ua"}} {
		if got := current(t, m, tt.cookie); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestEndBySubjectAndSID(t *testing.T) {
	t.Parallel()
	m := New(Options{})
	ctx := context.Background()
	a1 := signIn(t, m, nil, testProfile("00ua"))
	a2p := testProfile("00ua")
	a2p.SID = "sid-second"
	a2 := signIn(t, m, nil, a2p)
	b := signIn(t, m, nil, testProfile("00ub"))

	if n, err := m.EndBySID(ctx, "sid-second"); n != 1 || err != nil {
		t.Errorf("EndBySID: got %d, %v; want 1, nil", n, err)
	}
	if got := current(t, m, a2); got != "" {
		t.Errorf("the session of the ended sid: got %q, want signed out", got)
	}
	if got := current(t, m, a1); got != "00ua" {
		t.Errorf("the same user's other sid: got %q, want still signed in", got)
	}
	if n, err := m.EndBySID(ctx, "no-such-sid"); n != 0 || err != nil {
		t.Errorf("EndBySID of an unknown sid: got %d, %v; want 0, nil", n, err)
	}
	if n, err := m.EndBySID(ctx, ""); n != 0 || err != nil {
		t.Errorf(`EndBySID(""): got %d, %v; want 0, nil`, n, err)
	}

	a3 := signIn(t, m, nil, testProfile("00ua"))
	if n, err := m.EndBySubject(ctx, "00ua"); n != 2 || err != nil {
		t.Errorf("EndBySubject: got %d, %v; want 2, nil", n, err)
	}
	for _, c := range []*http.Cookie{a1, a3} {
		if got := current(t, m, c); got != "" {
			t.Errorf("a session of the ended user: got %q, want signed out", got)
		}
	}
	if got := current(t, m, b); got != "00ub" {
		t.Errorf("another user: got %q, want still signed in", got)
	}
}

// TestStoreNeverSeesTheID: what reaches the store cannot be replayed as a
// cookie.
func TestStoreNeverSeesTheID(t *testing.T) {
	t.Parallel()
	st := &countingStore{Store: NewMemoryStore(MemoryOptions{})}
	m := New(Options{Store: st})
	c := signIn(t, m, nil, testProfile("00ua"))
	if len(st.keys) != 1 {
		t.Fatalf("Adds: got %d, want 1", len(st.keys))
	}
	rec := st.records[0]
	for _, s := range []string{st.keys[0].String(), string(st.keys[0][:]), rec.Subject, rec.SID, rec.Data} {
		if strings.Contains(s, c.Value) {
			t.Errorf("the store received the session id in %q", s)
		}
	}
}

// failingStore fails every call.
type failingStore struct{}

var errDown = fmt.Errorf("store is down")

func (failingStore) Get(context.Context, Key) (Record, time.Time, error) {
	return Record{}, time.Time{}, errDown
}
func (failingStore) Add(context.Context, Key, Record, time.Time, int) error { return errDown }
func (failingStore) Touch(context.Context, Key, time.Time) error            { return errDown }
func (failingStore) Update(context.Context, Key, string) error              { return errDown }
func (failingStore) Delete(context.Context, Key) error                      { return errDown }
func (failingStore) DeleteBySubject(context.Context, string) (int, error)   { return 0, errDown }
func (failingStore) DeleteBySID(context.Context, string) (int, error)       { return 0, errDown }

func TestStoreErrorsReachTheCaller(t *testing.T) {
	t.Parallel()
	m := New(Options{Store: failingStore{}})
	c := &http.Cookie{Name: CookieName, Value: strings.Repeat("A", idLen)}
	if _, _, err := m.Current(request(c)); err == nil {
		t.Error("Current: got no error, want the store's")
	}
	rec := httptest.NewRecorder()
	if err := m.SignIn(rec, request(nil), testProfile("00ua")); err == nil {
		t.Error("SignIn: got no error, want the store's")
	}
	if len(rec.Result().Cookies()) != 0 {
		t.Errorf("SignIn that failed set cookies %v, want none", rec.Result().Cookies())
	}
	if _, err := m.SignOut(httptest.NewRecorder(), request(c)); err == nil {
		t.Error("SignOut: got no error, want the store's")
	}
	if _, err := m.EndBySubject(context.Background(), "00ua"); err == nil {
		t.Error("EndBySubject: got no error, want the store's")
	}
	if _, err := m.EndBySID(context.Background(), "sid"); err == nil {
		t.Error("EndBySID: got no error, want the store's")
	}
}

func TestUnreadableProfileIsAnError(t *testing.T) {
	t.Parallel()
	st := NewMemoryStore(MemoryOptions{})
	m := New(Options{Store: st})
	c := signIn(t, m, nil, testProfile("00ua"))
	// Overwrite the session with data this version cannot read, as an
	// older or newer replica sharing the store might have written.
	rec := Record{Subject: "00ua", SignedIn: start, Deadline: time.Now().Add(time.Hour), Data: "\x09garbage"}
	if err := st.Add(context.Background(), keyOf(c.Value), rec, time.Now().Add(time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := m.Current(request(c)); err == nil || ok {
		t.Errorf("Current: got ok=%v err=%v, want an error", ok, err)
	}
	// Signing out still ends it.
	if _, err := m.SignOut(httptest.NewRecorder(), request(c)); err != nil {
		t.Errorf("SignOut: %v", err)
	}
	if st.Len() != 0 {
		t.Errorf("sessions after SignOut: got %d, want 0", st.Len())
	}
}

func TestIDFromCookieHeader(t *testing.T) {
	t.Parallel()
	id, id2 := strings.Repeat("A", idLen), strings.Repeat("B", idLen)
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"alone", []string{CookieName + "=" + id}, id},
		{"among others", []string{"a=1; " + CookieName + "=" + id + "; b=2"}, id},
		{"without spaces", []string{"a=1;" + CookieName + "=" + id + ";b=2"}, id},
		{"on a second header line", []string{"a=1", CookieName + "=" + id}, id},
		{"the first of two wins, as with r.Cookie", []string{CookieName + "=" + id2 + "; " + CookieName + "=" + id}, id2},
		{"a longer name", []string{"x" + CookieName + "=" + id}, ""},
		{"quoted", []string{CookieName + `="` + id + `"`}, ""},
		{"too short", []string{CookieName + "=" + id[1:]}, ""},
		{"no value", []string{CookieName}, ""},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header["Cookie"] = tt.lines
			if got := idFrom(r, CookieName); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
