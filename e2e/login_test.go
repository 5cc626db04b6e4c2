package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The development provider's demo users.
const (
	aliceLogin, alicePassword = "alice@example.com", "Alice-demo-1"
	bobLogin, bobPassword     = "bob@example.com", "Bob-demo-1"
)

const (
	pathLoginRedirect = "/authorization-code/login-redirect"
	pathLoginCustom   = "/authorization-code/login-custom"
	pathLogin         = "/authorization-code/login"
	pathProfile       = "/authorization-code/profile"
)

// TestLoginRedirect: the overview, the Log in button, the provider's
// hosted page on its own origin, the profile; then a second login is
// single sign-on, and logout ends both sessions so the next login asks
// for the password again.
func TestLoginRedirect(t *testing.T) {
	a := startApp(t, appOptions{defaultPorts: updatingDocs(t)})
	tb := openBrowser(t, a, "tab")

	tb.do("open the overview", chromedp.Navigate(a.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#dev-banner")))
	tb.screenshot("overview")

	tb.do("open Login redirect from the navigation",
		chromedp.Click(chromedp.CSS(`nav a[href="`+pathLoginRedirect+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#login-button")))
	tb.screenshot("login-redirect")

	tb.do("click Log in", chromedp.Click(chromedp.CSS("#login-button")), chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")))
	tb.expectOrigin(a.ProviderOrigin, "the provider's hosted sign-in page")
	tb.screenshot("provider-sign-in")

	tb.signInOnProvider(aliceLogin, alicePassword)
	tb.expectProfile(a, aliceLogin)
	tb.screenshot("profile")

	// While the provider's session lives, a new login needs no password.
	tb.do("log in again (single sign-on)", chromedp.Navigate(a.URL+pathLogin))
	tb.expectProfile(a, aliceLogin)

	tb.do("log out",
		chromedp.Click(chromedp.CSS("#logout-button")),
		chromedp.WaitVisible(chromedp.CSS("#dev-banner")))
	if loc, _, _ := strings.Cut(tb.location(), "?"); loc != a.URL+"/" {
		t.Errorf("after logout at %s, want %s/", loc, a.URL)
	}

	// Both sessions are gone: the profile starts a login, and the provider
	// asks for the password instead of answering by single sign-on.
	tb.do("open the profile after logout",
		chromedp.Navigate(a.URL+pathProfile),
		chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")))
	tb.expectOrigin(a.ProviderOrigin, "a new login must ask for the password")
	tb.signInOnProvider(aliceLogin, alicePassword)
	tb.expectProfile(a, aliceLogin)
}

// TestCustomLogin: on a Classic Engine org (the development provider
// forced to "v1"), the widget renders in its classic mode on the app's
// page, signs the user in and the callback leads to the profile; nothing
// is fetched from anywhere but the app and the provider.
func TestCustomLogin(t *testing.T) {
	a := startApp(t, appOptions{defaultPorts: updatingDocs(t), devEngine: "classic"})
	tb := openBrowser(t, a, "tab")
	// A French browser: the widget would fetch French labels unless the
	// page sets its language.
	tb.do("prefer French", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		ua, err := cdp.Call(ctx, t, browser.GetVersion, cdp.Empty{})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: ua.UserAgent, AcceptLanguage: "fr-FR,fr",
		})
		return err
	}))

	tb.do("open Custom login",
		chromedp.Navigate(a.URL+pathLoginCustom),
		chromedp.WaitVisible(chromedp.CSS("#sign-in-widget #okta-signin-username")))
	tb.expectOrigin(a.URL, "the widget runs on the app's own page")
	if got := tb.text("#widget-engine"); !strings.HasPrefix(got, "Classic Engine mode. Detected:") {
		t.Errorf("#widget-engine says %q, want the Classic Engine mode, detected", got)
	}
	if eval[bool](tb, `!document.getElementById('widget-loading') || document.getElementById('widget-loading').hidden`) != true {
		t.Errorf("the loading note is still shown next to the widget")
	}
	if lang := eval[string](tb, `navigator.language`); !strings.HasPrefix(lang, "fr") {
		t.Errorf("navigator.language %q, want French for this test", lang)
	}
	if label := eval[string](tb, `document.getElementById('okta-signin-submit').value`); label != "Sign In" {
		t.Errorf("submit button says %q, want the English Sign In", label)
	}
	tb.screenshot("login-custom")

	tb.signInWithWidget(aliceLogin, alicePassword)
	tb.expectProfile(a, aliceLogin)

	_, requests := tb.snapshot()
	for _, u := range requests {
		if !strings.HasPrefix(u, a.URL+"/") && !strings.HasPrefix(u, a.ProviderOrigin+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the browser fetched %s; want only the app and the provider", u)
		}
		if strings.Contains(u, "/labels/") {
			t.Errorf("the widget fetched a translation, %s; the page sets language: 'en'", u)
		}
	}
}

// TestCustomLoginWrongPassword: in classic mode, the widget shows its
// error, and no session is created at the app or at the provider.
func TestCustomLoginWrongPassword(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{devEngine: "classic"})
	tb := openBrowser(t, a, "tab")
	tb.allow("the provider answers a wrong password with 401", func(p consoleProblem) bool {
		return p.Kind == "log" && p.Source == "network" && p.URL == a.ProviderOrigin+"/api/v1/authn" && strings.Contains(p.Text, "401")
	})

	tb.do("open Custom login", chromedp.Navigate(a.URL+pathLoginCustom))
	tb.signInWithWidget(aliceLogin, "not-the-password")
	tb.do("wait for the widget's error", chromedp.WaitVisible(chromedp.CSS(".o-form-error-container.o-form-has-errors")))
	if got := tb.text(".o-form-error-container"); !strings.Contains(got, "Unable to sign in") {
		t.Errorf("widget error %q, want it to say Unable to sign in", got)
	}
	tb.expectOrigin(a.URL, "a failed sign-in stays on the page")

	tb.do("open the profile",
		chromedp.Navigate(a.URL+pathProfile),
		chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")))
	tb.expectOrigin(a.ProviderOrigin, "no session: the profile starts a login, and the provider asks for the password")
}

// TestCustomLoginTwoTabs: in classic mode, two tabs of one browser each
// show the custom login page, so two logins are pending, each with its own state and
// transaction cookie. Tab A signs in first; tab B's page, rendered before
// A's callback, must still complete. The widget does not use the
// provider's single sign-on session, so B types credentials too (here
// another user's). B's sessionToken would replace A's provider session, so
// the provider asks first (a token must never switch users silently: see
// the session swap in devprovider); B confirms. Both callbacks succeed, and
// the browser's session ends up as the last one's.
func TestCustomLoginTwoTabs(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{devEngine: "classic"})
	tabA := openBrowser(t, a, "tab A")
	tabB := tabA.newTab("tab B")

	for _, tb := range []*tab{tabA, tabB} {
		tb.do("open Custom login",
			chromedp.Navigate(a.URL+pathLoginCustom),
			chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")))
	}
	stateOf := func(tb *tab) string {
		return eval[string](tb, `JSON.parse(document.getElementById('widget-config').textContent).state`)
	}
	if sa, sb := stateOf(tabA), stateOf(tabB); sa == sb || sa == "" {
		t.Fatalf("tabs share the login state %q / %q; want one login per page", sa, sb)
	}

	tabA.signInWithWidget(aliceLogin, alicePassword)
	tabA.expectProfile(a, aliceLogin)

	tabB.signInWithWidget(bobLogin, bobPassword)
	tabB.do("confirm the switch to bob on the provider's page",
		chromedp.WaitVisible(chromedp.CSS("#switch-confirm")),
		chromedp.Click(chromedp.CSS("#switch-confirm")))
	tabB.expectProfile(a, bobLogin)

	// One browser, one session: tab A now shows the latest login too.
	tabA.do("reload tab A's profile", chromedp.Reload())
	tabA.expectProfile(a, bobLogin)
}

// TestCustomLoginWidgetUnavailable: with the CDN unreachable, the page
// explains what happened and how to fix it instead of an empty box.
func TestCustomLoginWidgetUnavailable(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{cdn: true, devEngine: "classic"})
	tb := openBrowser(t, a, "tab")
	const cdn = "https://global.oktacdn.com/"
	tb.allow("the test blocks Okta's CDN", func(p consoleProblem) bool {
		return p.Kind == "log" && p.Source == "network" && strings.HasPrefix(p.URL, cdn) && strings.Contains(p.Text, "ERR_BLOCKED_BY_CLIENT")
	})
	// Blocked in the browser, so the result is the same with or without
	// internet access.
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{
		URLPatterns: []*network.BlockPattern{{URLPattern: cdn + "*", Block: true}},
	}); err != nil {
		t.Fatalf("blocking the CDN: %v", err)
	}

	tb.do("open Custom login", chromedp.Navigate(a.URL+pathLoginCustom), chromedp.WaitVisible(chromedp.CSS("#widget-load-error")))
	msg := tb.text("#widget-load-error")
	for _, want := range []string{"could not be loaded from Okta's CDN", cdn + "okta-signin-widget/", "npm ci", "OKTA_SAMPLE_WIDGET_DIR", "Login redirect"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if eval[bool](tb, `document.getElementById('widget-loading').hidden`) != true {
		t.Errorf("the loading note is still shown next to the error")
	}
	if n := eval[int](tb, `document.getElementById('sign-in-widget').childElementCount`); n != 0 {
		t.Errorf("#sign-in-widget has %d children, want none", n)
	}
	// The CDN files were requested with Subresource Integrity.
	integrity := eval[string](tb, `(document.querySelector('script[src^="`+cdn+`"]') || {}).integrity || ''`)
	if !strings.HasPrefix(integrity, "sha384-") {
		t.Errorf("CDN script integrity %q, want a sha384 hash", integrity)
	}
	tb.screenshot("login-custom-unavailable")
}

// TestConsoleWatchSeesProblems shows that the console check can fail: a
// CSP violation, a console error and an uncaught exception are all seen.
func TestConsoleWatchSeesProblems(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	tb := openBrowser(t, a, "tab")
	tb.do("open the overview", chromedp.Navigate(a.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#dev-banner")))
	tb.do("misbehave", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.createElement('script');
		s.textContent = 'window.inlineRan = true';
		document.body.appendChild(s);
		console.error('deliberate console error');
		setTimeout(() => { throw new Error('deliberate exception'); }, 0);
	})()`))
	if eval[bool](tb, `window.inlineRan === true`) {
		t.Errorf("an inline script ran despite the CSP")
	}

	want := map[string]bool{"csp": false, "console.error": false, "exception": false}
	deadline := time.Now().Add(5 * time.Second)
	for {
		problems, _ := tb.snapshot()
		for _, p := range problems {
			if _, ok := want[p.Kind]; ok {
				want[p.Kind] = true
			}
		}
		if want["csp"] && want["console.error"] && want["exception"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("seen %v of the deliberate problems; got %v", want, problems)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.forgetProblems()
}
