// Package e2e tests the sample in a real browser: Debian's Chromium,
// driven through the Chrome DevTools Protocol with chromedp. It covers both
// login flows against the embedded development provider, the widget in its
// Identity Engine mode (the default) and in its Classic mode
// (-dev-engine classic), a TOTP second factor, logout, two tabs, the
// widget's failure messages, and checks the browser console and the
// Content-Security-Policy on every page.
//
// Each test starts the app (built once, run as a real process) on free
// loopback ports, and stops it on every exit path. The tests share one
// headless Chromium, started at the first test that needs it and stopped
// after the last; each test gets a BrowserContext of its own (an
// incognito-like profile), so no cookie or storage passes from one test
// to another, and the BrowserContext is disposed of when the test ends.
//
//	go test ./e2e/ -count=1 -v
//
// It needs chromium (or CHROMIUM=/path/to/browser) and the Sign-In Widget's
// npm package (npm ci). Without them the tests skip, except when CI=true,
// where a missing browser or widget fails the run. A failed step saves a
// screenshot of its tab to ARTIFACTS_DIR (default e2e/artifacts). The
// screenshots of the pages along the way are taken only when ARTIFACTS_DIR
// is set (ARTIFACTS_DIR=artifacts for e2e/artifacts) or with UPDATE_DOCS=1,
// which also copies the ones the README shows to docs/.
package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/logbuf"
)

// appBinary is the app, built once by TestMain before any test runs and
// only read afterwards.
var appBinary string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "okta-sample-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	appBinary = filepath.Join(dir, "okta-sample")
	build := exec.Command("go", "build", "-o", appBinary, "./cmd/okta-sample")
	build.Dir = repoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building the app: %v\n%s", err, out)
		return 1
	}
	defer chromium.stop()
	return m.Run()
}

// repoRoot is the repository, one level up from this package.
func repoRoot() string {
	root, err := filepath.Abs("..")
	if err != nil {
		panic(err) // Abs fails only when the working directory is gone
	}
	return root
}

// inCI reports whether missing prerequisites must fail rather than skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// need skips the test, or fails it in CI, when a prerequisite is missing.
func need(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	if inCI() {
		t.Fatalf("missing prerequisite: "+format, args...)
	}
	t.Skipf("missing prerequisite: "+format, args...)
}

// widgetDist is the Sign-In Widget installed by npm ci.
func widgetDist(t *testing.T) string {
	t.Helper()
	dist := filepath.Join(repoRoot(), "node_modules", "@okta", "okta-signin-widget", "dist")
	_, err := os.Stat(filepath.Join(dist, "js", "okta-sign-in.min.js"))
	need(t, err == nil, "%s (run npm ci)", dist)
	return dist
}

// authJSDist is okta-auth-js's dist/ folder, installed by npm ci, which
// the single-page app loads.
func authJSDist(t *testing.T) string {
	t.Helper()
	dist := filepath.Join(repoRoot(), "node_modules", "@okta", "okta-auth-js", "dist")
	_, err := os.Stat(filepath.Join(dist, "okta-auth-js.min.js"))
	need(t, err == nil, "%s (run npm ci)", dist)
	return dist
}

// app is a running okta-sample process with its development provider.
type app struct {
	// URL is the app's origin as the browser uses it, http://localhost:PORT:
	// the host of the redirect URI, so the login cookies match.
	URL string
	// ProviderOrigin is the development provider's origin.
	ProviderOrigin string
	// SPAURL is the single-page app's origin, http://localhost:PORT, or
	// "" when it does not run (without the development provider).
	SPAURL string
	// Logs is what the app wrote to stderr (its log) and stdout.
	Logs *logbuf.Buffer
}

// appOptions choose how the app serves the Sign-In Widget.
type appOptions struct {
	// cdn leaves OKTA_SAMPLE_WIDGET_DIR unset and runs the app in a folder
	// without node_modules, so the page loads the widget from Okta's CDN.
	cdn bool
	// defaultPorts runs on the ports a newcomer sees (8080 and 8081), for
	// the screenshots in docs/.
	defaultPorts bool
	// devEngine is the development provider's engine (-dev-engine): "" or
	// "idx" for Identity Engine, "classic" for the Classic Engine.
	devEngine string
	// provider, when set, is the provider the app signs in with instead
	// of its development provider; the app then listens on its port.
	provider *providerOptions
}

// providerOptions point the app at a provider other than its own.
type providerOptions struct {
	issuer, clientID, clientSecret string
	// port is the app's port, the one of the redirect URI registered
	// with the provider.
	port int
}

// updatingDocs reports whether this run refreshes docs/ (UPDATE_DOCS=1).
// The tests that take those screenshots then run one at a time on the
// default ports, so the pictures show http://localhost:8080; otherwise
// they run in parallel on free ports.
func updatingDocs(t *testing.T) bool {
	t.Helper()
	if os.Getenv("UPDATE_DOCS") == "1" {
		return true
	}
	t.Parallel()
	return false
}

