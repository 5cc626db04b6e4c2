package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
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
	// maxFlood bounds -flood: about a quarter of an hour on this machine.
	maxFlood = 1_000_000
)

// options are the flags.
type options struct {
	users       int
	concurrency int
	duration    time.Duration
	app         string
	cpuProfile  string
	flood       int
	redis       bool
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
	fs.IntVar(&o.flood, "flood", 0, fmt.Sprintf("instead of the page load: send this many pairs of \"start a login, send its callback with a junk code\" (up to %d), then time a genuine login", maxFlood))
	fs.BoolVar(&o.redis, "redis", false, "measure the app with its sessions in memory, then in Redis (a redis-server this command starts on a free loopback port), in one run")
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
	if o.flood < 0 || o.flood > maxFlood {
		problems = append(problems, fmt.Errorf("-flood %d: want 0 (off) to %d", o.flood, maxFlood))
	}
	if o.flood > 0 && o.cpuProfile != "" {
		problems = append(problems, errors.New("-cpuprofile profiles the page load, which -flood replaces"))
	}
	if err := errors.Join(problems...); err != nil {
		fmt.Fprintln(stderr, err)
		return o, errUsage
	}
	return o, nil
}

// storeRun is one measured run of the app, with its sessions in one store.
type storeRun struct {
	name string // "memory" or "redis"
	// env is what the app needs for this store.
	env   []string
	redis *redisServer // nil for memory
	port  int          // the app's port, registered with the provider
}

// summary is what a page-load run measured, for the comparison of stores.
type summary struct {
	store                      string
	loginRate, pageRate, ratio float64
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

	runs := []*storeRun{{name: "memory"}}
	if o.redis {
		srv, err := startRedis(ctx, dir)
		if err != nil {
			return err
		}
		defer srv.stop()
		// Replicas sharing Redis must share the transaction cookie key;
		// the app refuses Redis without one.
		key := make([]byte, 32)
		rand.Read(key) // never fails (crypto/rand, Go 1.24+)
		runs = append(runs, &storeRun{name: "redis", redis: srv, env: []string{
			"OKTA_SAMPLE_REDIS_URL=" + srv.url(),
			"OKTA_SAMPLE_COOKIE_KEYS=" + base64.StdEncoding.EncodeToString(key),
		}})
	}
	var appURLs []string
	for _, r := range runs {
		if r.port, err = freePort(); err != nil {
			return err
		}
		appURLs = append(appURLs, "http://127.0.0.1:"+strconv.Itoa(r.port))
	}
	// One user more than asked for: the first signs in before the heap is
	// measured, so that what every login shares (the provider's keys, the
	// parsed templates' caches) is not charged to the sessions. A flood
	// needs two: one signs in before it, one after.
	users := o.users + 1
	if o.flood > 0 {
		users = 2
	}
	prov, err := startProvider(appURLs, users)
	if err != nil {
		return err
	}
	defer prov.stop()

	mode := fmt.Sprintf("%d users, concurrency %d, %v per target", o.users, o.concurrency, o.duration)
	if o.flood > 0 {
		mode = fmt.Sprintf("a flood of %d junk callbacks, concurrency %d", o.flood, o.concurrency)
	}
	fmt.Fprintf(stdout, "okta-sample-load: %s, GOMAXPROCS %d on %d CPUs\n", mode, runtime.GOMAXPROCS(0), runtime.NumCPU())
	var sums []summary
	for _, r := range runs {
		if len(runs) > 1 {
			fmt.Fprintf(stdout, "\n== sessions in %s ==\n", r.name)
		}
		if o.flood > 0 {
			err = floodRun(ctx, o, dir, r, prov, stdout)
		} else {
			var sum summary
			sum, err = pageRun(ctx, o, dir, r, prov, stdout)
			sums = append(sums, sum)
		}
		if err != nil {
			return fmt.Errorf("sessions in %s: %w", r.name, err)
		}
	}
	if len(sums) > 1 {
		fmt.Fprintf(stdout, "\nsame run, same machine:\n%-8s %10s %10s %8s\n", "store", "logins/s", "pages/s", "ratio")
		for _, s := range sums {
			fmt.Fprintf(stdout, "%-8s %10.1f %10.1f %8.2f\n", s.store, s.loginRate, s.pageRate, s.ratio)
		}
	}
	return nil
}

