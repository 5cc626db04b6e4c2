package e2e

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

const pathReport = "/authorization-code/report"

// TestLoginReport: after a login, the profile links the report of that
// login; it shows every step, each check of the ID token with its values,
// and the sequence diagram drawn as SVG, with no console error or CSP
// violation, and no secret: not the session id.
func TestLoginReport(t *testing.T) {
	a := startApp(t, appOptions{defaultPorts: updatingDocs(t)})
	tb := openBrowser(t, a, "tab")
	tb.do("start a login", chromedp.Navigate(a.URL+pathLogin))
	tb.signInOnProvider(aliceLogin, alicePassword)
	tb.expectProfile(a, aliceLogin)

	tb.do("open the report from the profile",
		chromedp.Click(chromedp.CSS("#report-link")),
		chromedp.WaitVisible(chromedp.CSS("#step-session")))
	for _, id := range []string{"step-authorize", "step-callback", "step-token", "step-keys", "step-id-token", "step-userinfo", "step-session"} {
		if n := eval[int](tb, `document.querySelectorAll('#`+id+`.report-step:not(.failed)').length`); n != 1 {
			t.Errorf("step #%s: found %d, want one that did not fail", id, n)
		}
	}
	for _, rule := range []string{"signature", "iss", "aud", "exp", "iat", "nonce", "at_hash"} {
		if got := tb.text("#check-id_token-" + rule + " td.result"); got != "✓ passed" {
			t.Errorf("check %s: result %q, want ✓ passed", rule, got)
		}
	}
	// The provider's tokens live an hour; the second they were issued in
	// and the second they were checked in may differ by one.
	if got := tb.text("#check-id_token-exp td.got"); !strings.Contains(got, "valid for 1 h") && !strings.Contains(got, "valid for 59 min") {
		t.Errorf("exp: %q, want it to say valid for 1 h (or 59 min)", got)
	}
	if got := tb.text("#check-id_token-iat td.got"); !strings.Contains(got, "ago") || !strings.Contains(got, "clock skew seen") {
		t.Errorf("iat: %q, want how long ago and the clock skew", got)
	}
	if got := tb.text("#report-flow"); !strings.Contains(got, "Login redirect") {
		t.Errorf("flow %q, want Login redirect", got)
	}
	// The diagram is inline SVG, laid out by the browser: it has a size,
	// and an arrow for the token request.
	if w := eval[float64](tb, `document.querySelector('#diagram svg').getBoundingClientRect().width`); w < 600 {
		t.Errorf("the diagram is %.0f px wide, want it drawn at the page's width", w)
	}
	if got := eval[string](tb, `[...document.querySelectorAll('#diagram svg text')].map(t => t.textContent).join('|')`); !strings.Contains(got, "POST /v1/token") {
		t.Errorf("the diagram's texts %q lack the token request", got)
	}
	if got := tb.text(".jwt-payload"); !strings.Contains(got, `"sub"`) {
		t.Errorf("the decoded ID token's payload %q has no sub", got)
	}
	if got := tb.text("#access-token + p + .token .jwt-payload"); !strings.Contains(got, `"scp"`) {
		t.Errorf("the decoded access token's payload %q has no scp", got)
	}
	body := tb.text("body")
	for _, c := range tb.cookies(a.URL) {
		if len(c.Value) >= 16 && strings.Contains(body, c.Value) {
			t.Errorf("the report shows the value of the cookie %s", c.Name)
		}
	}
	tb.screenshot("report")
}

// TestLoginReportFailure: a login the app refuses (the provider's clock
// ten minutes ahead, so the ID token is issued in the app's future) ends
// on the error page with the report up to the failed check, the
// diagnosis, and the diagram, with no console error or CSP violation.
func TestLoginReportFailure(t *testing.T) {
	docs := updatingDocs(t)
	port := 8080
	if !docs {
		port = freePort(t)
	}
	op := testprovider.New(t, testprovider.Config{RedirectURI: callbackURL(port)})
	op.Misbehave(testprovider.Misbehaviour{ClockSkew: 10 * time.Minute})
	a := startApp(t, appOptions{provider: &providerOptions{issuer: op.Issuer(), clientID: op.ClientID(), clientSecret: op.ClientSecret(), port: port}})
	tb := openBrowser(t, a, "tab")
	tb.allow("the error page answers 401", func(p consoleProblem) bool {
		return p.Kind == "log" && p.Source == "network" && strings.Contains(p.URL, "/authorization-code/callback") && strings.Contains(p.Text, "401")
	})
	tb.do("log in", chromedp.Navigate(a.URL+pathLogin), chromedp.WaitVisible(chromedp.CSS("#error-title")))
	if got := tb.text("#error-cause"); !strings.Contains(got, "the clocks differ by 10 min") {
		t.Errorf("cause %q, want the clocks differ by 10 min", got)
	}
	if n := eval[int](tb, `document.querySelectorAll('#step-id-token.failed #diagnosis').length`); n != 1 {
		t.Errorf("found %d failed ID token steps with a diagnosis, want 1", n)
	}
	if got := tb.text("#check-id_token-iat td.result"); got != "✗ failed" {
		t.Errorf("iat: %q, want ✗ failed", got)
	}
	if got := tb.text("#diagnosis-fix"); !strings.Contains(got, "NTP") {
		t.Errorf("fix %q, want it to name NTP", got)
	}
	if n := eval[int](tb, `document.querySelectorAll('#diagram svg .fail').length`); n == 0 {
		t.Error("the diagram shows no failure")
	}
	if n := strings.Count(tb.text("body"), tb.text("#error-request-id code")); n != 1 {
		t.Errorf("the request id appears %d times, want once", n)
	}
	tb.screenshot("report-failure")
}

