package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
)

// renewal is a fake provider's refresh: each call hands out the next
// tokens and counts itself.
type renewal struct {
	calls atomic.Int32
	err   error
	now   func() time.Time
}

func (rn *renewal) renew(_ context.Context, t Tokens) (Tokens, error) {
	n := rn.calls.Add(1)
	if rn.err != nil {
		return Tokens{}, rn.err
	}
	return Tokens{
		AccessToken:       fmt.Sprintf("access-%d-after-%s", n, t.AccessToken),
		RefreshToken:      fmt.Sprintf("refresh-%d", n),
		AccessTokenExpiry: rn.now().Add(time.Hour).Truncate(time.Second),
	}, nil
}

// tokensOf returns the tokens of the session of cookie.
func tokensOf(t *testing.T, m *Manager, cookie *http.Cookie) Tokens {
	t.Helper()
	u, ok, err := m.Current(request(cookie))
	if err != nil || !ok {
		t.Fatalf("Current: %v, signed in %t", err, ok)
	}
	return u.Tokens()
}

// TestRefreshTokens: the renewed tokens replace the old ones and nothing
// else; a caller that saw tokens already renewed gets them without a
// renewal; a failed renewal changes nothing; a gone session says so.
func TestRefreshTokens(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st Store, clock *fakeclock.Clock, _ storeKind) {
		m := New(Options{Store: st, Now: clock.Now})
		p := testProfile("00ua")
		p.RefreshToken, p.AccessTokenExpiry = "refresh-0", start.Add(time.Minute)
		cookie := signIn(t, m, nil, p)
		before, _, err := m.Current(request(cookie))
		if err != nil {
			t.Fatal(err)
		}
		rn := &renewal{now: clock.Now}
		ctx := context.Background()

		got, err := m.RefreshTokens(ctx, request(cookie), p.AccessToken, rn.renew)
		if err != nil {
			t.Fatalf("RefreshTokens: %v", err)
		}
		want := Tokens{AccessToken: "access-1-after-" + p.AccessToken, RefreshToken: "refresh-1", AccessTokenExpiry: start.Add(time.Hour)}
		if !got.Equal(want) || !tokensOf(t, m, cookie).Equal(want) {
			t.Errorf("got %+v, stored %+v; want %+v", got, tokensOf(t, m, cookie), want)
		}
		after, _, err := m.Current(request(cookie))
		if err != nil {
			t.Fatal(err)
		}
		if after.Subject() != before.Subject() || after.IDToken() != before.IDToken() || after.SID() != before.SID() ||
			!reflect.DeepEqual(after.AppendClaims(nil), before.AppendClaims(nil)) {
			t.Errorf("the refresh changed more than the tokens: %+v, was %+v", after, before)
		}

		// A caller that found the first access token too old, after the
		// renewal: no second renewal.
		if again, err := m.RefreshTokens(ctx, request(cookie), p.AccessToken, rn.renew); err != nil || !again.Equal(want) {
			t.Errorf("with stale tokens seen: got %+v, %v; want %+v", again, err, want)
		}
		if n := rn.calls.Load(); n != 1 {
			t.Errorf("got %d renewals, want 1", n)
		}

		failing := &renewal{now: clock.Now, err: errors.New("invalid_grant")}
		if _, err := m.RefreshTokens(ctx, request(cookie), want.AccessToken, failing.renew); err != failing.err {
			t.Errorf("a failed renewal: got %v, want its error", err)
		}
		if !tokensOf(t, m, cookie).Equal(want) {
			t.Error("a failed renewal changed the tokens")
		}

		if _, err := m.RefreshTokens(ctx, request(nil), "x", rn.renew); !errors.Is(err, ErrNoSession) {
			t.Errorf("without a session: got %v, want ErrNoSession", err)
		}
		clock.Advance(DefaultIdleTimeout + time.Second)
		if _, err := m.RefreshTokens(ctx, request(cookie), want.AccessToken, rn.renew); !errors.Is(err, ErrNoSession) {
			t.Errorf("an expired session: got %v, want ErrNoSession", err)
		}
	})
}

// TestRefreshTokensEndedMeanwhile: a session signed out while its tokens
// were being renewed stays signed out, and the new tokens are dropped.
func TestRefreshTokensEndedMeanwhile(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st Store, clock *fakeclock.Clock, _ storeKind) {
		m := New(Options{Store: st, Now: clock.Now})
		p := testProfile("00ua")
		cookie := signIn(t, m, nil, p)
		_, err := m.RefreshTokens(context.Background(), request(cookie), p.AccessToken, func(ctx context.Context, t Tokens) (Tokens, error) {
			if _, err := m.SignOut(httptestRecorder(), request(cookie)); err != nil {
				return Tokens{}, err
			}
			return Tokens{AccessToken: "new"}, nil
		})
		if !errors.Is(err, ErrNoSession) {
			t.Errorf("got %v, want ErrNoSession", err)
		}
		if got := current(t, m, cookie); got != "" {
			t.Errorf("the session came back for %q", got)
		}
	})
}

