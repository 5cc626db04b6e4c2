package devprovider

import (
	"html/template"
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
		name     string
		username string
		password string
		wantErr  string // on the page after the redirect; "" for a code
	}{
		{name: "correct", username: aliceLogin, password: alicePassword},
		{name: "login is case-insensitive", username: " Alice@Example.COM", password: alicePassword},
		{name: "wrong password", username: aliceLogin, password: "Alice-demo-2", wantErr: msgBadCredentials},
		{name: "password is case-sensitive", username: aliceLogin, password: "alice-demo-1", wantErr: msgBadCredentials},
		{name: "another user's password", username: aliceLogin, password: "Bob-demo-1", wantErr: msgBadCredentials},
		{name: "unknown user", username: "mallory@example.com", password: alicePassword, wantErr: msgBadCredentials},
		{name: "empty", wantErr: msgBadCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			resp, body := e.get(e.authorizeURL(nil))
			id := e.signInRequestID(resp, body)
			resp, _ = e.postLogin(id, tt.username, tt.password)
			if tt.wantErr == "" {
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("got status %d, want 303 with a code", resp.StatusCode)
				}
				e.codeFromRedirect(resp, testRedirectURI, "state-123")
				return
			}
			// Post/Redirect/Get: what was typed never goes into the URL.
			loc := resp.Header.Get("Location")
			for what, typed := range map[string]string{"password": tt.password, "username": tt.username} {
				if typed != "" && (strings.Contains(loc, typed) || strings.Contains(loc, url.QueryEscape(typed))) {
					t.Errorf("Location %q contains the typed %s", loc, what)
				}
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("redirect Cache-Control: got %q, want no-store", got)
			}
			page, body, _ := e.followToStepPage(resp, "/v1/login", id)
			if got := pageError(body); got != tt.wantErr {
				t.Errorf("page error: got %q, want %q", got, tt.wantErr)
			}
			checkHTMLHeaders(t, page)
			// The form stays usable after a failure.
			if got := e.signInRequestID(page, body); got != id {
				t.Errorf("request id: got %q, want the same pending request %q", got, id)
			}
			if passwordValueRE.MatchString(body) {
				t.Errorf("page echoes the password into the form")
			}
			if want := `value="` + template.HTMLEscapeString(tt.username) + `"`; tt.username != "" && !strings.Contains(body, want) {
				t.Errorf("page does not fill in the typed username again: no %s", want)
			}
		})
	}
}

