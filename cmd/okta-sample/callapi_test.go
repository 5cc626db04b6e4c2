package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/okta-samples/okta-go-sample/internal/redistest"
	"github.com/okta-samples/okta-go-sample/session"
)

const pathCallAPI = "/authorization-code/call-api"

// callAPI presses the profile's "Call the API" button.
func (b *browser) callAPI(a *runningApp) page {
	b.t.Helper()
	return b.postForm(a.URL+pathCallAPI, url.Values{}, nil)
}

// refreshes counts the refresh grants the development provider answered.
func refreshes(a *runningApp) int {
	return strings.Count(a.Logs.String(), `msg="tokens refreshed" component=devprovider`)
}

// signedIn logs alice in through the hosted page and checks the profile.
func signedIn(t *testing.T, a *runningApp) *browser {
	t.Helper()
	b := newBrowser(t)
	if p := b.login(a, "alice@example.com", "Alice-demo-1"); !strings.Contains(p.Body, `id="call-api-button"`) {
		t.Fatalf("the profile has no Call the API button: %d\n%s", p.Status, p.Body)
	}
	return b
}

// wantMessages checks an API page that lists the messages and shows the
// token's claims, and never the token.
func wantMessages(t *testing.T, a *runningApp, p page) {
	t.Helper()
	if p.Status != 200 || !strings.Contains(p.Body, `id="api-messages"`) || !strings.Contains(p.Body, "I am a robot.") {
		t.Fatalf("got %d, want the messages:\n%s", p.Status, p.Body)
	}
	for _, claim := range []string{"cid", "scp", "aud", "uid"} {
		if !strings.Contains(p.Body, `id="token-claim-`+claim+`"`) {
			t.Errorf("the page does not show the token's %s claim", claim)
		}
	}
	if strings.Contains(p.Body, "eyJ") {
		t.Error("the page holds something that looks like a JWT")
	}
}

// TestCallTheAPI: the profile's button calls /api/messages with the
// session's access token and shows the messages and the token's claims.
// With a long-lived token nothing is refreshed.
func TestCallTheAPI(t *testing.T) {
	a := startApp(t, nil)
	b := signedIn(t, a)
	p := b.callAPI(a)
	wantMessages(t, a, p)
	if strings.Contains(p.Body, `id="api-refreshed"`) || refreshes(a) != 0 {
		t.Errorf("a fresh access token was refreshed (%d refreshes)", refreshes(a))
	}
	if !strings.Contains(p.Body, `0oa-okta-go-sample-dev`) {
		t.Error("the page does not show the token's cid, the app's client")
	}
}

// TestCallTheAPIRefreshes: an access token that expires within the
// leeway (60 s against 5 min) is refreshed before the call, which works;
// each call refreshes once.
func TestCallTheAPIRefreshes(t *testing.T) {
	a := startApp(t, nil, "-dev-access-token-ttl", "60s")
	b := signedIn(t, a)
	for i := 1; i <= 2; i++ {
		p := b.callAPI(a)
		wantMessages(t, a, p)
		if !strings.Contains(p.Body, `id="api-refreshed"`) {
			t.Errorf("call %d: the page does not say the token was refreshed", i)
		}
		if got := refreshes(a); got != i {
			t.Errorf("after call %d: got %d refreshes at the provider, want %d", i, got, i)
		}
	}
	if p := b.get(a.URL + "/authorization-code/profile"); p.Status != 200 {
		t.Errorf("the profile after the refreshes: got %d, want 200", p.Status)
	}
}

