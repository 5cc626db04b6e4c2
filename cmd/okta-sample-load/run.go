package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/okta-samples/okta-go-sample/devprovider"
)

var errUsage = errors.New("usage")

// Bounds on the flags, so that a typo cannot run for an hour or open
// thousands of connections.
const (
	maxUsers       = 10_000 // the dev provider keeps 10,000 sign-in sessions
	maxConcurrency = 256
	maxDuration    = time.Minute
)

// options are the flags.
type options struct {
	users       int
	concurrency int
	duration    time.Duration
	app         string
	cpuProfile  string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("okta-sample-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.users, "users", 1000, fmt.Sprintf("users to sign in, 1 to %d", maxUsers))
	fs.IntVar(&o.concurrency, "c", 8, fmt.Sprintf("concurrent clients, 1 to %d", maxConcurrency))
	fs.DurationVar(&o.duration, "d", 5*time.Second, fmt.Sprintf("how long to load each target, up to %v", maxDuration))
	fs.StringVar(&o.app, "app", "", "the okta-sample binary to measure (default: go build ./cmd/okta-sample)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the app's CPU profile during its page load to this file")
	if err := fs.Parse(args); err != nil {
		return o, errUsage
	}
	var problems []error
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Errorf("unexpected arguments: %q", fs.Args()))
	}
	if o.users < 1 || o.users > maxUsers {
		problems = append(problems, fmt.Errorf("-users %d: want 1 to %d", o.users, maxUsers))
	}
	if o.concurrency < 1 || o.concurrency > maxConcurrency {
		problems = append(problems, fmt.Errorf("-c %d: want 1 to %d", o.concurrency, maxConcurrency))
	}
	if o.duration < 100*time.Millisecond || o.duration > maxDuration {
		problems = append(problems, fmt.Errorf("-d %v: want 100ms to %v", o.duration, maxDuration))
	}
	if err := errors.Join(problems...); err != nil {
		fmt.Fprintln(stderr, err)
		return o, errUsage
	}
	return o, nil
}

// run is the whole program; tests call it with small numbers.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "okta-sample-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.app == "" {
		if o.app, err = buildApp(ctx, dir); err != nil {
			return err
		}
	}

	appPort, err := freePort()
	if err != nil {
		return err
	}
	debugPort, err := freePort()
	if err != nil {
		return err
	}
	appURL := "http://127.0.0.1:" + strconv.Itoa(appPort)
	// One user more than asked for: the first signs in before the heap is
	// measured, so that what every login shares (the provider's keys, the
	// parsed templates' caches) is not charged to the sessions.
	prov, err := startProvider(appURL, o.users+1)
	if err != nil {
		return err
	}
	defer prov.stop()
	app, err := startApp(ctx, dir, o.app, appPort, debugPort, prov)
	if err != nil {
		return err
	}
	defer app.stop()

	fmt.Fprintf(stdout, "okta-sample-load: %d users, concurrency %d, %v per target, GOMAXPROCS %d on %d CPUs\n",
		o.users, o.concurrency, o.duration, runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Fprintf(stdout, "app:           %s, pid %d, on %s; provider: the dev provider, in this process\n", o.app, app.cmd.Process.Pid, appURL)

	l := &loader{appURL: appURL}
	if _, err := l.login(ctx, prov.users[0]); err != nil {
		return app.withLog(fmt.Errorf("first login: %w", err))
	}
	before, err := app.heap(ctx)
	if err != nil {
		return err
	}
	logins, err := l.loginAll(ctx, prov.users[1:], o.concurrency)
	if err != nil {
		return app.withLog(err)
	}
	after, err := app.heap(ctx)
	if err != nil {
		return err
	}
	printRun(stdout, "logins", "logins/s", logins, "")

	page, err := l.capture(ctx)
	if err != nil {
		return app.withLog(err)
	}
	plain, err := startPlain(ctx, dir, page)
	if err != nil {
		return err
	}
	defer plain.stop()

	var profile chan error
	if o.cpuProfile != "" {
		profile = make(chan error, 1)
		go func() { profile <- app.cpuProfile(ctx, o.cpuProfile, o.duration/2) }()
	}
	// Short slices, app and plain in turn, so that a noisy neighbour on
	// the machine weighs on both alike.
	slices := max(2, int(o.duration/sliceLength))
	var pages, plains result
	var appCPU, plainCPU time.Duration
	for range slices {
		r, cpu, err := measure(app.cmd.Process.Pid, func() (result, error) {
			return l.loadPages(ctx, appURL+profilePath, o.concurrency, o.duration/time.Duration(slices))
		})
		if err != nil {
			return app.withLog(fmt.Errorf("profile page: %w", err))
		}
		pages.add(r)
		appCPU += cpu
		r, cpu, err = measure(plain.cmd.Process.Pid, func() (result, error) {
			return l.loadPages(ctx, plain.URL+profilePath, o.concurrency, o.duration/time.Duration(slices))
		})
		if err != nil {
			return fmt.Errorf("plain handler: %w", err)
		}
		plains.add(r)
		plainCPU += cpu
	}
	size := fmt.Sprintf(", %d bytes", len(page.Body))
	printRun(stdout, "profile page", "pages/s", pages, size)
	printRun(stdout, "plain handler", "pages/s", plains, size)
	fmt.Fprintf(stdout, "ratio:         %.2f (profile page pages/s / plain handler pages/s)\n", pages.rate()/plains.rate())
	if appCPU > 0 && plainCPU > 0 {
		perApp := appCPU / time.Duration(pages.count())
		perPlain := plainCPU / time.Duration(plains.count())
		fmt.Fprintf(stdout, "server CPU:    %.1f µs per profile page, %.1f µs per plain page: ratio %.2f\n",
			float64(perApp)/1e3, float64(perPlain)/1e3, float64(perPlain)/float64(perApp))
	}
	perSession := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(o.users)
	note := ""
	if o.users < 100 {
		note = " (too few sessions for a precise figure)"
	}
	fmt.Fprintf(stdout, "heap:          %s live after %d session, %s after %d: %.0f bytes per signed-in session%s\n",
		mb(before.HeapAlloc), before.Sessions, mb(after.HeapAlloc), after.Sessions, perSession, note)
	if after.Sessions != o.users+1 {
		return fmt.Errorf("the app holds %d sessions, want %d: some were ended", after.Sessions, o.users+1)
	}
	if profile != nil {
		if err := <-profile; err != nil {
			return fmt.Errorf("CPU profile: %w", err)
		}
		fmt.Fprintf(stdout, "cpu profile:   %s, of the app during the page load (go tool pprof -top %[1]s)\n", o.cpuProfile)
	}
	return nil
}

