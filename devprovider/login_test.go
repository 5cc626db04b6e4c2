package devprovider

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var passwordValueRE = regexp.MustCompile(`id="okta-signin-password"[^>]*value=`)

func TestSignInForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		username   string
		password   string
		wantStatus int
	}{
		{name: "correct", username: aliceLogin, password: alicePassword, wantStatus: http.StatusSeeOther},
		{name: "login is case-insensitive", username: " Alice@Example.COM", password: alicePassword, wantStatus: http.StatusSeeOther},
		{name: "wrong password", username: aliceLogin, password: "Alice-demo-2", wantStatus: http.StatusUnauthorized},
		{name: "password is case-sensitive", username: aliceLogin, password: "alice-demo-1", wantStatus: http.StatusUnauthorized},
		{name: "another user's password", username: aliceLogin, password: "Bob-demo-1", wantStatus: http.StatusUnauthorized},
		{name: "unknown user", username: "mallory@example.com", password: alicePassword, wantStatus: http.StatusUnauthorized},
		{name: "empty", wantStatus: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			resp, body := e.get(e.authorizeURL(nil))
			id := e.signInRequestID(resp, body)
			resp, body = e.postLogin(id, tt.username, tt.password)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusSeeOther {
				e.codeFromRedirect(resp, testRedirectURI, "state-123")
				return
			}
			if !strings.Contains(body, `id="login-error"`) {
				t.Errorf("page: got no login-error element")
			}
			checkHTMLHeaders(t, resp)
			// The form stays usable after a failure.
			if got := e.signInRequestID(&http.Response{StatusCode: http.StatusOK}, body); got != id {
				t.Errorf("request id: got %q, want the same pending request %q", got, id)
			}
			if passwordValueRE.MatchString(body) {
				t.Errorf("page echoes the password into the form")
			}
		})
	}
}

