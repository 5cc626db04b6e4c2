package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/logbuf"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
	"github.com/okta-samples/okta-go-sample/internal/testproc"
)

// The banner run prints names the app's and the issuer's URLs.
var (
	bannerAppRE    = regexp.MustCompile(`app:\s+(https?://\S+)/`)
	bannerIssuerRE = regexp.MustCompile(`issuer:\s+(http://\S+)`)
)

// runningApp is one running instance of the program, started through run.
type runningApp struct {
	URL    string // http://localhost:PORT, or the public URL when one is set
	Issuer string
	Stdout *logbuf.Buffer
	Logs   *logbuf.Buffer
}

// TestMain runs the tests in an empty working directory, so that no
// .samples.config.json or node_modules/ next to them changes what run
// reads, and without t.Chdir, which keeps a test from being parallel.
func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// pkgDir is the package's directory, the working directory go test starts
// the tests in, for the repository's files. TestMain sets it before any
// test runs.
var pkgDir string

func runTests(m *testing.M) int {
	var err error
	if pkgDir, err = os.Getwd(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "okta-sample-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := os.Chdir(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// testRunDeps are run's dependencies in tests: keys made in advance for
// the development provider, instead of a fresh RSA key per app.
func testRunDeps() runDeps {
	return runDeps{newSigningKey: (&testkeys.Source{}).Next}
}

// startApp calls run with args on free loopback ports, waits until
// /healthz answers 200, and stops it (checking it returned cleanly) when
// the test ends.
func startApp(t testing.TB, env map[string]string, args ...string) *runningApp {
	t.Helper()
	return startAppVia(t, http.DefaultClient, env, args...)
}

// startAppVia is startApp for an app that client reaches at the URL the
// banner names: through a TLS proxy, when the public URL is the proxy's.
func startAppVia(t testing.TB, client *http.Client, env map[string]string, args ...string) *runningApp {
	t.Helper()
	a, err := tryStartAppVia(t, client, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// startOnPort starts an app whose port the test must choose before it
// starts: start starts it on port, with tryStartAppVia. Another process
// may take a free port before run binds it, so startOnPort tries again
// with another port.
func startOnPort(t testing.TB, start func(port int) (*runningApp, error)) *runningApp {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port, err := testproc.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		a, err := start(port)
		if err == nil {
			return a
		}
		if !errors.Is(err, syscall.EADDRINUSE) || attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("port %d was taken before the app bound it; trying another", port)
	}
}

// tryStartAppVia is startAppVia, returning run's error when run returns
// before the app is up (as when its port is taken).
func tryStartAppVia(t testing.TB, client *http.Client, env map[string]string, args ...string) (*runningApp, error) {
	t.Helper()
	a := &runningApp{Stdout: &logbuf.Buffer{}, Logs: &logbuf.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// Waiting for the app ends when it is up, after 15s, or when run
	// returns.
	waitCtx, stopWaiting := context.WithTimeout(context.Background(), 15*time.Second)
	defer stopWaiting()
	args = append([]string{"-addr", "127.0.0.1:0", "-dev-addr", "127.0.0.1:0"}, args...)
	go func() {
		done <- runWith(ctx, testRunDeps(), args, func(k string) string { return env[k] }, a.Stdout, a.Logs)
		stopWaiting()
	}()
	returned := false // run returned before the app was up, and said why
	t.Cleanup(func() {
		if returned {
			cancel()
			return
		}
		// The browsers' spare connections, dialled but never used, would
		// hold the app's graceful shutdown for 5s: net/http counts a
		// connection without a request as idle only after 5s.
		client.CloseIdleConnections()
		http.DefaultClient.CloseIdleConnections()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("run did not stop within 15s of cancel")
		}
		if t.Failed() {
			t.Logf("app log:\n%s", a.Logs.String())
		}
	})

	// run prints the banner, then serves and discovers the provider.
	_, err := a.Logs.WaitFor(waitCtx, func(logs string) bool { return strings.Contains(logs, "provider discovered") })
	if err != nil {
		select {
		case err := <-done:
			returned = true
			return nil, fmt.Errorf("run returned early: %w\nstderr:\n%s", err, a.Logs.String())
		default:
		}
		t.Fatalf("provider not discovered within 15s; stdout:\n%s\nlog:\n%s", a.Stdout.String(), a.Logs.String())
	}
	out := a.Stdout.String()
	m, iss := bannerAppRE.FindStringSubmatch(out), bannerIssuerRE.FindStringSubmatch(out)
	if m == nil || iss == nil {
		t.Fatalf("no app or issuer URL in the banner:\n%s", out)
	}
	a.URL, a.Issuer = m[1], iss[1]
	resp, err := client.Get(a.URL + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: got %d, want 200; log:\n%s", resp.StatusCode, a.Logs.String())
	}
	return a, nil
}

// fataler is the part of testing.T a browser needs. Off the test
// goroutine, where t.Fatal must not be called, goroutineT stands in.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// goroutineT turns Fatalf into a panic that runWorker recovers.
type goroutineT struct{}

type workerFailure struct{ msg string }

func (goroutineT) Helper() {}
func (goroutineT) Fatalf(format string, args ...any) {
	panic(workerFailure{fmt.Sprintf(format, args...)})
}

// runWorker runs f with a goroutineT and returns its failure, if any.
func runWorker(f func(t fataler)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			wf, ok := r.(workerFailure)
			if !ok {
				panic(r)
			}
			err = errors.New(wf.msg)
		}
	}()
	f(goroutineT{})
	return nil
}

// browser is an HTTP client with a cookie jar that records each hop.
type browser struct {
	t      fataler
	client *http.Client
	jar    *cookiejar.Jar
}

func newBrowser(t fataler) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return &browser{t: t, jar: jar, client: &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		// Redirects are followed by hand, so tests can stop at any hop.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is a response with its body read.
type page struct {
	Status int
	URL    *url.URL
	Header http.Header
	Body   string
}

// do sends one request without following redirects.
func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("reading %s: %v", req.URL.Redacted(), err)
	}
	return page{Status: resp.StatusCode, URL: req.URL, Header: resp.Header, Body: string(body)}
}