// TestConcurrentCallsRefreshOnce: calls of one session at once, all with
// an access token due for a refresh, never spend one refresh token twice
// (the provider would take the second use for theft and revoke
// everything, so a later call would fail), and all list the messages.
//
// How many refreshes that takes depends on timing, not on the app: calls
// that overlap share one refresh, but a call that reads the session after
// another stored its new tokens refreshes again, since the dev provider's
// 60 s tokens are always within the 5-minute leeway. So this checks the
// outcome a user sees; session's TestConcurrentRefreshes, with a fake
// renewal, shows that overlapping requests make exactly one.
func TestConcurrentCallsRefreshOnce(t *testing.T) {
	a := startApp(t, nil, "-dev-access-token-ttl", "60s")
	b := signedIn(t, a)
	var wg sync.WaitGroup
	pages := make([]page, 4)
	start := make(chan struct{})
	for i := range pages {
		wg.Go(func() {
			<-start
			if err := runWorker(func(ft fataler) {
				wb := &browser{t: ft, jar: b.jar, client: b.client}
				pages[i] = wb.postForm(a.URL+pathCallAPI, url.Values{}, nil)
			}); err != nil {
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	for i, p := range pages {
		if p.Status != 200 || !strings.Contains(p.Body, "I am a robot.") {
			t.Errorf("call %d: got %d, want the messages:\n%s", i, p.Status, p.Body)
		}
	}
	if got := refreshes(a); got < 1 || got > len(pages) {
		t.Errorf("got %d refreshes at the provider, want 1 to %d", got, len(pages))
	} else {
		t.Logf("%d calls at once made %d refresh(es)", len(pages), got)
	}
	if strings.Contains(a.Logs.String(), "refresh token reused") {
		t.Error("the provider saw a refresh token reused")
	}
	// One more call still works: the chain was never revoked.
	wantMessages(t, a, b.callAPI(a))
}

// TestReusedRefreshTokenEndsTheSession: a session whose stored tokens go
// back to an older state (a stale copy restored in Redis) refreshes with
// a refresh token the provider already rotated away. The provider takes
// that for a stolen token and revokes the whole chain; the app ends the
// session and says why.
func TestReusedRefreshTokenEndsTheSession(t *testing.T) {
	redis := redistest.New(t)
	a := startApp(t, map[string]string{"OKTA_SAMPLE_REDIS_URL": redis.URL(), "OKTA_SAMPLE_COOKIE_KEYS": newCookieKey()},
		"-dev-access-token-ttl", "60s")
	b := signedIn(t, a)
	id, err := b.cookie(a.URL, session.CookieName)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(id))
	key := session.DefaultRedisPrefix + "session:" + base64.RawURLEncoding.EncodeToString(sum[:])
	client, err := session.NewRedisClient(redis.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	stale, err := client.HGet(ctx, key, "data").Result()
	if err != nil {
		t.Fatalf("reading the session in Redis: %v", err)
	}

	wantMessages(t, a, b.callAPI(a)) // refresh token 1 → 2
	if err := client.HSet(ctx, key, "data", stale).Err(); err != nil {
		t.Fatal(err)
	}
	p := b.callAPI(a) // refresh token 1 again
	if p.Status != 401 || !strings.Contains(p.Body, "Your session has ended") || !strings.Contains(p.Body, "invalid_grant") {
		t.Fatalf("got %d, want 401 saying the session has ended:\n%s", p.Status, p.Body)
	}
	if !strings.Contains(a.Logs.String(), "refresh token reused: the chain and its access tokens are revoked") {
		t.Error("the provider did not revoke the chain")
	}
	if n, err := client.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Errorf("the session is still in Redis (%d, %v)", n, err)
	}
	if p := b.get(a.URL + "/authorization-code/profile"); p.Status != 302 || !strings.Contains(p.Header.Get("Location"), "/authorization-code/login") {
		t.Errorf("the profile after the session ended: got %d to %q, want a redirect to the login", p.Status, p.Header.Get("Location"))
	}
}

// TestExpiredWithoutRefreshToken: without offline_access there is no
// refresh token; an access token due for a refresh is not used, and the
// page says to sign in again.
func TestExpiredWithoutRefreshToken(t *testing.T) {
	a := startApp(t, map[string]string{"OKTA_SAMPLE_SCOPES": "openid profile email"}, "-dev-access-token-ttl", "60s")
	b := signedIn(t, a)
	p := b.callAPI(a)
	if p.Status != 401 || !strings.Contains(p.Body, "no refresh token") {
		t.Errorf("got %d, want 401 saying there is no refresh token:\n%s", p.Status, p.Body)
	}
	if refreshes(a) != 0 {
		t.Error("a refresh without a refresh token")
	}
}