// TestConcurrentRefreshes: many requests of one session that all found
// the same access token too old make exactly one renewal, in one process
// and across replicas that share Redis (each replica its own Manager),
// and all get the renewed tokens.
func TestConcurrentRefreshes(t *testing.T) {
	t.Parallel()
	kinds := storeKinds(t)
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			clock := fakeclock.New(start)
			st := kind.open(t, clock.Now)
			managers := []*Manager{New(Options{Store: st, Now: clock.Now})}
			if _, shared := st.(Locker); shared {
				// Three replicas: the in-process mutex of each cannot see
				// the others; only the store's lock serializes them.
				managers = append(managers, New(Options{Store: st, Now: clock.Now}), New(Options{Store: st, Now: clock.Now}))
			}
			p := testProfile("00ua")
			p.RefreshToken = "refresh-0"
			cookie := signIn(t, managers[0], nil, p)
			rn := &renewal{now: clock.Now}
			results := make([]Tokens, 24)
			var wg sync.WaitGroup
			for i := range results {
				m := managers[i%len(managers)]
				wg.Go(func() {
					got, err := m.RefreshTokens(context.Background(), request(cookie), p.AccessToken, rn.renew)
					if err != nil {
						t.Errorf("RefreshTokens: %v", err)
					}
					results[i] = got
				})
			}
			wg.Wait()
			if n := rn.calls.Load(); n != 1 {
				t.Errorf("%d concurrent refreshes over %d replica(s): got %d renewals, want 1", len(results), len(managers), n)
			}
			for i, r := range results {
				if !r.Equal(results[0]) || r.AccessToken == p.AccessToken {
					t.Errorf("request %d got %+v, want the one renewal %+v", i, r, results[0])
				}
			}
		})
	}
}

// TestExpiresWithin: when a token is due for a refresh.
func TestExpiresWithin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		expiry time.Time
		want   bool
	}{
		{"unknown expiry", time.Time{}, false},
		{"expired", start.Add(-time.Second), true},
		{"within the margin", start.Add(4 * time.Minute), true},
		{"at the margin", start.Add(5 * time.Minute), true},
		{"beyond it", start.Add(5*time.Minute + time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Tokens{AccessTokenExpiry: tt.expiry}).ExpiresWithin(start, 5*time.Minute); got != tt.want {
				t.Errorf("got %t, want %t", got, tt.want)
			}
		})
	}
}

func httptestRecorder() http.ResponseWriter { return httptest.NewRecorder() }

// TestReportSurvivesARefresh: the login report decodes the access token's
// parts from the token the session keeps; after a refresh replaced that
// token, the report still shows the login's token, not the new one, and a
// version 3 profile (before the expiry was kept) is renewed into the
// current version.
func TestReportSurvivesARefresh(t *testing.T) {
	t.Parallel()
	idToken := testJWT(testIDHeader, testIDPayload)
	loginAT := testJWT(`{"alg":"RS256","kid":"MSADMILGTEIECJYVKPBR24LGPC","typ":"at+jwt"}`, testATPayload)
	rep := testReport(idToken)
	rep.AccessTokenHeader, rep.AccessTokenPayload, rep.AccessTokenSignature, _ = tokenParts(loginAT)
	p := testProfile("00u1")
	p.IDToken, p.AccessToken, p.RefreshToken, p.Report = idToken, loginAT, "rt-1", rep
	renewed := Tokens{AccessToken: testJWT(`{"alg":"RS256"}`, `{"sub":"alice@example.com","jti":"AT.NEW"}`), RefreshToken: "rt-2",
		AccessTokenExpiry: time.Unix(1900000000, 0).UTC()}
	current := encodeProfile(p)
	// Version 3 is the same without the expiry, here the one byte 0 after
	// the version and the seven strings.
	d := decoder{data: current}
	d.byte()
	for range 7 {
		d.string()
	}
	v3 := "\x03" + current[1:d.off] + current[d.off+1:]
	for _, tt := range []struct{ name, data string }{
		{"current version", current},
		{"version 3", v3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data, err := withTokens(tt.data, renewed)
			if err != nil {
				t.Fatal(err)
			}
			u, err := parseUser(data, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if !u.Tokens().Equal(renewed) {
				t.Errorf("tokens: got %+v, want %+v", u.Tokens(), renewed)
			}
			got, err := u.Report()
			if err != nil || !reflect.DeepEqual(got, rep) {
				t.Errorf("Report after the refresh: got %+v, %v; want the login's %+v", got, err, rep)
			}
			if !reflect.DeepEqual(u.AppendClaims(nil), p.Claims) || u.IDToken() != idToken {
				t.Error("the refresh changed the claims or the id_token")
			}
		})
	}
}