func (b *browser) get(u string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatalf("%v", err)
	}
	return b.do(req)
}

func (b *browser) postForm(u string, form url.Values, header http.Header) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatalf("%v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return b.do(req)
}

// follow GETs u and follows redirects until a non-redirect answer, or
// until stop returns true for the next URL (which is then returned
// unfetched, as a page with Status 0).
func (b *browser) follow(u string, stop func(*url.URL) bool) page {
	b.t.Helper()
	for range 20 {
		next, err := url.Parse(u)
		if err != nil {
			b.t.Fatalf("%v", err)
		}
		if stop != nil && stop(next) {
			return page{URL: next}
		}
		p := b.get(u)
		if p.Status < 300 || p.Status > 399 {
			return p
		}
		u = resolve(b.t, p.URL, p.Header.Get("Location"))
	}
	b.t.Fatalf("more than 20 redirects from %s", u)
	return page{}
}

// followFrom follows p's redirect, if it is one.
func (b *browser) followFrom(p page, stop func(*url.URL) bool) page {
	b.t.Helper()
	if p.Status < 300 || p.Status > 399 {
		return p
	}
	return b.follow(resolve(b.t, p.URL, p.Header.Get("Location")), stop)
}

func resolve(t fataler, base *url.URL, loc string) string {
	t.Helper()
	l, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("bad Location %q: %v", loc, err)
	}
	return base.ResolveReference(l).String()
}

var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	requestRE    = regexp.MustCompile(`name="request" value="([^"]+)"`)
)

// submitSignIn fills in the development provider's hosted sign-in form
// shown in p and returns the provider's answer, without following it.
func (b *browser) submitSignIn(p page, username, password string) page {
	b.t.Helper()
	if !strings.Contains(p.Body, `id="okta-signin-username"`) {
		b.t.Fatalf("expected the provider's sign-in form at %s, got %d:\n%s", p.URL.Redacted(), p.Status, p.Body)
	}
	action := formActionRE.FindStringSubmatch(p.Body)
	req := requestRE.FindStringSubmatch(p.Body)
	if action == nil || req == nil {
		b.t.Fatalf("sign-in form without action or request field:\n%s", p.Body)
	}
	target := resolve(b.t, p.URL, htmlUnescape(action[1]))
	return b.postForm(target, url.Values{"request": {htmlUnescape(req[1])}, "username": {username}, "password": {password}}, nil)
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#61;", "=", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'").Replace(s)
}

// login runs a whole login-redirect flow from the app's login route and
// returns the page it ends on. When the provider already has a session
// (SSO), no form is shown.
func (b *browser) login(a *runningApp, username, password string) page {
	b.t.Helper()
	p := b.follow(a.URL+"/authorization-code/login", nil)
	if strings.Contains(p.Body, `id="okta-signin-username"`) {
		p = b.followFrom(b.submitSignIn(p, username, password), nil)
	}
	return p
}

// claim returns the value shown for claim name on a profile page.
func claim(body, name string) (string, error) {
	re := regexp.MustCompile(`id="claim-` + regexp.QuoteMeta(name) + `">([^<]*)<`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("no claim %q on the page", name)
	}
	return htmlUnescape(m[1]), nil
}

// cookie returns the value of the cookie name that b holds for u.
func (b *browser) cookie(u, name string) (string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	for _, c := range b.jar.Cookies(pu) {
		if c.Name == name {
			return c.Value, nil
		}
	}
	return "", errors.New("no cookie " + name)
}

// TestStartOnPortRetries: a port taken before run binds it costs one more
// attempt on another port; any other failure ends the test at once.
func TestStartOnPortRetries(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var ports []int
	a := startOnPort(t, func(port int) (*runningApp, error) {
		ports = append(ports, port)
		if len(ports) == 1 {
			// What run returns when another process took the port.
			_, err := net.Listen("tcp", taken.Addr().String())
			return nil, fmt.Errorf("listening: %w", err)
		}
		return tryStartAppVia(t, http.DefaultClient, nil, "-addr", "127.0.0.1:"+strconv.Itoa(port))
	})
	if len(ports) != 2 || ports[0] == ports[1] {
		t.Errorf("attempts on ports %v, want two on different ports", ports)
	}
	if want := ":" + strconv.Itoa(ports[len(ports)-1]); !strings.HasSuffix(a.URL, want) {
		t.Errorf("the app is at %s, want it on the second port (%s)", a.URL, want)
	}
}