// TestSignInLockout checks that repeated failures for one username lock it
// out for a growing time, on the provider's clock.
func TestSignInLockout(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, body := e.get(e.authorizeURL(nil))
	id := e.signInRequestID(resp, body)

	attempt := func(t *testing.T, password string, want int) {
		t.Helper()
		resp, _ := e.postLogin(id, aliceLogin, password)
		if resp.StatusCode != want {
			t.Fatalf("got status %d, want %d", resp.StatusCode, want)
		}
	}
	steps := []struct {
		name     string
		advance  time.Duration
		password string
		want     int
	}{
		{name: "failure 1", password: "x", want: http.StatusUnauthorized},
		{name: "failure 2", password: "x", want: http.StatusUnauthorized},
		{name: "failure 3", password: "x", want: http.StatusUnauthorized},
		{name: "locked: even the right password is refused", password: alicePassword, want: http.StatusTooManyRequests},
		{name: "still locked after 29s", advance: 29 * time.Second, password: alicePassword, want: http.StatusTooManyRequests},
		{name: "failure 4 after 30s", advance: time.Second, password: "x", want: http.StatusUnauthorized},
		{name: "locked for 60s now", advance: 59 * time.Second, password: alicePassword, want: http.StatusTooManyRequests},
		{name: "success after 60s", advance: time.Second, password: alicePassword, want: http.StatusSeeOther},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.clock.Advance(s.advance)
			attempt(t, s.password, s.want)
		})
	}

	t.Run("other users are not affected", func(t *testing.T) {
		th := newThrottle(e.clock.Now)
		for range freeFailures {
			th.attempt(aliceLogin, func() bool { return false })
		}
		if res, _ := th.attempt("bob@example.com", func() bool { return true }); res != attemptOK {
			t.Errorf("bob: got %v, want attemptOK", res)
		}
		if res, wait := th.attempt("ALICE@example.com", func() bool { return true }); res != attemptLocked || wait != lockoutBase {
			t.Errorf("alice: got %v after %v, want attemptLocked for %v", res, wait, lockoutBase)
		}
	})

	t.Run("failures are forgotten", func(t *testing.T) {
		th := newThrottle(e.clock.Now)
		for range freeFailures - 1 {
			th.attempt(aliceLogin, func() bool { return false })
		}
		e.clock.Advance(forgetAfter)
		th.attempt(aliceLogin, func() bool { return false })
		if res, _ := th.attempt(aliceLogin, func() bool { return true }); res != attemptOK {
			t.Errorf("got %v, want attemptOK: old failures should not count", res)
		}
	})

	t.Run("lockout is capped", func(t *testing.T) {
		f := failures{count: 40, last: e.clock.Now()}
		if got, want := f.lockedUntil().Sub(f.last), lockoutMax; got != want {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestSignInFormRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		header     map[string]string
		advance    time.Duration
		reuse      bool // post the form of a completed sign-in again
		requestID  string
		wantStatus int
	}{
		{name: "cross-site post is blocked", header: map[string]string{"Sec-Fetch-Site": "cross-site"}, wantStatus: http.StatusForbidden},
		{name: "foreign Origin is blocked", header: map[string]string{"Origin": "https://evil.example"}, wantStatus: http.StatusForbidden},
		{name: "same-origin post is allowed", header: map[string]string{"Sec-Fetch-Site": "same-origin"}, wantStatus: http.StatusSeeOther},
		{name: "expired sign-in page", advance: pendingLoginTTL, wantStatus: http.StatusBadRequest},
		{name: "unknown request id", requestID: "forged", wantStatus: http.StatusBadRequest},
		{name: "form posted twice", reuse: true, wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			resp, body := e.get(e.authorizeURL(nil))
			id := e.signInRequestID(resp, body)
			if tt.requestID != "" {
				id = tt.requestID
			}
			if tt.reuse {
				resp, _ := e.postLogin(id, aliceLogin, alicePassword)
				e.codeFromRedirect(resp, testRedirectURI, "state-123")
			}
			e.clock.Advance(tt.advance)
			form := url.Values{"request": {id}, "username": {aliceLogin}, "password": {alicePassword}}
			req, err := http.NewRequest(http.MethodPost, e.issuer+"/v1/login", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, _ = e.do(req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusSeeOther && resp.Header.Get("Location") != "" {
				t.Errorf("Location: got %q, want none", resp.Header.Get("Location"))
			}
		})
	}
}

// TestFailedSignInLogging checks that a failed sign-in never logs what was
// typed: a password typed into the username field would land in the log.
// A known user is logged by sub, anyone else by a labelled hash.
func TestFailedSignInLogging(t *testing.T) {
	t.Parallel()
	// No characters that the JSON log would escape, so a leak is visible.
	const (
		typedUsername = "Tr0ub4dor-3-typed-as-username"
		typedPassword = "correct-horse-battery-staple"
	)
	viaForm := func(e *testEnv, username, password string) {
		resp, body := e.get(e.authorizeURL(nil))
		e.postLogin(e.signInRequestID(resp, body), username, password)
	}
	viaAuthn := func(e *testEnv, username, password string) {
		e.authn(credentials(username, password), "")
	}
	tests := []struct {
		name     string
		via      func(e *testEnv, username, password string)
		username string
		attempts int
		want     string // must be in the log
	}{
		{name: "form, unknown username", via: viaForm, username: typedUsername, attempts: 1, want: `"unknown_username_hmac":"`},
		{name: "authn, unknown username", via: viaAuthn, username: typedUsername, attempts: 1, want: `"unknown_username_hmac":"`},
		{name: "form, locked out", via: viaForm, username: typedUsername, attempts: freeFailures + 1, want: "locked out"},
		{name: "authn, locked out", via: viaAuthn, username: typedUsername, attempts: freeFailures + 1, want: "locked out"},
		{name: "form, known user", via: viaForm, username: aliceLogin, attempts: 1, want: `"sub":"` + aliceSubject + `"`},
		{name: "authn, known user", via: viaAuthn, username: aliceLogin, attempts: 1, want: `"sub":"` + aliceSubject + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			for range tt.attempts {
				tt.via(e, tt.username, typedPassword)
			}
			logs := e.logs.String()
			if !strings.Contains(logs, "sign-in failed") || !strings.Contains(logs, tt.want) {
				t.Errorf("log lacks the failure or %s:\n%s", tt.want, logs)
			}
			for _, secret := range []string{typedUsername, normalizeLogin(typedUsername), typedPassword} {
				if strings.Contains(logs, secret) {
					t.Errorf("log contains the typed %q:\n%s", secret, logs)
				}
			}
		})
	}
}