// startStoreApp starts the app for r, with its debug server.
func startStoreApp(ctx context.Context, o options, dir string, r *storeRun, prov *provider, stdout io.Writer) (*appProcess, string, error) {
	debugPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	appURL := "http://127.0.0.1:" + strconv.Itoa(r.port)
	app, err := startApp(ctx, dir, o.app, r.port, debugPort, prov, r.env)
	if err != nil {
		return nil, "", err
	}
	where := "memory"
	if r.redis != nil {
		where = "redis-server on " + r.redis.addr + ", started by this command"
	}
	fmt.Fprintf(stdout, "app:           %s, pid %d, on %s; sessions: %s; provider: the dev provider, in this process\n",
		o.app, app.cmd.Process.Pid, appURL, where)
	return app, appURL, nil
}

// pageRun signs the users in and loads the profile page against the
// plain handler, with the sessions in r's store.
func pageRun(ctx context.Context, o options, dir string, r *storeRun, prov *provider, stdout io.Writer) (summary, error) {
	app, appURL, err := startStoreApp(ctx, o, dir, r, prov, stdout)
	if err != nil {
		return summary{}, err
	}
	defer app.stop()

	l := &loader{appURL: appURL}
	if _, err := l.login(ctx, prov.users[0]); err != nil {
		return summary{}, app.withLog(fmt.Errorf("first login: %w", err))
	}
	before, err := app.heap(ctx)
	if err != nil {
		return summary{}, err
	}
	var redisBefore uint64
	if r.redis != nil {
		if redisBefore, err = r.redis.usedMemory(ctx); err != nil {
			return summary{}, err
		}
	}
	logins, err := l.loginAll(ctx, prov.users[1:], o.concurrency)
	if err != nil {
		return summary{}, app.withLog(err)
	}
	after, err := app.heap(ctx)
	if err != nil {
		return summary{}, err
	}
	printRun(stdout, "logins", "logins/s", logins, "")

	page, err := l.capture(ctx)
	if err != nil {
		return summary{}, app.withLog(err)
	}
	var redisAfter uint64
	if r.redis != nil {
		if redisAfter, err = r.redis.usedMemory(ctx); err != nil {
			return summary{}, err
		}
	}
	plain, err := startPlain(ctx, dir, page)
	if err != nil {
		return summary{}, err
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
		res, cpu, err := measure(app.cmd.Process.Pid, func() (result, error) {
			return l.loadPages(ctx, appURL+profilePath, o.concurrency, o.duration/time.Duration(slices))
		})
		if err != nil {
			return summary{}, app.withLog(fmt.Errorf("profile page: %w", err))
		}
		pages.add(res)
		appCPU += cpu
		res, cpu, err = measure(plain.cmd.Process.Pid, func() (result, error) {
			return l.loadPages(ctx, plain.URL+profilePath, o.concurrency, o.duration/time.Duration(slices))
		})
		if err != nil {
			return summary{}, fmt.Errorf("plain handler: %w", err)
		}
		plains.add(res)
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
	if r.redis != nil {
		perKey := (float64(redisAfter) - float64(redisBefore)) / float64(o.users)
		fmt.Fprintf(stdout, "redis memory:  %s used after 1 session, %s after %d: %.0f bytes per signed-in session (INFO memory, used_memory)%s\n",
			mb(redisBefore), mb(redisAfter), after.Sessions, perKey, note)
	}
	if after.Sessions != o.users+1 {
		return summary{}, fmt.Errorf("the app holds %d sessions, want %d: some were ended", after.Sessions, o.users+1)
	}
	if profile != nil {
		if err := <-profile; err != nil {
			return summary{}, fmt.Errorf("CPU profile: %w", err)
		}
		fmt.Fprintf(stdout, "cpu profile:   %s, of the app during the page load (go tool pprof -top %[1]s)\n", o.cpuProfile)
	}
	return summary{store: r.name, loginRate: logins.rate(), pageRate: pages.rate(), ratio: pages.rate() / plains.rate()}, nil
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
// for the apps at appURLs (one per store measured).
func startProvider(appURLs []string, n int) (*provider, error) {
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
	var redirects, logouts []string
	for _, u := range appURLs {
		redirects = append(redirects, u+callbackPath)
		logouts = append(logouts, u+"/")
	}
	h, err := devprovider.New(devprovider.Config{
		Issuer: p.issuer,
		Clients: []devprovider.Client{{
			ID: p.clientID, Secret: p.secret,
			RedirectURIs:           redirects,
			PostLogoutRedirectURIs: logouts,
		}},
		Users:          p.users,
		TrustedOrigins: appURLs,
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
// with env added (the session store's settings), and waits until it is
// healthy.
func startApp(ctx context.Context, dir, bin string, port, debugPort int, prov *provider, env []string) (*appProcess, error) {
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
	cmd.Env = append(cmd.Env, env...)
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