// cookies are the browser's cookies for u, HttpOnly ones included.
func (tb *tab) cookies(u string) []*network.Cookie {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	if err != nil {
		tb.t.Fatalf("reading cookies: %v", err)
	}
	return res.Cookies
}

func callbackURL(port int) string {
	return fmt.Sprintf("http://localhost:%d/authorization-code/callback", port)
}

// freePort is a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// narrowWidth is a phone's width in CSS pixels (an iPhone 12 to 15).
const narrowWidth = 390

// TestNarrowLayout: at 390 px the navigation goes on top, and no page is
// wider than the screen; the demo users' logins and passwords stay on one
// line each, the overview does not point "to the left", and the error
// page gives the request id once. The screenshots (narrow-*.png in the
// artifacts, with ARTIFACTS_DIR set) are for a person to look at, too.
func TestNarrowLayout(t *testing.T) {
	t.Parallel()
	a := startApp(t, appOptions{})
	tb := openBrowser(t, a, "tab")
	tb.do("narrow the window", chromedp.EmulateViewport(narrowWidth, 844))
	fits := func(page string) {
		t.Helper()
		if w := eval[int](tb, `document.documentElement.scrollWidth`); w > narrowWidth {
			t.Errorf("%s: the page is %d px wide, more than the %d px of the screen", page, w, narrowWidth)
		}
	}

	tb.do("open the overview", chromedp.Navigate(a.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#dev-banner")))
	fits("overview")
	if n := eval[int](tb, `[...document.querySelectorAll('.users code')].filter(c => c.getClientRects().length != 1 || c.getBoundingClientRect().height > 24).length`); n != 0 {
		t.Errorf("overview: %d logins or passwords of the demo users are broken over lines", n)
	}
	if got := tb.text("main"); strings.Contains(got, "on the left") {
		t.Error("overview: the text says \"on the left\", but the navigation is on top")
	}
	if top, left := eval[float64](tb, `document.querySelector('nav.sidenav').getBoundingClientRect().bottom`),
		eval[float64](tb, `document.querySelector('main').getBoundingClientRect().top`); top > left {
		t.Errorf("the navigation ends at %.0f px, below the top of main at %.0f px: want it on top", top, left)
	}
	tb.screenshot("narrow-overview")

	tb.do("start a login", chromedp.Navigate(a.URL+pathLogin))
	tb.signInOnProvider(aliceLogin, alicePassword)
	tb.expectProfile(a, aliceLogin)
	fits("profile")
	// The issuer wraps, if at all, after a slash: each line of it ends
	// with one, or is its end.
	lines := eval[[]string](tb, `(() => {
		const td = document.getElementById('claim-iss'), text = td.textContent, r = document.createRange(), out = [];
		let line = '', top = null;
		for (let i = 0; i < text.length; i++) {
			r.setStart(td.firstChild, i); r.setEnd(td.firstChild, i + 1);
			const y = r.getClientRects()[0].top;
			if (top !== null && y > top + 2) { out.push(line); line = ''; }
			top = y; line += text[i];
		}
		out.push(line);
		return out;
	})()`)
	for _, l := range lines[:len(lines)-1] {
		if !strings.HasSuffix(l, "/") {
			t.Errorf("profile: the issuer breaks mid-word, its lines are %q", lines)
			break
		}
	}
	tb.screenshot("narrow-profile")

	tb.do("open the report", chromedp.Navigate(a.URL+pathReport), chromedp.WaitVisible(chromedp.CSS("#step-session")))
	fits("report")
	tb.screenshot("narrow-report")

	tb.allow("the page of a missing route answers 404", func(p consoleProblem) bool {
		return p.Kind == "log" && p.Source == "network" && strings.HasSuffix(p.URL, "/no-such-page") && strings.Contains(p.Text, "404")
	})
	tb.do("open a page that does not exist", chromedp.Navigate(a.URL+"/no-such-page"), chromedp.WaitVisible(chromedp.CSS("#error-title")))
	fits("error page")
	id := tb.text("#error-request-id code")
	if n := strings.Count(tb.text("body"), id); id == "" || n != 1 {
		t.Errorf("error page: the request id %q appears %d times, want once", id, n)
	}
	tb.screenshot("narrow-error")
}
