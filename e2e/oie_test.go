package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"

	"github.com/okta-samples/okta-go-sample/devprovider"
)

// carol has a TOTP authenticator next to her password.
const carolLogin, carolPassword = "carol@example.com", "Carol-demo-1"

// The Sign-In Widget's Identity Engine forms.
const (
	oieIdentifier = `#sign-in-widget input[name="identifier"]`
	oiePasscode   = `#sign-in-widget input[name="credentials.passcode"]`
	oieSubmit     = `#sign-in-widget input[type="submit"]`
	oieError      = `#sign-in-widget .o-form-error-container.o-form-has-errors`
	oieCancel     = `#sign-in-widget a[data-se="cancel"]`
	// oieTOTPTitle is on the second factor's form only.
	oieTOTPTitle = `#sign-in-widget [data-se="o-form-head"]`
)

// carolCode is carol's current TOTP code, as her authenticator app shows it.
func carolCode(t *testing.T) string {
	t.Helper()
	code, err := totp.GenerateCode(devprovider.DemoTOTPSecret, time.Now())
	if err != nil {
		t.Fatalf("TOTP code: %v", err)
	}
	return code
}

// wrongCode differs from code in every digit.
func wrongCode(code string) string {
	b := []byte(code)
	for i := range b {
		b[i] = '0' + (b[i]-'0'+5)%10
	}
	return string(b)
}

// allowIDXRefusal excuses the browser's log entry for an IDX answer of 401
// to a wrong password or code, which the widget then shows inline.
func allowIDXRefusal(tb *tab, a *app) {
	tb.allow("the provider answers a wrong password or code with 401", func(p consoleProblem) bool {
		return p.Kind == "log" && p.Source == "network" && strings.HasPrefix(p.URL, a.ProviderOrigin+"/idp/idx/") && strings.Contains(p.Text, "401")
	})
}

// openOIE opens the custom login page and waits for the widget's Identity
// Engine form.
func (tb *tab) openOIE(a *app) {
	tb.t.Helper()
	tb.do("open Custom login", chromedp.Navigate(a.URL+pathLoginCustom), chromedp.WaitVisible(chromedp.CSS(oieIdentifier)))
}

// signInOIE fills the widget's first form, username and password on one
// page. It types only once the widget has put the focus in the username
// field: the widget does that when it has drawn the form, which can come
// after the field is visible (after "Back to sign in", say), and keys typed
// before it land in the wrong field.
func (tb *tab) signInOIE(username, password string) {
	tb.t.Helper()
	tb.do("sign in with the widget (Identity Engine)",
		chromedp.WaitVisible(chromedp.CSS(oieIdentifier)),
		chromedp.Poll[chromedp.Void](`document.activeElement === document.querySelector('`+oieIdentifier+`')`),
		chromedp.SendKeys(chromedp.CSS(oieIdentifier), username),
		chromedp.SendKeys(chromedp.CSS(oiePasscode), password),
		chromedp.Click(chromedp.CSS(oieSubmit)),
	)
}

// waitTOTP waits for the widget's second-factor form, whose title names
// the authenticator (the first form has a title and a passcode field too).
func (tb *tab) waitTOTP() {
	tb.t.Helper()
	tb.do("wait for the TOTP step",
		chromedp.Poll[chromedp.Void](`(document.querySelector('`+oieTOTPTitle+`') || {textContent: ''}).textContent.includes('Google Authenticator')`),
		chromedp.WaitVisible(chromedp.CSS(oiePasscode)))
}

// enterCode types a code into the widget's second-factor form, replacing
// what the field held, and submits it. The widget reads the field into
// its form model on "change", which fires when the field loses focus:
// after a wrong code, a click that raced that event was sometimes ignored
// (about one run in four), so the field is left with Tab first, as a
// person moving to the button would.
func (tb *tab) enterCode(code string) {
	tb.t.Helper()
	tb.do("enter the code",
		// After an error the widget may still be finishing the last request.
		chromedp.Poll[chromedp.Void](`!document.querySelector('#sign-in-widget form.o-form-saving')`),
		chromedp.WaitEnabled(chromedp.CSS(oieSubmit)),
		chromedp.SendKeys(chromedp.CSS(oiePasscode), kb.End+strings.Repeat(kb.Backspace, 16)+code+kb.Tab),
		chromedp.Click(chromedp.CSS(oieSubmit)),
	)
}

// TestCustomLoginOIE: on an Identity Engine org the page runs the widget's
// interaction code flow, says so, and a password signs the user in to the
// profile; nothing is fetched from anywhere but the app and the provider.
func TestCustomLoginOIE(t *testing.T) {
	a := startApp(t, appOptions{defaultPorts: updatingDocs(t)})
	tb := openBrowser(t, a, "tab")
	tb.openOIE(a)
	tb.expectOrigin(a.URL, "the widget runs on the app's own page")
	if got := tb.text("#widget-engine"); !strings.HasPrefix(got, "Identity Engine mode. Detected:") || !strings.Contains(got, `"pipeline": "idx"`) {
		t.Errorf("#widget-engine says %q, want the Identity Engine mode, detected from pipeline idx", got)
	}
	if got := tb.text("aside.explain"); !strings.Contains(got, "/v1/interact") || !strings.Contains(got, "grant_type=interaction_code") {
		t.Errorf("the side panel does not explain the interaction code flow: %q", got)
	}
	tb.screenshot("login-custom-oie")

	tb.signInOIE(aliceLogin, alicePassword)
	tb.expectProfile(a, aliceLogin)

	_, requests := tb.snapshot()
	var interacted bool
	for _, u := range requests {
		if !strings.HasPrefix(u, a.URL+"/") && !strings.HasPrefix(u, a.ProviderOrigin+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the browser fetched %s; want only the app and the provider", u)
		}
		if strings.HasPrefix(u, a.ProviderOrigin+"/api/v1/authn") {
			t.Errorf("the Identity Engine widget called the classic Authentication API: %s", u)
		}
		interacted = interacted || strings.HasPrefix(u, a.ProviderOrigin+"/oauth2/default/v1/interact")
	}
	if !interacted {
		t.Errorf("the browser never called /v1/interact: the widget did not use the interaction code flow")
	}
}

