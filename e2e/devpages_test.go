package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestLoginRedirectWrongPassword: on the provider's hosted page a wrong
// password leads to a GET of the page that shows the error
// (Post/Redirect/Get), so a reload posts nothing and shows the same page;
// the right password then signs the user in.
func TestLoginRedirectWrongPassword(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	tb := openBrowser(t, a, "tab")

	tb.do("open the login", chromedp.Navigate(a.URL+pathLogin))
	tb.signInOnProvider(aliceLogin, "not-the-password")
	tb.do("wait for the error", chromedp.WaitVisible(chromedp.CSS("#login-error")))
	check := func(when string) {
		t.Helper()
		u, err := url.Parse(tb.location())
		if err != nil || u.Scheme+"://"+u.Host != a.ProviderOrigin || !strings.HasSuffix(u.Path, "/v1/login") ||
			len(u.Query()) != 1 || u.Query().Get("request") == "" {
			t.Fatalf("%s: at %s, want the provider's GET /v1/login?request=…", when, tb.location())
		}
		if got := tb.text("#login-error"); got != "Invalid username or password." {
			t.Errorf("%s: #login-error says %q", when, got)
		}
		if got := eval[string](tb, `document.getElementById('okta-signin-username').value`); got != aliceLogin {
			t.Errorf("%s: username field holds %q, want %q again", when, got, aliceLogin)
		}
	}
	check("after the wrong password")
	tb.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#login-error")))
	check("after a reload")

	tb.do("enter the right password",
		chromedp.SendKeys(chromedp.CSS("#okta-signin-password"), alicePassword),
		chromedp.Click(chromedp.CSS("#okta-signin-submit")))
	tb.expectProfile(a, aliceLogin)
}

// TestWidgetHelpLinks: against the development provider, the widget's
// "Help" and "Forgot password?" links lead to the provider's help page in
// both engines, and that page loads without a console error or a CSP
// violation.
func TestWidgetHelpLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, engine       string
		form               string // the widget's first field
		open               []chromedp.Action[chromedp.Void]
		helpSel, forgotSel string
	}{
		{
			name: "classic", engine: "classic", form: "#sign-in-widget #okta-signin-username",
			// The links are behind "Need help signing in?".
			open:    []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(`#sign-in-widget a[data-se="needhelp"]`))},
			helpSel: `#sign-in-widget a[data-se="help-link"]`, forgotSel: `#sign-in-widget a[data-se="forgot-password"]`,
		},
		{
			name: "Identity Engine", engine: "", form: oieIdentifier,
			helpSel: `#sign-in-widget a[data-se="help"]`, forgotSel: `#sign-in-widget a[data-se="forgot-password"]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := startApp(t, appOptions{devEngine: tt.engine})
			tb := openBrowser(t, a, "tab")
			helpPage := a.ProviderOrigin + "/help/login"

			tb.do("open Custom login", chromedp.Navigate(a.URL+pathLoginCustom), chromedp.WaitVisible(chromedp.CSS(tt.form)))
			tb.do("show the help links", append(tt.open, chromedp.WaitVisible(chromedp.CSS(tt.forgotSel)))...)
			if got := eval[string](tb, `document.querySelector('`+tt.helpSel+`').href`); got != helpPage {
				t.Errorf("Help link: got %q, want %q", got, helpPage)
			}

			tb.do("click Forgot password?",
				chromedp.Click(chromedp.CSS(tt.forgotSel)),
				chromedp.WaitVisible(chromedp.CSS("#forgot-password")))
			if got := tb.location(); got != helpPage+"#forgot-password" {
				t.Errorf("Forgot password? led to %s, want %s#forgot-password", got, helpPage)
			}
			if got := tb.text("#forgot-password + p"); !strings.Contains(got, "Password reset isn't available here") {
				t.Errorf("the page's password reset section says %q", got)
			}
			if got := tb.text(".help-users"); !strings.Contains(got, aliceLogin) || !strings.Contains(got, alicePassword) {
				t.Errorf("the page lists the demo users as %q, want %s with %s", got, aliceLogin, alicePassword)
			}
			tb.do("follow the link back to the app",
				chromedp.Click(chromedp.CSS("a.help-app")),
				chromedp.WaitVisible(chromedp.CSS("#dev-banner")))
			tb.expectOrigin(a.URL, "the help page links back to the app")
		})
	}
}
