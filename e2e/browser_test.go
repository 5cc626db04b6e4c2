package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds each step of a test (a navigation and what it waits
// for). A warm login takes well under a second.
const stepTimeout = 30 * time.Second

// chromiumPath finds the browser: $CHROMIUM, else the usual names, else
// "" when there is none.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// sharedBrowser is the one headless Chromium that all the tests of this
// package use, each in a BrowserContext of its own (see openBrowser). A
// launch costs about a CPU-second, most of what a short test costs, so the
// package starts the browser once, at the first test that needs it, and
// TestMain stops it after the last.
type sharedBrowser struct {
	once   sync.Once
	path   string          // the browser's executable, "" when there is none
	ctx    context.Context // its first tab, which owns the process
	cancel context.CancelFunc
	err    error // why it did not start
}

// chromium is the browser of this test binary. It is the package's one
// piece of shared state besides appBinary: TestMain stops it, and tests
// reach it only through openBrowser.
var chromium sharedBrowser

// get returns the running browser, starting it on the first call. It skips
// the test (fails it in CI) when there is no browser, and fails it when
// the browser did not start.
func (b *sharedBrowser) get(t *testing.T) context.Context {
	t.Helper()
	b.once.Do(b.start)
	need(t, b.path != "", "chromium (apt-get install chromium, or set CHROMIUM)")
	if b.err != nil {
		t.Fatalf("starting the browser: %v", b.err)
	}
	return b.ctx
}

// start launches a headless Chromium with a fresh profile, which chromedp
// makes in a temporary folder and removes when the browser stops.
func (b *sharedBrowser) start() {
	b.path = chromiumPath()
	if b.path == "" {
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(b.path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Keep a closed network quiet: no background fetches of updates,
		// components or sync, no QUIC probes.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 860),
		// Translate and BlinkGenPropertyTrees are chromedp's defaults, which
		// this flag replaces. The two WebUIOmnibox features draw the address
		// bar's dropdown as WebUI pages, preloaded in a renderer of their own
		// for every window (about a CPU-second each, as much as the pages of
		// a short test) and never shown headless; without them Chromium keeps
		// its native dropdown. Pages render the same.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,WebUIOmniboxPopup,WebUIOmniboxAimPopup"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b.ctx = ctx
	b.cancel = func() {
		cancelCtx()   // closes the browser's connection
		cancelAlloc() // kills the browser, waits for it and removes the profile
	}
	// No timeout: the context of the first Run is the browser's lifetime.
	if err := chromedp.Do(ctx); err != nil {
		b.err = err
	}
}

// stop ends the browser, if it started. The kernel ends it too if the test
// binary dies first (chromedp starts it with Pdeathsig on Linux).
func (b *sharedBrowser) stop() {
	if b.cancel != nil {
		b.cancel()
	}
}

// tab is one browser tab, with the console problems seen in it.
type tab struct {
	t     *testing.T
	name  string
	app   *app
	ctx   context.Context
	watch *consoleWatch
}

// openBrowser opens a tab of the shared browser in a new BrowserContext,
// for testing a: an incognito-like profile of its own, so no cookie,
// storage or cache of another test reaches it. The BrowserContext is
// disposed of when the test ends, whatever way it ends.
func openBrowser(t *testing.T, a *app, name string) *tab {
	t.Helper()
	return newTab(t, chromium.get(t), a, name, chromedp.WithNewBrowserContext())
}

// newTab opens another tab in the same BrowserContext (same cookies).
func (tb *tab) newTab(name string) *tab {
	tb.t.Helper()
	return newTab(tb.t, tb.ctx, tb.app, name)
}

func newTab(t *testing.T, parent context.Context, a *app, name string, opts ...chromedp.ContextOption) *tab {
	t.Helper()
	w := &consoleWatch{}
	ctx, cancel := chromedp.NewContext(parent, append(opts, chromedp.WithListener(w.record))...)
	t.Cleanup(func() {
		// Closes the tab and, for the test's first tab, disposes of the
		// BrowserContext.
		if err := chromedp.Cancel(ctx); err != nil {
			t.Errorf("%s: closing the tab: %v", name, err)
		}
		cancel()
	})
	// The first Do opens the tab: no timeout on it, or the timeout would
	// close the tab.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: opening the tab: %v", name, err)
	}
	tb := &tab{t: t, name: name, app: a, ctx: ctx, watch: w}
	// Audits report CSP violations as issues, with the directive.
	if _, err := chromedp.Call(ctx, audits.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("%s: enabling audits: %v", name, err)
	}
	// Registered after the tab's cleanup, so it runs before it.
	t.Cleanup(tb.checkConsole)
	return tb
}

// do runs the steps of one part of a test, with a timeout. On failure it
// saves a screenshot and stops the test, naming the step and the URL.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.failureScreenshot()
		tb.t.Fatalf("%s: %s: %v (at %s)", tb.name, what, err, tb.location())
	}
}

