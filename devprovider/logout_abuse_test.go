package devprovider

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAttackLogoutWithAnyIDToken reproduces the abuse found from outside:
// any ID Token the provider ever signed, expired or another user's, ended
// whatever provider session the browser had, so one leaked token (the app
// puts it in the logout URL) logged anyone out, and with single logout,
// out of every application. Now such a hint only brings up a page that
// asks the browser's user; the hint of the session's own user, even
// expired, still signs out at once (RP-Initiated Logout 1.0 §2).
func TestAttackLogoutWithAnyIDToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// hint picks the id_token_hint: alice's (another user), or bob's
		// own from an earlier sign-in.
		hint        string
		wantEnded   bool
		wantConfirm bool
	}{
		{name: "another user's expired token", hint: "alice", wantConfirm: true},
		{name: "another user's fresh token", hint: "alice-fresh", wantConfirm: true},
		{name: "the session user's own expired token", hint: "bob-old", wantEnded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newSLOEnv(t, nil)
			a, b := e.a.client("app-a"), e.b.client("app-b")
			attacker := &testEnv{t: t, p: e.p, srv: e.srv, issuer: e.issuer, clock: e.clock, browser: newBrowser(t), logs: e.logs}
			hints := map[string]map[string]any{
				"alice":   attacker.signInTo(a),
				"bob-old": e.signInAs(a, "bob@example.com", "Bob-demo-1", nil),
			}
			// Every token of the first sign-ins has expired; the victim,
			// bob, signs in again to two applications.
			e.clock.Advance(tokenTTL + time.Minute)
			e.signInAs(a, "bob@example.com", "Bob-demo-1", map[string]string{"prompt": "login"})
			e.signInAs(b, "bob@example.com", "Bob-demo-1", nil)
			hints["alice-fresh"] = attacker.signInAs(a, aliceLogin, alicePassword, map[string]string{"prompt": "login"})

			// The attacker sends bob's browser to the logout URL with a hint.
			resp, body := e.logout(hints[tt.hint], a.PostLogoutRedirectURIs[0], "s")
			if got := !e.signedIn(a); got != tt.wantEnded {
				t.Fatalf("bob's provider session ended: got %v, want %v", got, tt.wantEnded)
			}
			if tt.wantEnded {
				if got := len(e.b.logoutTokens()); got != 1 {
					t.Errorf("app-b got %d logout tokens, want 1", got)
				}
				return
			}
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="signout-confirm"`) {
				t.Fatalf("logout with another user's hint: got %d, want 200 with the confirmation page", resp.StatusCode)
			}
			if !strings.Contains(body, "<code>bob@example.com</code>") {
				t.Errorf("the confirmation page does not name the browser's user")
			}
			if got := len(e.b.logoutTokens()); got != 0 {
				t.Errorf("app-b got %d logout tokens before anyone confirmed, want none", got)
			}
			if got := cspDirective(resp.Header.Get("Content-Security-Policy"), "form-action"); len(got) != 2 || got[1] != e.a.srv.URL {
				t.Errorf("CSP form-action: got %v, want 'self' and the post-logout redirect's origin", got)
			}
		})
	}
}

var signOutRequestRE = regexp.MustCompile(`name="request" value="([^"]+)"`)

// TestConfirmSignOut: the confirmation page's answer, for each button and
// from another site.
func TestConfirmSignOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		decision   string
		crossSite  bool
		wantStatus int
		wantLoc    string // "" for none
		wantEnded  bool
	}{
		{name: "sign out", decision: "signout", wantStatus: http.StatusOK, wantEnded: true}, // the sign-out page, app-b being told
		{name: "stay", decision: "stay", wantStatus: http.StatusSeeOther, wantLoc: "/?state=s"},
		{name: "from another site", decision: "signout", crossSite: true, wantStatus: http.StatusForbidden},
		{name: "no decision", wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newSLOEnv(t, nil)
			a, b := e.a.client("app-a"), e.b.client("app-b")
			attacker := &testEnv{t: t, p: e.p, srv: e.srv, issuer: e.issuer, clock: e.clock, browser: newBrowser(t), logs: e.logs}
			hint := attacker.signInTo(a)
			e.signInAs(a, "bob@example.com", "Bob-demo-1", nil)
			e.signInAs(b, "bob@example.com", "Bob-demo-1", nil)
			_, page := e.logout(hint, a.PostLogoutRedirectURIs[0], "s")
			m := signOutRequestRE.FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no confirmation form in %q", page)
			}
			form := url.Values{"request": {m[1]}}
			if tt.decision != "" {
				form.Set("decision", tt.decision)
			}
			req, err := http.NewRequest(http.MethodPost, e.issuer+"/v1/logout/confirm", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.crossSite {
				req.Header.Set("Sec-Fetch-Site", "cross-site")
				req.Header.Set("Origin", "https://evil.example")
			} else {
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.Header.Set("Origin", e.srv.URL)
			}
			resp, body := e.do(req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantLoc != "" && resp.Header.Get("Location") != e.a.srv.URL+tt.wantLoc {
				t.Errorf("Location: got %q, want %q", resp.Header.Get("Location"), e.a.srv.URL+tt.wantLoc)
			}
			if got := !e.signedIn(a); got != tt.wantEnded {
				t.Errorf("bob's session ended: got %v, want %v", got, tt.wantEnded)
			}
			if !tt.wantEnded {
				return
			}
			// The session was not the hint's user's, so every client it
			// signed into is told, app-a included.
			frames, next := signOutFrames(t, body)
			if len(frames["app-a"]) != 1 || len(frames["app-b"]) != 1 || next != e.a.srv.URL+"/?state=s" {
				t.Errorf("sign-out page: got iframes %v continuing to %q, want app-a and app-b, then the app", frames, next)
			}
			if len(e.a.logoutTokens()) != 1 || len(e.b.logoutTokens()) != 1 {
				t.Errorf("logout tokens: got %d to app-a and %d to app-b, want 1 each", len(e.a.logoutTokens()), len(e.b.logoutTokens()))
			}
			// The page answers once.
			if resp, _ := e.postSameOrigin(strings.TrimPrefix(e.issuer, e.srv.URL)+"/v1/logout/confirm", form); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("second answer: got %d, want 400", resp.StatusCode)
			}
		})
	}
}

// TestLogoutHintKinds: only an ID Token is an id_token_hint; the
// provider's other tokens, signed with the same key, are refused.
func TestLogoutHintKinds(t *testing.T) {
	t.Parallel()
	e := newSLOEnv(t, nil)
	a, b := e.a.client("app-a"), e.b.client("app-b")
	e.signInTo(a)
	e.signInTo(b)
	logoutToken, err := e.p.mintLogoutToken("app-a", aliceSubject, "sid")
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := e.logout(map[string]any{"id_token": logoutToken}, "", "")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a logout token as id_token_hint: got %d, want 400", resp.StatusCode)
	}
	if !e.signedIn(a) {
		t.Errorf("a logout token ended the session")
	}
}
