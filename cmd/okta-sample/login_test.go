package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
	"github.com/okta-samples/okta-go-sample/session"
)

const (
	aliceLogin, alicePassword = "alice@example.com", "Alice-demo-1"
	bobLogin, bobPassword     = "bob@example.com", "Bob-demo-1"
)

// isCallback stops a redirect chain at the app's callback.
func isCallback(u *url.URL) bool { return u.Path == "/authorization-code/callback" }

func wantProfile(t *testing.T, p page, email string) {
	t.Helper()
	if p.Status != http.StatusOK || p.URL.Path != "/authorization-code/profile" {
		t.Fatalf("ended on %d %s, want 200 on the profile; body:\n%s", p.Status, p.URL.Path, p.Body)
	}
	got, err := claim(p.Body, "email")
	if err != nil || got != email {
		t.Fatalf("claim-email: got %q (%v), want %q", got, err, email)
	}
}

func wantLoggedOut(t *testing.T, b *browser, a *runningApp) {
	t.Helper()
	p := b.get(a.URL + "/authorization-code/profile")
	if p.Status != http.StatusFound || !strings.HasPrefix(p.Header.Get("Location"), "/authorization-code/login") {
		t.Fatalf("profile: got %d to %q, want 302 to the login route", p.Status, p.Header.Get("Location"))
	}
}