// location is the tab's current URL, or "?" when it cannot be read.
func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

// text returns the visible text of the element sel.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.failureScreenshot()
		tb.t.Fatalf("%s: reading %s: %v (at %s)", tb.name, sel, err, tb.location())
	}
	return strings.TrimSpace(s)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%s: evaluating %s: %v", tb.name, expr, err)
	}
	return v
}

// expectOrigin fails unless the tab is on origin.
func (tb *tab) expectOrigin(origin, why string) {
	tb.t.Helper()
	loc := tb.location()
	u, err := url.Parse(loc)
	if err != nil || u.Scheme+"://"+u.Host != origin {
		tb.t.Fatalf("%s: at %s, want a page on %s (%s)", tb.name, loc, origin, why)
	}
}

// signInOnProvider fills the development provider's hosted sign-in form.
func (tb *tab) signInOnProvider(username, password string) {
	tb.t.Helper()
	tb.do("sign in on the provider's page",
		chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")),
		chromedp.SendKeys(chromedp.CSS("#okta-signin-username"), username),
		chromedp.SendKeys(chromedp.CSS("#okta-signin-password"), password),
		chromedp.Click(chromedp.CSS("#okta-signin-submit")),
	)
}

// signInWithWidget fills the Sign-In Widget's form on the app's page.
func (tb *tab) signInWithWidget(username, password string) {
	tb.t.Helper()
	tb.do("sign in with the widget",
		chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")),
		chromedp.SendKeys(chromedp.CSS("#okta-signin-username"), username),
		chromedp.SendKeys(chromedp.CSS("#okta-signin-password"), password),
		chromedp.Click(chromedp.CSS("#okta-signin-submit")),
	)
}

// expectProfile waits for the profile page and checks whose it is.
func (tb *tab) expectProfile(a *app, email string) {
	tb.t.Helper()
	tb.do("wait for the profile", chromedp.WaitVisible(chromedp.CSS("#claim-email")))
	if got := tb.text("#claim-email"); got != email {
		tb.t.Fatalf("%s: profile shows #claim-email %q, want %q", tb.name, got, email)
	}
	if loc := tb.location(); loc != a.URL+"/authorization-code/profile" {
		tb.t.Errorf("%s: profile at %s, want %s/authorization-code/profile (a clean URL)", tb.name, loc, a.URL)
	}
}

// artifactsDir is where screenshots go: $ARTIFACTS_DIR (a relative path
// is relative to this package's folder) or, for the screenshots of failed
// steps, e2e/artifacts.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts: %v", err)
	}
	return dir
}

// inDocs reports whether the README shows the screenshot, from docs/.
func inDocs(name string) bool {
	switch name {
	case "overview", "login-redirect", "login-custom", "login-custom-oie", "login-custom-oie-totp", "profile",
		"report", "report-failure", "spa":
		return true
	}
	return false
}

// screenshot saves the whole page as name.png in the artifacts folder and,
// with UPDATE_DOCS=1, in docs/ when the README shows it. It does nothing
// unless ARTIFACTS_DIR is set or UPDATE_DOCS=1: no test reads the pictures,
// and a full-page capture costs the browser a layout at the page's height
// and a PNG encode.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	if os.Getenv("ARTIFACTS_DIR") == "" && os.Getenv("UPDATE_DOCS") != "1" {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("%s: screenshot %s: %v", tb.name, name, err)
	}
	path := filepath.Join(artifactsDir(tb.t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatalf("saving %s: %v", path, err)
	}
	if os.Getenv("UPDATE_DOCS") == "1" && inDocs(name) {
		docs := filepath.Join(repoRoot(), "docs")
		if err := os.MkdirAll(docs, 0o755); err != nil {
			tb.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(docs, name+".png"), png, 0o644); err != nil {
			tb.t.Fatalf("updating docs/%s.png: %v", name, err)
		}
	}
}