// sliceLength is how long each target is loaded before the other's turn.
const sliceLength = 500 * time.Millisecond

// measure runs load and returns, with its result, the CPU time that the
// process pid spent meanwhile (zero where that cannot be read).
func measure(pid int, load func() (result, error)) (result, time.Duration, error) {
	before, okBefore := processCPU(pid)
	r, err := load()
	after, okAfter := processCPU(pid)
	if !okBefore || !okAfter {
		return r, 0, err
	}
	return r, after - before, err
}

func mb(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

func printRun(w io.Writer, name, unit string, r result, extra string) {
	fmt.Fprintf(w, "%-14s %d in %.2fs = %.1f %s, p50 %s, p99 %s%s\n", name+":", r.count(), r.elapsed.Seconds(), r.rate(), unit,
		ms(r.percentile(50)), ms(r.percentile(99)), extra)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// appPackage is the app's command, built from the module the current
// directory is in.
const appPackage = "github.com/okta-samples/okta-go-sample/cmd/okta-sample"

// buildApp builds the app into dir.
func buildApp(ctx context.Context, dir string) (string, error) {
	mod, err := exec.CommandContext(ctx, "go", "list", "-m").Output()
	if err != nil || strings.TrimSpace(string(mod)) != strings.TrimSuffix(appPackage, "/cmd/okta-sample") {
		return "", fmt.Errorf("building the app: run this from the repository, or pass -app (go list -m: %q, %v)", strings.TrimSpace(string(mod)), err)
	}
	bin := filepath.Join(dir, "okta-sample")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, appPackage).CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the app: %w\n%s", err, out)
	}
	return bin, nil
}

// freePort returns a loopback port that was free a moment ago. The app
// must know its port before it starts, because the provider registers
// its redirect URI.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// provider is the dev provider, served from this process.
type provider struct {
	issuer, clientID, secret string
	users                    []devprovider.User
	srv                      *http.Server
}

const clientID = "0oa-okta-sample-load"