func TestLoginProfileLogout(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	b := newBrowser(t)

	// Logged out, the profile sends the browser to log in and remembers it.
	p := b.get(a.URL + "/authorization-code/profile")
	if got, want := p.Header.Get("Location"), "/authorization-code/login?return_to=%2Fauthorization-code%2Fprofile"; p.Status != http.StatusFound || got != want {
		t.Fatalf("profile logged out: got %d to %q, want 302 to %q", p.Status, got, want)
	}

	// The login goes to the provider's hosted page, on the provider's origin.
	p = b.follow(a.URL+"/authorization-code/login", nil)
	if !strings.HasPrefix(p.URL.String(), a.Issuer) {
		t.Fatalf("sign-in page at %s, want under %s", p.URL.Redacted(), a.Issuer)
	}
	// A wrong password shows an error and makes no session.
	// The provider answers with a redirect to its page (Post/Redirect/Get),
	// so that a reload does not post the password again.
	posted := b.submitSignIn(p, aliceLogin, "wrong-password")
	if posted.Status != http.StatusSeeOther {
		t.Fatalf("wrong password: got %d, want 303 to the sign-in page", posted.Status)
	}
	bad := b.followFrom(posted, nil)
	if bad.Status != http.StatusOK || !strings.HasPrefix(bad.URL.String(), a.Issuer) || !strings.Contains(bad.Body, `id="login-error"`) {
		t.Fatalf("wrong password: got %d at %s, want the provider's sign-in page with the error shown", bad.Status, bad.URL.Redacted())
	}
	wantLoggedOut(t, b, a)

	p = b.followFrom(b.submitSignIn(bad, aliceLogin, alicePassword), nil)
	wantProfile(t, p, aliceLogin)
	for _, c := range []string{"sub", "name", "given_name", "family_name", "preferred_username", "locale", "nonce", "iss", "aud"} {
		if _, err := claim(p.Body, c); err != nil {
			t.Errorf("profile: %v", err)
		}
	}
	if strings.Count(p.Body, `id="claim-email"`) != 1 {
		t.Errorf("claim-email appears %d times, want once", strings.Count(p.Body, `id="claim-email"`))
	}
	if !strings.Contains(p.Body, "ID token and userinfo") {
		t.Error("profile does not say that a claim came from both the ID token and userinfo")
	}
	if !strings.Contains(p.Body, `<form id="logout-form" method="post"`) {
		t.Error("profile has no logout form")
	}

	// The session cookie holds only an id, and is HttpOnly and SameSite=Lax.
	sessionID, err := b.cookie(a.URL, session.CookieName)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.Body, sessionID) {
		t.Error("the profile page shows the session id")
	}

	// GET on logout changes nothing.
	if p := b.get(a.URL + "/authorization-code/logout"); p.Status != http.StatusOK {
		t.Fatalf("GET logout: got %d, want 200 confirm page", p.Status)
	}
	wantProfile(t, b.get(a.URL+"/authorization-code/profile"), aliceLogin)

	// Logout ends the app session, then the provider's, and comes back to /.
	out := b.postForm(a.URL+"/authorization-code/logout", nil, nil)
	loc, err := url.Parse(out.Header.Get("Location"))
	if err != nil || out.Status != http.StatusFound || !strings.HasPrefix(loc.String(), a.Issuer+"/v1/logout") {
		t.Fatalf("logout: got %d to %q, want 302 to the provider's end_session_endpoint", out.Status, out.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("id_token_hint") == "" || q.Get("post_logout_redirect_uri") != a.URL+"/" || q.Get("state") == "" {
		t.Errorf("end-session parameters: got %v, want id_token_hint, post_logout_redirect_uri=%s/ and state", q, a.URL)
	}
	home := b.followFrom(out, nil)
	if home.Status != http.StatusOK || home.URL.String() != a.URL+"/" || !strings.Contains(home.Body, "You are signed out") {
		t.Fatalf("after logout: got %d at %s, want 200 on the overview, at a clean URL, saying you are signed out", home.Status, home.URL.Redacted())
	}
	if again := b.get(a.URL + "/"); strings.Contains(again.Body, "You are signed out") {
		t.Error("the overview says you are signed out again on the next visit; want it once")
	}
	wantLoggedOut(t, b, a)

	// The provider's session ended too: the next login asks for the password.
	p = b.follow(a.URL+"/authorization-code/login", nil)
	if !strings.Contains(p.Body, `id="okta-signin-username"`) {
		t.Fatalf("login after logout: got %d at %s, want the provider's sign-in form", p.Status, p.URL.Redacted())
	}
}

func TestSecondLoginIsSSO(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	b := newBrowser(t)
	wantProfile(t, b.login(a, aliceLogin, alicePassword), aliceLogin)

	// A fresh app session in the same browser (the app cookie dropped,
	// the provider's kept) signs in without the form.
	fresh := newBrowser(t)
	issuer, err := url.Parse(a.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	fresh.jar.SetCookies(issuer, b.jar.Cookies(issuer))
	p := fresh.follow(a.URL+"/authorization-code/login", nil)
	wantProfile(t, p, aliceLogin)
}

func TestInterleavedLoginsInOneBrowser(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	b := newBrowser(t)

	// Two tabs start a login each before either finishes.
	first := b.get(a.URL + "/authorization-code/login")
	second := b.get(a.URL + "/authorization-code/login")
	if first.Status != http.StatusFound || second.Status != http.StatusFound {
		t.Fatalf("login starts: got %d and %d, want 302", first.Status, second.Status)
	}
	// The second finishes first, with the password; the first then
	// finishes by SSO. Both land on the profile.
	p := b.followFrom(second, nil)
	p = b.followFrom(b.submitSignIn(p, aliceLogin, alicePassword), nil)
	wantProfile(t, p, aliceLogin)
	wantProfile(t, b.followFrom(first, nil), aliceLogin)
}

func TestParallelLoginsInSeparateBrowsers(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		user, pass := aliceLogin, alicePassword
		if i%2 == 1 {
			user, pass = bobLogin, bobPassword
		}
		wg.Go(func() {
			errs <- runWorker(func(t fataler) {
				p := newBrowser(t).login(a, user, pass)
				got, err := claim(p.Body, "email")
				if err != nil || got != user {
					t.Fatalf("login %d as %s ended as %q (%v) on %d %s", i, user, got, err, p.Status, p.URL.Path)
				}
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// captureCallback runs a login and stops before the callback, returning
// its URL, so a test can deliver it as it likes.
func captureCallback(t *testing.T, b *browser, a *runningApp, username, password string) string {
	t.Helper()
	p := b.follow(a.URL+"/authorization-code/login", isCallback)
	if p.Status != 0 {
		p = b.followFrom(b.submitSignIn(p, username, password), isCallback)
	}
	if p.Status != 0 {
		t.Fatalf("login did not reach the callback; ended on %d %s", p.Status, p.URL.Redacted())
	}
	return p.URL.String()
}

func TestReplayedCallbackIsRejected(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	b := newBrowser(t)
	cb := captureCallback(t, b, a, aliceLogin, alicePassword)

	first := b.get(cb)
	if first.Status != http.StatusFound || first.Header.Get("Location") != "/authorization-code/profile" {
		t.Fatalf("callback: got %d to %q, want 302 to the clean profile URL", first.Status, first.Header.Get("Location"))
	}
	replay := b.get(cb)
	if replay.Status != http.StatusUnauthorized {
		t.Fatalf("replayed callback: got %d, want 401", replay.Status)
	}
	if !strings.Contains(replay.Body, "already used") {
		t.Errorf("replay page does not explain; body:\n%s", replay.Body)
	}
}

func TestWrongStateIsRejected(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	b := newBrowser(t)
	cb := captureCallback(t, b, a, aliceLogin, alicePassword)

	u, err := url.Parse(cb)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	good := q.Get("state")
	for _, state := range []string{"", "x", strings.Repeat("A", 43), good[:42] + "_"} {
		q.Set("state", state)
		u.RawQuery = q.Encode()
		if p := b.get(u.String()); p.Status != http.StatusUnauthorized {
			t.Errorf("state %q: got %d, want 401", state, p.Status)
		}
	}
	wantLoggedOut(t, b, a)
	// The wrong states consumed nothing: the real callback still works.
	wantProfile(t, b.follow(cb, nil), aliceLogin)
}

func TestSessionFixation(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	appURL, err := url.Parse(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The attacker signs in as bob and gets a session id that is live in
	// the store, then plants it in the victim's browser.
	attacker := newBrowser(t)
	wantProfile(t, attacker.login(a, bobLogin, bobPassword), bobLogin)
	planted, err := attacker.cookie(a.URL, session.CookieName)
	if err != nil {
		t.Fatal(err)
	}
	victim := newBrowser(t)
	victim.jar.SetCookies(appURL, []*http.Cookie{{Name: session.CookieName, Value: planted, Path: "/"}})

	// The victim signs in as alice in that browser.
	wantProfile(t, victim.login(a, aliceLogin, alicePassword), aliceLogin)
	got, err := victim.cookie(a.URL, session.CookieName)
	if err != nil {
		t.Fatal(err)
	}
	if got == planted {
		t.Fatal("the session id after login is the planted one")
	}
	// The attacker's id must not now carry alice's session.
	p := attacker.get(a.URL + "/authorization-code/profile")
	if email, _ := claim(p.Body, "email"); email == aliceLogin {
		t.Fatal("the planted session id shows the victim's profile")
	}
	wantLoggedOut(t, attacker, a)
}

func TestOldCookieAfterLogout(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	b := newBrowser(t)
	wantProfile(t, b.login(a, aliceLogin, alicePassword), aliceLogin)
	old, err := b.cookie(a.URL, session.CookieName)
	if err != nil {
		t.Fatal(err)
	}
	if p := b.postForm(a.URL+"/authorization-code/logout", nil, nil); p.Status != http.StatusFound {
		t.Fatalf("logout: got %d, want 302", p.Status)
	}
	thief := newBrowser(t)
	appURL, err := url.Parse(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	thief.jar.SetCookies(appURL, []*http.Cookie{{Name: session.CookieName, Value: old, Path: "/"}})
	wantLoggedOut(t, thief, a)
}

func TestLogoutFromAnotherOriginIsRefused(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	b := newBrowser(t)
	wantProfile(t, b.login(a, aliceLogin, alicePassword), aliceLogin)
	p := b.postForm(a.URL+"/authorization-code/logout", nil, http.Header{
		"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"},
	})
	if p.Status != http.StatusForbidden {
		t.Fatalf("cross-origin logout: got %d, want 403", p.Status)
	}
	wantProfile(t, b.get(a.URL+"/authorization-code/profile"), aliceLogin)
}

func TestProviderAccessDenied(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	b := newBrowser(t)
	start := b.get(a.URL + "/authorization-code/login")
	loc, err := url.Parse(start.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	cb := url.Values{
		"error":             {"access_denied"},
		"error_description": {"User is not assigned to the client application."},
		"state":             {loc.Query().Get("state")},
		"iss":               {a.Issuer},
	}
	p := b.get(a.URL + "/authorization-code/callback?" + cb.Encode())
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "access_denied") {
		t.Fatalf("access_denied: got %d, want 401 with a page naming access_denied; body:\n%s", p.Status, p.Body)
	}
	wantLoggedOut(t, b, a)
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startWithFaultyTokenEndpoint starts a development provider whose token
// endpoint is replaced by fault, and the app pointed at it with timeout as
// its provider timeout.
func startWithFaultyTokenEndpoint(t *testing.T, fault http.HandlerFunc, timeout string) *runningApp {
	t.Helper()
	// The provider registers the redirect URI, on the app's port: each
	// attempt of startOnPort gets a provider of its own.
	return startOnPort(t, func(port int) (*runningApp, error) {
		redirect := fmt.Sprintf("http://localhost:%d/authorization-code/callback", port)
		var h http.Handler
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/v1/token") {
				fault(w, r)
				return
			}
			h.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		issuer := srv.URL + "/oauth2/default"
		dp, err := devprovider.New(devprovider.Config{
			Issuer:        issuer,
			Clients:       []devprovider.Client{{ID: "0oa-test", Secret: "test-secret-value", RedirectURIs: []string{redirect}}},
			NewSigningKey: (&testkeys.Source{}).Next,
		})
		if err != nil {
			t.Fatal(err)
		}
		h = dp
		return tryStartAppVia(t, http.DefaultClient, map[string]string{
			"ISSUER": issuer, "CLIENT_ID": "0oa-test", "CLIENT_SECRET": "test-secret-value", "REDIRECT_URI": redirect,
			"OKTA_SAMPLE_PROVIDER_TIMEOUT": timeout,
		}, "-addr", fmt.Sprintf("127.0.0.1:%d", port))
	})
}

func TestTokenEndpointFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// timeout is the app's provider timeout. The hang waits it out, so
		// it is short there; it also bounds discovery, so it is not
		// shorter elsewhere.
		timeout string
		fault   http.HandlerFunc
	}{
		{"garbage", "1s", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, "<html>this is not a token response")
		}},
		{"hang", "250ms", func(w http.ResponseWriter, r *http.Request) {
			// Reading the request first lets the server notice when the
			// app gives up and hangs up, which ends r.Context().
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				return
			}
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := startWithFaultyTokenEndpoint(t, tt.fault, tt.timeout)
			b := newBrowser(t)
			cb := captureCallback(t, b, a, aliceLogin, alicePassword)
			start := time.Now()
			p := b.get(cb)
			// The bound is the provider timeout; 10s only guards
			// against hanging forever on a loaded machine.
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("callback took %s, want it bounded by the provider timeout", elapsed)
			}
			if p.Status != http.StatusBadGateway || !strings.Contains(p.Body, "Token request failed") {
				t.Fatalf("got %d, want 502 with an explanation; body:\n%s", p.Status, p.Body)
			}
			wantLoggedOut(t, b, a)
			if h := b.get(a.URL + "/healthz"); h.Status != http.StatusOK {
				t.Errorf("healthz after the fault: got %d, want 200", h.Status)
			}
			if strings.Contains(a.Logs.String(), "test-secret-value") {
				t.Error("the log contains the client secret")
			}
		})
	}
}
