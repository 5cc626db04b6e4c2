package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSPA: the single-page app, on its own origin, signs in at the
// development provider with okta-auth-js (code flow with PKCE, as a public
// client), shows the user's name, calls the app's /api/messages across
// origins with the access token and lists the messages, then signs out,
// which also ends the provider's session. No console error and no CSP
// violation on the way (checked when the test ends), and the browser talks
// to the SPA, the provider and the API only.
func TestSPA(t *testing.T) {
	a := startApp(t, appOptions{defaultPorts: updatingDocs(t)})
	if a.SPAURL == "" || a.SPAURL == a.URL {
		t.Fatalf("the SPA is at %q, the app at %s; want it on an origin of its own", a.SPAURL, a.URL)
	}
	tb := openBrowser(t, a, "spa")

	tb.do("open the SPA", chromedp.Navigate(a.SPAURL+"/"), chromedp.WaitVisible(chromedp.CSS("#sign-in")))
	tb.do("click Sign in", chromedp.Click(chromedp.CSS("#sign-in")), chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")))
	tb.expectOrigin(a.ProviderOrigin, "the provider's hosted sign-in page")
	if q := tb.location(); !strings.Contains(q, "code_challenge_method=S256") || !strings.Contains(q, "client_id=0oa-okta-go-sample-spa") {
		t.Errorf("the authorize request %s: want the SPA's client with an S256 challenge", q)
	}
	tb.signInOnProvider(aliceLogin, alicePassword)

	tb.do("wait for the messages", chromedp.WaitVisible(chromedp.CSS(`#messages[data-loaded="2"]`)))
	tb.expectOrigin(a.SPAURL, "back on the SPA")
	if loc := tb.location(); loc != a.SPAURL+"/" {
		t.Errorf("signed in at %s, want %s/ (the code and state gone from the URL)", loc, a.SPAURL)
	}
	if got := tb.text("#user-name"); got != "Alice Anderson" {
		t.Errorf("#user-name %q, want Alice Anderson", got)
	}
	texts := eval[[]string](tb, `Array.from(document.querySelectorAll('#messages .message-text')).map(e => e.textContent)`)
	if strings.Join(texts, "|") != "I am a robot.|Hello, world!" {
		t.Errorf("messages %q, want the API's two", texts)
	}
	dates := eval[[]string](tb, `Array.from(document.querySelectorAll('#messages time')).map(e => e.dateTime)`)
	for _, d := range dates {
		if !strings.HasSuffix(d, "Z") || strings.HasPrefix(d, "1970") {
			t.Errorf("message date %q, want an RFC 3339 date of today", d)
		}
	}
	tb.screenshot("spa")

	tb.do("sign out", chromedp.Click(chromedp.CSS("#sign-out")), chromedp.WaitVisible(chromedp.CSS("#sign-in")))
	tb.expectOrigin(a.SPAURL, "back on the SPA after sign-out")
	if got := eval[string](tb, `sessionStorage.getItem('okta-token-storage') || ''`); got != "" && got != "{}" {
		t.Errorf("tokens left in session storage after sign-out: %d bytes", len(got))
	}
	// The provider's session ended too: signing in asks for the password.
	tb.do("sign in again", chromedp.Click(chromedp.CSS("#sign-in")), chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")))
	tb.expectOrigin(a.ProviderOrigin, "a new sign-in must ask for the password")

	_, requests := tb.snapshot()
	for _, u := range requests {
		if !strings.HasPrefix(u, a.SPAURL+"/") && !strings.HasPrefix(u, a.ProviderOrigin+"/") && u != a.URL+"/api/messages" && !strings.HasPrefix(u, "data:") {
			t.Errorf("the browser fetched %s; want only the SPA, the provider and the API", u)
		}
	}
}

// TestProfileCallsTheAPI: the profile's "Call the API" button (a POST
// under the page's CSP and cross-origin protection) shows the messages
// the server got with the session's access token, and its claims.
func TestProfileCallsTheAPI(t *testing.T) {
	a := startApp(t, appOptions{defaultPorts: updatingDocs(t)})
	tb := openBrowser(t, a, "tab")
	tb.do("open the profile", chromedp.Navigate(a.URL+pathProfile), chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")))
	tb.signInOnProvider(aliceLogin, alicePassword)
	tb.expectProfile(a, aliceLogin)
	tb.do("call the API", chromedp.Click(chromedp.CSS("#call-api-button")), chromedp.WaitVisible(chromedp.CSS("#api-messages")))
	if got := tb.text("#token-claim-cid"); got != "0oa-okta-go-sample-dev" {
		t.Errorf("#token-claim-cid %q, want the app's client id", got)
	}
	if got := tb.text("#api-status"); got != "200 OK" {
		t.Errorf("#api-status %q, want 200 OK", got)
	}
	tb.screenshot("call-api")
}