// TestSignInPostRedirectGet checks both steps of the hosted sign-in
// answer a failed post with a 303 to a GET of the page, which shows the
// error: reloading that page posts nothing and counts as no attempt, and
// the right answer then works.
func TestSignInPostRedirectGet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		stepPath string
		// open shows the step's page and returns its pending sign-in id.
		open          func(e *testEnv) string
		wrong, right  func(e *testEnv, id string) *http.Response
		wantErr       string
		wantFailedLog string
	}{
		{
			name:     "password",
			stepPath: "/v1/login",
			open: func(e *testEnv) string {
				return e.signInRequestID(e.get(e.authorizeURL(nil)))
			},
			wrong: func(e *testEnv, id string) *http.Response {
				resp, _ := e.postLogin(id, aliceLogin, "not-the-password")
				return resp
			},
			right: func(e *testEnv, id string) *http.Response {
				resp, _ := e.postLogin(id, aliceLogin, alicePassword)
				return resp
			},
			wantErr:       msgBadCredentials,
			wantFailedLog: `"msg":"sign-in failed"`,
		},
		{
			name:     "one-time code",
			stepPath: "/v1/login/otp",
			open: func(e *testEnv) string {
				resp, _ := e.postLogin(e.signInRequestID(e.get(e.authorizeURL(nil))), carolLogin, carolPassword)
				page, body, _ := e.followToStepPage(resp, "/v1/login/otp", "")
				return e.otpRequestID(page, body, http.StatusOK)
			},
			wrong: func(e *testEnv, id string) *http.Response {
				resp, _ := e.postOTP(id, wrongCode(e.t, e))
				return resp
			},
			right: func(e *testEnv, id string) *http.Response {
				resp, _ := e.postOTP(id, carolCode(e.t, e))
				return resp
			},
			wantErr:       msgBadCode,
			wantFailedLog: `"msg":"one-time code wrong"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			id := tt.open(e)
			_, body, pageURL := e.followToStepPage(tt.wrong(e, id), tt.stepPath, id)
			if got := pageError(body); got != tt.wantErr {
				t.Fatalf("page after the failed post: error %q, want %q", got, tt.wantErr)
			}
			// Reloads, more than the failures that lock an account.
			for i := range freeFailures + 1 {
				resp, body := e.get(pageURL)
				if resp.StatusCode != http.StatusOK || pageError(body) != tt.wantErr {
					t.Fatalf("reload %d: got %d with error %q, want 200 with %q", i+1, resp.StatusCode, pageError(body), tt.wantErr)
				}
				if m := requestIDRE.FindStringSubmatch(body); m == nil || m[1] != id {
					t.Fatalf("reload %d: the form lost its pending sign-in", i+1)
				}
			}
			if got := strings.Count(e.logs.String(), tt.wantFailedLog); got != 1 {
				t.Errorf("failures logged: got %d, want 1 (reloads are no attempts)", got)
			}
			e.codeFromRedirect(tt.right(e, id), testRedirectURI, "state-123")
			// The page of a finished sign-in is gone.
			if resp, body := e.get(pageURL); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "Sign-in expired") {
				t.Errorf("page after the sign-in: got %d, want 404 Sign-in expired", resp.StatusCode)
			}
		})
	}
}

// TestSignInPageGET covers GET of the sign-in page by its pending sign-in.
func TestSignInPageGET(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		query      func(id string) string
		advance    time.Duration
		wantStatus int
	}{
		{name: "a pending sign-in shows its form", query: func(id string) string { return "?request=" + id }, wantStatus: http.StatusOK},
		{name: "no request", query: func(string) string { return "" }, wantStatus: http.StatusNotFound},
		{name: "unknown request", query: func(string) string { return "?request=forged" }, wantStatus: http.StatusNotFound},
		{name: "expired", query: func(id string) string { return "?request=" + id }, advance: pendingLoginTTL, wantStatus: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			id := e.signInRequestID(e.get(e.authorizeURL(map[string]string{"login_hint": aliceLogin})))
			e.clock.Advance(tt.advance)
			resp, body := e.get(e.issuer + "/v1/login" + tt.query(id))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			checkHTMLHeaders(t, resp)
			if tt.wantStatus != http.StatusOK {
				if !strings.Contains(body, "Sign-in expired") {
					t.Errorf("page: got no Sign-in expired message")
				}
				return
			}
			if got := pageError(body); got != "" {
				t.Errorf("error before any attempt: got %q, want none", got)
			}
			if !strings.Contains(body, `value="`+aliceLogin+`"`) {
				t.Errorf("login_hint not filled in")
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

	attempt := func(t *testing.T, password, wantErr string) {
		t.Helper()
		code, msg := e.signInAttempt(id, aliceLogin, password)
		if msg != wantErr || (wantErr == "") != (code != "") {
			t.Fatalf("got error %q and code %t, want error %q", msg, code != "", wantErr)
		}
	}
	steps := []struct {
		name     string
		advance  time.Duration
		password string
		wantErr  string // "" for a code
	}{
		{name: "failure 1", password: "x", wantErr: msgBadCredentials},
		{name: "failure 2", password: "x", wantErr: msgBadCredentials},
		{name: "failure 3", password: "x", wantErr: msgBadCredentials},
		{name: "locked: even the right password is refused", password: alicePassword, wantErr: msgLockedOut},
		{name: "still locked after 29s", advance: 29 * time.Second, password: alicePassword, wantErr: msgLockedOut},
		{name: "failure 4 after 30s", advance: time.Second, password: "x", wantErr: msgBadCredentials},
		{name: "locked for 60s now", advance: 59 * time.Second, password: alicePassword, wantErr: msgLockedOut},
		{name: "success after 60s", advance: time.Second, password: alicePassword},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			e.clock.Advance(s.advance)
			attempt(t, s.password, s.wantErr)
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