// TestCustomLoginOIEWrongPassword: the widget shows the provider's message
// inline, and no session is made at the app.
func TestCustomLoginOIEWrongPassword(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	tb := openBrowser(t, a, "tab")
	allowIDXRefusal(tb, a)
	tb.openOIE(a)
	tb.signInOIE(aliceLogin, "not-the-password")
	tb.do("wait for the widget's error", chromedp.WaitVisible(chromedp.CSS(oieError)))
	if got := tb.text(oieError); !strings.Contains(got, "Unable to sign in") {
		t.Errorf("widget error %q, want it to say Unable to sign in", got)
	}
	tb.expectOrigin(a.URL, "a failed sign-in stays on the page")

	tb.do("open the profile",
		chromedp.Navigate(a.URL+pathProfile),
		chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")))
	tb.expectOrigin(a.ProviderOrigin, "no session: the profile starts a login, and the provider asks for the password")
}

// TestCustomLoginOIETOTP: carol's password leads to the widget's TOTP step;
// a wrong code is refused inline, the right one signs her in, and the ID
// token says both were used.
func TestCustomLoginOIETOTP(t *testing.T) {
	a := startApp(t, appOptions{defaultPorts: updatingDocs(t)})
	tb := openBrowser(t, a, "tab")
	allowIDXRefusal(tb, a)
	tb.openOIE(a)
	tb.signInOIE(carolLogin, carolPassword)
	tb.waitTOTP()
	tb.screenshot("login-custom-oie-totp")

	tb.enterCode(wrongCode(carolCode(t)))
	tb.do("wait for the widget's error", chromedp.WaitVisible(chromedp.CSS(oieError)))
	if got := tb.text(oieError); !strings.Contains(got, "Invalid code") {
		t.Errorf("widget error %q, want it to say Invalid code", got)
	}
	tb.expectOrigin(a.URL, "a wrong code stays on the page")

	tb.enterCode(carolCode(t))
	tb.expectProfile(a, carolLogin)
	if got := tb.text("#claim-amr"); !strings.Contains(got, "pwd") || !strings.Contains(got, "otp") {
		t.Errorf("amr claim %q, want pwd and otp", got)
	}
}

// TestCustomLoginOIECancel: "Back to sign in" on the TOTP step starts
// again (the widget calls /v1/interact anew for the same login), and
// another user then signs in.
func TestCustomLoginOIECancel(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	tb := openBrowser(t, a, "tab")
	tb.openOIE(a)
	tb.signInOIE(carolLogin, carolPassword)
	tb.waitTOTP()
	tb.do("click Back to sign in", chromedp.Click(chromedp.CSS(oieCancel)), chromedp.WaitVisible(chromedp.CSS(oieIdentifier)))
	tb.signInOIE(bobLogin, bobPassword)
	tb.expectProfile(a, bobLogin)
}

// TestCustomLoginOIETwoTabs: two tabs show the page, each with its own
// login; both sign in, as two users, and the browser's session ends up as
// the last one's.
func TestCustomLoginOIETwoTabs(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	tabA := openBrowser(t, a, "tab A")
	tabB := tabA.newTab("tab B")
	for _, tb := range []*tab{tabA, tabB} {
		tb.openOIE(a)
	}
	stateOf := func(tb *tab) string {
		return eval[string](tb, `JSON.parse(document.getElementById('widget-config').textContent).state`)
	}
	if sa, sb := stateOf(tabA), stateOf(tabB); sa == sb || sa == "" {
		t.Fatalf("tabs share the login state %q / %q; want one login per page", sa, sb)
	}

	tabA.signInOIE(aliceLogin, alicePassword)
	tabA.expectProfile(a, aliceLogin)
	tabB.signInOIE(bobLogin, bobPassword)
	tabB.expectProfile(a, bobLogin)

	tabA.do("reload tab A's profile", chromedp.Reload())
	tabA.expectProfile(a, bobLogin)
}

// TestLoginRedirectTOTP: carol through the provider's hosted page, which
// asks for her code after the password.
func TestLoginRedirectTOTP(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	tb := openBrowser(t, a, "tab")
	tb.do("start a login", chromedp.Navigate(a.URL+pathLogin))
	tb.signInOnProvider(carolLogin, carolPassword)
	tb.do("wait for the code form", chromedp.WaitVisible(chromedp.CSS("#otp-code")))
	tb.expectOrigin(a.ProviderOrigin, "the provider's hosted page asks for the code")
	tb.do("enter the code",
		chromedp.SendKeys(chromedp.CSS("#otp-code"), carolCode(t)),
		chromedp.Click(chromedp.CSS("#otp-submit")))
	tb.expectProfile(a, carolLogin)
}