var (
	bannerApp    = regexp.MustCompile(`^\s*app:\s+(http://\S+?)/?$`)
	bannerIssuer = regexp.MustCompile(`^\s*issuer:\s+(http://[^/\s]+)/\S*$`)
	bannerSPA    = regexp.MustCompile(`^\s*spa:\s+(http://\S+?)/ `)
)

// startApp runs the app with the development provider on free loopback
// ports (port 0, read back from its banner) and waits until /healthz says
// it is ready (see startProcess).
func startApp(t *testing.T, opts appOptions) *app {
	t.Helper()
	env := appEnv()
	if !opts.cdn {
		env = append(env, "OKTA_SAMPLE_WIDGET_DIR="+widgetDist(t), "OKTA_SAMPLE_AUTHJS_DIR="+authJSDist(t))
	}
	addr, devAddr := "127.0.0.1:0", "127.0.0.1:0"
	if opts.defaultPorts {
		addr, devAddr = "127.0.0.1:8080", "127.0.0.1:8081"
	}
	args := []string{"-dev", "-addr", addr, "-dev-addr", devAddr}
	if opts.devEngine != "" {
		args = append(args, "-dev-engine", opts.devEngine)
	}
	if p := opts.provider; p != nil {
		args = []string{"-addr", fmt.Sprintf("127.0.0.1:%d", p.port)}
		env = append(env, "OKTA_OAUTH2_ISSUER="+p.issuer, "OKTA_OAUTH2_CLIENT_ID="+p.clientID,
			"OKTA_OAUTH2_CLIENT_SECRET="+p.clientSecret,
			fmt.Sprintf("OKTA_OAUTH2_REDIRECT_URI=http://localhost:%d/authorization-code/callback", p.port))
	}
	return startProcess(t, args, env)
}

// startProcess runs the app with args and the environment env, reads its
// URL and its issuer's origin from its banner, and waits until /healthz
// says it is ready. The process is stopped when the test ends.
func startProcess(t *testing.T, args, env []string) *app {
	t.Helper()
	cmd := exec.Command(appBinary, args...)
	// An empty folder: no .samples.config.json, no node_modules.
	cmd.Dir = t.TempDir()
	cmd.Env = env
	logs := &logbuf.Buffer{}
	cmd.Stderr = logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the app: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stopProcess(t, cmd, exited)
		if t.Failed() || os.Getenv("E2E_APP_LOG") == "1" {
			t.Logf("app log:\n%s", logs.String())
		}
	})

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(logs, sc.Text())
			select {
			case lines <- sc.Text():
			case <-time.After(time.Second):
				// Nobody reads any more; keep draining so the app never blocks.
			}
		}
	}()
	a := &app{Logs: logs}
	deadline := time.After(20 * time.Second)
	// The banner ends with its "Open … in a browser" line; the SPA's line
	// is in it only when the SPA runs (always with the dev provider).
	for bannerDone := false; !bannerDone; {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the app closed its output before printing its URLs; log:\n%s", logs.String())
			}
			if m := bannerApp.FindStringSubmatch(line); m != nil {
				a.URL = m[1]
			}
			if m := bannerIssuer.FindStringSubmatch(line); m != nil {
				a.ProviderOrigin = m[1]
			}
			if m := bannerSPA.FindStringSubmatch(line); m != nil {
				a.SPAURL = m[1]
			}
			bannerDone = strings.HasPrefix(line, "Open ")
		case err := <-exited:
			t.Fatalf("the app exited: %v; log:\n%s", err, logs.String())
		case <-deadline:
			t.Fatalf("the app printed no URLs in 20s; log:\n%s", logs.String())
		}
	}
	if a.URL == "" || a.ProviderOrigin == "" {
		t.Fatalf("the banner names no app or no issuer; log:\n%s", logs.String())
	}
	waitHealthy(t, a.URL)
	return a
}

// appEnv is this process's environment without anything that would point
// the app at a real provider or another widget folder.
func appEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "OKTA_"),
			name == "ISSUER", name == "CLIENT_ID", name == "CLIENT_SECRET", name == "REDIRECT_URI", name == "PORT":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// stopProcess asks the app to shut down gracefully, then kills it.
func stopProcess(t *testing.T, cmd *exec.Cmd, exited <-chan error) {
	t.Helper()
	if err := cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("interrupting the app: %v", err)
	}
	select {
	case <-exited:
		return
	case <-time.After(10 * time.Second):
	}
	t.Errorf("the app did not stop within 10s of SIGINT; killing it")
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("killing the app: %v", err)
	}
	<-exited
}

// waitHealthy polls /healthz until the app can serve logins.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close() // the status is all we need
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s/healthz not ready after 20s (last error %v)", base, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