// startProvider serves a dev provider with n generated users and a client
// for the app at appURL.
func startProvider(appURL string, n int) (*provider, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &provider{issuer: "http://" + ln.Addr().String() + "/oauth2/default", clientID: clientID, secret: rand.Text()}
	// One password for all: these accounts live as long as this run, on
	// loopback.
	password := rand.Text()
	for i := range n {
		p.users = append(p.users, devprovider.User{
			Subject:    fmt.Sprintf("00uload%012d", i),
			Login:      fmt.Sprintf("user%d@load.example", i),
			Password:   password,
			Email:      fmt.Sprintf("user%d@load.example", i),
			GivenName:  "User",
			FamilyName: strconv.Itoa(i),
			Locale:     "en-US",
			ZoneInfo:   "America/Los_Angeles",
		})
	}
	h, err := devprovider.New(devprovider.Config{
		Issuer: p.issuer,
		Clients: []devprovider.Client{{
			ID: p.clientID, Secret: p.secret,
			RedirectURIs:           []string{appURL + callbackPath},
			PostLogoutRedirectURIs: []string{appURL + "/"},
		}},
		Users:          p.users,
		TrustedOrigins: []string{appURL},
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	p.srv = &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.srv.Serve(ln) }() // ends with ErrServerClosed in stop
	return p, nil
}

func (p *provider) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx) // at exit; connections left open close with the process
}

// appProcess is the app under test.
type appProcess struct {
	cmd      *exec.Cmd
	debugURL string
	logPath  string
	cancel   context.CancelFunc
	exited   chan struct{} // closed when the process has ended
}

// startApp starts the app binary configured for prov, as for a real org,
// and waits until it is healthy.
func startApp(ctx context.Context, dir, bin string, port, debugPort int, prov *provider) (*appProcess, error) {
	logPath := filepath.Join(dir, "app.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	appURL := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:"+strconv.Itoa(port), "-debug-addr", "127.0.0.1:"+strconv.Itoa(debugPort))
	cmd.Dir = dir // no .samples.config.json there
	cmd.Env = []string{
		"OKTA_OAUTH2_ISSUER=" + prov.issuer,
		"OKTA_OAUTH2_CLIENT_ID=" + prov.clientID,
		"OKTA_OAUTH2_CLIENT_SECRET=" + prov.secret,
		"OKTA_OAUTH2_REDIRECT_URI=" + appURL + callbackPath,
	}
	for _, k := range []string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childProcAttr()
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("starting the app: %w", err)
	}
	a := &appProcess{cmd: cmd, debugURL: "http://127.0.0.1:" + strconv.Itoa(debugPort), logPath: logPath, cancel: cancel,
		exited: make(chan struct{})}
	go func() {
		// Wait is called once, here; stop waits on exited. An exit status
		// after an interrupt says nothing a measurement needs.
		_ = cmd.Wait()
		close(a.exited)
	}()
	exited := a.exited
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			return nil, a.withLog(errors.New("the app exited at start"))
		case <-ctx.Done():
			a.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(appURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a, nil
			}
		}
		if time.Now().After(deadline) {
			a.stop()
			return nil, a.withLog(errors.New("the app was not healthy within 30 s"))
		}
	}
}

// stop interrupts the app and waits until it has ended (killing it after
// cmd.WaitDelay).
func (a *appProcess) stop() {
	a.cancel()
	<-a.exited
}

// withLog adds the end of the app's log to err.
func (a *appProcess) withLog(err error) error {
	b, rerr := os.ReadFile(a.logPath)
	if rerr != nil {
		return err
	}
	const tail = 4 << 10
	if len(b) > tail {
		b = b[len(b)-tail:]
	}
	return fmt.Errorf("%w\nthe end of the app's log:\n%s", err, b)
}

// heapStats is what the app's /debug/heap answers.
type heapStats struct {
	HeapAlloc uint64 `json:"heap_alloc"`
	Sessions  int    `json:"sessions"`
}

// heap returns the app's live heap after a garbage collection.
func (a *appProcess) heap(ctx context.Context) (heapStats, error) {
	var hs heapStats
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.debugURL+"/debug/heap", nil)
	if err != nil {
		return hs, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return hs, fmt.Errorf("reading the app's heap: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return hs, fmt.Errorf("reading the app's heap: %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&hs); err != nil {
		return hs, fmt.Errorf("reading the app's heap: %w", err)
	}
	return hs, nil
}

// cpuProfile writes the app's CPU profile over the next d to path.
func (a *appProcess) cpuProfile(ctx context.Context, path string, d time.Duration) error {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.debugURL+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the app answered %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, io.LimitReader(resp.Body, 64<<20)); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