// failureScreenshot saves what the tab showed when a step failed.
func (tb *tab) failureScreenshot() {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Logf("no failure screenshot: %v", err)
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(tb.t.Name()+"-"+tb.name) + "-failure.png"
	path := filepath.Join(artifactsDir(tb.t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Logf("saving %s: %v", path, err)
		return
	}
	tb.t.Logf("failure screenshot: %s", path)
}

// consoleProblem is an error the browser reported for a page.
type consoleProblem struct {
	Kind   string // console.error, console.assert, exception, log or csp
	Source string // for log entries: network, security, javascript, ...
	Text   string
	URL    string
}

func (p consoleProblem) String() string {
	s := p.Kind
	if p.Source != "" {
		s += "/" + p.Source
	}
	s += ": " + p.Text
	if p.URL != "" {
		s += " (" + p.URL + ")"
	}
	return s
}

// consoleWatch collects, for one tab, every console error, uncaught
// exception, error entry of the browser log (failed loads, CSP messages)
// and CSP violation issue, and every URL the tab requested. Warnings and
// other levels are not problems.
type consoleWatch struct {
	mu       sync.Mutex
	problems []consoleProblem
	allowed  []allowance
	requests []string
}

// allowance excuses problems that a test expects, narrowly.
type allowance struct {
	reason string
	match  func(consoleProblem) bool
}

// record runs on the tab's event loop: it must be quick and run no command.
func (w *consoleWatch) record(ev any) {
	var p consoleProblem
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		p = consoleProblem{Kind: "console." + string(ev.Type), Text: remoteText(ev.Args)}
		if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
			p.URL = st.CallFrames[0].URL
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		p = consoleProblem{Kind: "exception", Text: d.Text, URL: d.URL}
		if d.Exception != nil && d.Exception.Description != "" {
			p.Text += " " + d.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		if e.Level != cdplog.EntryLevelError {
			return
		}
		p = consoleProblem{Kind: "log", Source: string(e.Source), Text: e.Text, URL: e.URL}
	case *audits.EventIssueAdded:
		if ev.Issue.Code != audits.InspectorIssueCodeContentSecurityPolicyIssue {
			return
		}
		p = consoleProblem{Kind: "csp", Text: "Content-Security-Policy violation"}
		if d := ev.Issue.Details; d != nil && d.ContentSecurityPolicyIssueDetails != nil {
			c := d.ContentSecurityPolicyIssueDetails
			p.Text += fmt.Sprintf(" of %s (%s)", c.ViolatedDirective, c.ContentSecurityPolicyViolationType)
			p.URL = c.BlockedURL
		}
	case *network.EventRequestWillBeSent:
		w.mu.Lock()
		w.requests = append(w.requests, ev.Request.URL)
		w.mu.Unlock()
		return
	default:
		return
	}
	w.mu.Lock()
	w.problems = append(w.problems, p)
	w.mu.Unlock()
}

// remoteText renders console arguments for a message.
func remoteText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a.Description != "":
			parts = append(parts, a.Description)
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

// allow excuses the problems that match, for a reason the test states.
func (tb *tab) allow(reason string, match func(consoleProblem) bool) {
	tb.watch.mu.Lock()
	defer tb.watch.mu.Unlock()
	tb.watch.allowed = append(tb.watch.allowed, allowance{reason: reason, match: match})
}

// snapshot returns the problems and requests seen so far. It first makes
// a round trip to the tab: the listener sees every event the browser sent
// before the reply, so nothing already reported is missed.
func (tb *tab) snapshot() (problems []consoleProblem, requests []string) {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int]("1")); err != nil {
		tb.t.Logf("%s: console flush: %v", tb.name, err)
	}
	tb.watch.mu.Lock()
	defer tb.watch.mu.Unlock()
	return append([]consoleProblem(nil), tb.watch.problems...), append([]string(nil), tb.watch.requests...)
}

// checkConsole fails the test for every problem no allowance excuses, and
// logs the excused ones.
func (tb *tab) checkConsole() {
	problems, _ := tb.snapshot()
	tb.watch.mu.Lock()
	allowed := tb.watch.allowed
	tb.watch.mu.Unlock()
next:
	for _, p := range problems {
		for _, a := range allowed {
			if a.match(p) {
				tb.t.Logf("%s: expected browser error (%s): %s", tb.name, a.reason, p)
				continue next
			}
		}
		tb.t.Errorf("%s: browser reported %s", tb.name, p)
	}
}

// forgetProblems drops what was recorded so far (for the test of the
// watcher itself).
func (tb *tab) forgetProblems() {
	tb.watch.mu.Lock()
	defer tb.watch.mu.Unlock()
	tb.watch.problems = nil
}
