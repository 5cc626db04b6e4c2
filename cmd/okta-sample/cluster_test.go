package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/redistest"
	"github.com/okta-samples/okta-go-sample/internal/testproc"
)

// The cluster tests run the app as it is deployed: the real binary, three
// replicas as separate processes, sharing a real redis-server and the
// cookie keys, with one provider for all. No proxy: each request of a
// test's browser goes to the replica the test names, so a test decides
// where each step of a login lands (see replicaRouter).

const (
	clusterReplicas = 3
	clusterClientID = "0oa-okta-sample-cluster"
	callbackPath    = "/authorization-code/callback"
	profilePath     = "/authorization-code/profile"
	// clusterUsers is how many users the provider knows: one per
	// parallel login, each ending as its own user.
	clusterUsers = 20
)

// buildApp builds this command into a folder of t and returns the
// binary's path.
func buildApp(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the app: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "okta-sample")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	build.Dir = pkgDir // TestMain moved the working directory to an empty one
	out, err := build.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cluster is the running deployment.
type cluster struct {
	t        *testing.T
	bin      string
	redis    *redistest.Server
	issuer   string
	secret   string
	users    []devprovider.User
	public   string // http://localhost:PORT: the origin browsers use
	replicas []*replica
}

// replica is one app process.
type replica struct {
	addr string
	proc *testproc.Process
}

// newCookieKey returns a fresh key, in the form OKTA_SAMPLE_COOKIE_KEYS
// takes.
func newCookieKey() string {
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand, Go 1.24+)
	return base64.StdEncoding.EncodeToString(key)
}

// startCluster starts redis-server, the provider and the replicas, all
// sealing transaction cookies with keys, and stops them when the test
// ends.
func startCluster(t *testing.T, keys string) *cluster {
	t.Helper()
	c := &cluster{t: t, bin: buildApp(t), redis: redistest.New(t), secret: rand.Text()}
	port, err := testproc.FreePort() // nothing listens there: the router sends it on
	if err != nil {
		t.Fatal(err)
	}
	c.public = "http://localhost:" + strconv.Itoa(port)
	for i := range clusterUsers {
		c.users = append(c.users, devprovider.User{
			Subject: fmt.Sprintf("00ucluster%04d", i), Login: fmt.Sprintf("user%d@cluster.example", i),
			Password: "Cluster-demo-" + strconv.Itoa(i), Email: fmt.Sprintf("user%d@cluster.example", i),
			GivenName: "User", FamilyName: strconv.Itoa(i), Locale: "en-US", ZoneInfo: "UTC",
		})
	}
	// The provider's issuer names its address, so the server listens
	// before the provider exists.
	srv := httptest.NewUnstartedServer(nil)
	c.issuer = "http://" + srv.Listener.Addr().String() + "/oauth2/default"
	p, err := devprovider.New(devprovider.Config{
		Issuer: c.issuer,
		Clients: []devprovider.Client{{
			ID: clusterClientID, Secret: c.secret,
			RedirectURIs:           []string{c.public + callbackPath},
			PostLogoutRedirectURIs: []string{c.public + "/"},
		}},
		Users:          c.users,
		TrustedOrigins: []string{c.public},
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(srv.Close)

	for range clusterReplicas {
		port, err := testproc.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		r := &replica{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
		c.replicas = append(c.replicas, r)
		c.start(r, keys)
	}
	t.Cleanup(func() {
		for i, r := range c.replicas {
			if t.Failed() && r.proc != nil {
				t.Logf("replica %d log:\n%s", i+1, r.proc.Output())
			}
			c.stop(r)
		}
	})
	return c
}

// start starts r with the cookie keys keys and waits until its /healthz
// answers 200.
func (c *cluster) start(r *replica, keys string) {
	c.t.Helper()
	cmd := exec.Command(c.bin, "-addr", r.addr)
	cmd.Dir = c.t.TempDir() // no .samples.config.json
	cmd.Env = []string{
		"OKTA_OAUTH2_ISSUER=" + c.issuer,
		"OKTA_OAUTH2_CLIENT_ID=" + clusterClientID,
		"OKTA_OAUTH2_CLIENT_SECRET=" + c.secret,
		"OKTA_OAUTH2_REDIRECT_URI=" + c.public + callbackPath,
		"OKTA_SAMPLE_PUBLIC_URL=" + c.public,
		"OKTA_SAMPLE_REDIS_URL=" + c.redis.URL(),
		"OKTA_SAMPLE_COOKIE_KEYS=" + keys,
	}
	proc, err := testproc.Start(cmd, "Press Ctrl+C to stop.", 30*time.Second)
	if err != nil {
		c.t.Fatalf("starting a replica on %s: %v", r.addr, err)
	}
	r.proc = proc
	c.waitHealth(r, http.StatusOK)
}

func (c *cluster) stop(r *replica) {
	c.t.Helper()
	if r.proc == nil {
		return
	}
	proc := r.proc
	r.proc = nil
	if err := proc.Stop(15 * time.Second); err != nil {
		c.t.Errorf("stopping the replica on %s: %v", r.addr, err)
	}
}

// restart restarts every replica, one after the other, with new keys.
func (c *cluster) restart(keys string) {
	c.t.Helper()
	for _, r := range c.replicas {
		c.stop(r)
		c.start(r, keys)
	}
}

// waitHealth waits until r's /healthz answers status; /healthz caches its
// view of Redis for a second.
func (c *cluster) waitHealth(r *replica, status int) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + r.addr + "/healthz")
		if err == nil {
			body := make([]byte, 256)
			n, _ := resp.Body.Read(body) // the status decides; the body is for the message
			resp.Body.Close()
			if resp.StatusCode == status {
				return
			}
			last = fmt.Sprintf("%d %q", resp.StatusCode, body[:n])
		} else {
			last = err.Error()
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatalf("replica %s: /healthz did not answer %d within 20 s; last: %s", r.addr, status, last)
}

// replicaRouter sends a browser's requests for the public origin to the
// replica the test chose, as a load balancer would, and everything else
// (the provider) where it is addressed. The browser, and its cookie jar,
// see only the public URL.
type replicaRouter struct {
	public string // host:port
	addrs  []string
	base   http.RoundTripper

	mu sync.Mutex
	to int
}

func (rr *replicaRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != rr.public {
		return rr.base.RoundTrip(req)
	}
	rr.mu.Lock()
	addr := rr.addrs[rr.to]
	rr.mu.Unlock()
	out := req.Clone(req.Context())
	out.URL.Host = addr
	out.Host = req.URL.Host
	return rr.base.RoundTrip(out)
}

// clusterBrowser is a browser whose requests to the app go to the replica
// chosen with on.
type clusterBrowser struct {
	*browser
	c      *cluster
	router *replicaRouter
}

func (c *cluster) newBrowser(t fataler) *clusterBrowser {
	t.Helper()
	b := newBrowser(t)
	u, err := url.Parse(c.public)
	if err != nil {
		t.Fatalf("%v", err)
	}
	rr := &replicaRouter{public: u.Host, base: &http.Transport{DisableKeepAlives: true}}
	for _, r := range c.replicas {
		rr.addrs = append(rr.addrs, r.addr)
	}
	b.client.Transport = rr
	return &clusterBrowser{browser: b, c: c, router: rr}
}

// on sends the next requests to the app to replica i (1-based).
func (b *clusterBrowser) on(i int) *clusterBrowser {
	b.router.mu.Lock()
	b.router.to = (i - 1) % len(b.router.addrs)
	b.router.mu.Unlock()
	return b
}

// authorize starts a login on replica start and signs u in at the
// provider. It returns the callback URL the provider sent the browser to,
// not yet visited.
func (b *clusterBrowser) authorize(start int, u devprovider.User) string {
	b.t.Helper()
	p := b.on(start).get(b.c.public + "/authorization-code/login")
	if p.Status != http.StatusFound {
		b.t.Fatalf("starting a login on replica %d: got %d, want 302", start, p.Status)
	}
	atCallback := func(u *url.URL) bool { return u.Path == callbackPath }
	p = b.followFrom(p, atCallback)
	if p.Status != 0 { // the provider's form: no SSO session in this browser
		p = b.followFrom(b.submitSignIn(p, u.Login, u.Password), atCallback)
		if p.Status != 0 {
			b.t.Fatalf("signing %s in: ended on %d at %s, want a redirect to the callback:\n%s", u.Login, p.Status, p.URL.Redacted(), p.Body)
		}
	}
	return p.URL.String()
}

// login signs u in: the login starts on replica start, the callback goes
// to replica callback and the profile is read on replica profile. It
// returns the profile page.
func (b *clusterBrowser) login(u devprovider.User, start, callback, profile int) page {
	b.t.Helper()
	return b.finish(b.authorize(start, u), callback, profile)
}

// finish finishes a login whose callback URL the browser already has:
// the callback on replica callback, the profile on replica profile.
func (b *clusterBrowser) finish(callbackURL string, callback, profile int) page {
	b.t.Helper()
	cb := b.on(callback).get(callbackURL)
	if cb.Status != http.StatusFound || cb.Header.Get("Location") != profilePath {
		b.t.Fatalf("callback on replica %d: got %d to %q, want 302 to the profile; body:\n%s", callback, cb.Status, cb.Header.Get("Location"), cb.Body)
	}
	// One request, no redirect followed: a replica that did not know the
	// session would send the browser to log in again.
	return b.on(profile).get(b.c.public + profilePath)
}

// profile returns the subject the profile page on replica i shows, or ""
// when it sends the browser to log in.
func (b *clusterBrowser) profile(i int) string {
	b.t.Helper()
	p := b.on(i).get(b.c.public + profilePath)
	switch {
	case p.Status == http.StatusFound && strings.HasPrefix(p.Header.Get("Location"), "/authorization-code/login"):
		return ""
	case p.Status == http.StatusOK:
		sub, err := claim(p.Body, "sub")
		if err != nil {
			b.t.Fatalf("profile on replica %d: %v", i, err)
		}
		return sub
	default:
		b.t.Fatalf("profile on replica %d: got %d, want 200 or 302 to the login; body:\n%s", i, p.Status, p.Body)
		return ""
	}
}

// transactionCookies returns copies of the login-transaction cookies the
// browser holds for the callback.
func (b *clusterBrowser) transactionCookies() []*http.Cookie {
	b.t.Helper()
	u, err := url.Parse(b.c.public + callbackPath)
	if err != nil {
		b.t.Fatalf("%v", err)
	}
	var out []*http.Cookie
	for _, ck := range b.jar.Cookies(u) {
		if strings.HasPrefix(ck.Name, "oidc_tx_") {
			out = append(out, &http.Cookie{Name: ck.Name, Value: ck.Value})
		}
	}
	if len(out) == 0 {
		b.t.Fatalf("no transaction cookie in the browser")
	}
	return out
}

// getWithCookies sends a GET to replica i with exactly cookies, as an
// attacker holding copies of them would.
func (c *cluster) getWithCookies(t *testing.T, i int, u string, cookies []*http.Cookie) page {
	t.Helper()
	b := c.newBrowser(t)
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	b.client.Jar = nil
	return b.on(i).do(req)
}

// TestCluster runs three replicas sharing Redis and the cookie keys, and
// checks that any replica serves any step of any login: a login that
// crosses all three, logout everywhere at once, replays refused on every
// replica, parallel logins, the per-user session cap, a rotation of the
// cookie keys, and a Redis outage and its recovery.
//
// It shares nothing with the other tests (its own binary, processes and
// ports), so it runs alongside them; its subtests share the cluster and
// run one after the other.
func TestCluster(t *testing.T) {
	t.Parallel()
	k1 := newCookieKey()
	c := startCluster(t, k1)
	alice := c.users[0]

	t.Run("a login crosses three replicas, logout on one ends it on all", func(t *testing.T) {
		b := c.newBrowser(t)
		cbURL := b.authorize(1, alice)
		copies := b.transactionCookies()
		wantProfile(t, b.finish(cbURL, 2, 3), alice.Email)
		// The callback really ran on replica 2: only its log has the
		// sign-in.
		for i, r := range c.replicas {
			if got, want := strings.Contains(r.proc.Output(), `msg="signed in"`), i == 1; got != want {
				t.Errorf("replica %d logged a sign-in: %v, want %v", i+1, got, want)
			}
		}
		for i := 1; i <= clusterReplicas; i++ {
			if got := b.profile(i); got != alice.Subject {
				t.Errorf("profile on replica %d: got %q, want %q", i, got, alice.Subject)
			}
		}

		// The callback again, with copies of its transaction cookie, on
		// every replica: the shared spent-state set refuses it before any
		// token request. In the same browser, the cookie is gone.
		for i := 1; i <= clusterReplicas; i++ {
			p := c.getWithCookies(t, i, cbURL, copies)
			if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "Sign-in link not valid here") {
				t.Errorf("replayed callback with the cookie on replica %d: got %d, want 401 \"Sign-in link not valid here\"", i, p.Status)
			}
		}
		if p := b.on(3).get(cbURL); p.Status != http.StatusUnauthorized {
			t.Errorf("replayed callback in the same browser: got %d, want 401", p.Status)
		}

		out := b.on(1).postForm(c.public+"/authorization-code/logout", nil, http.Header{"Origin": {c.public}})
		if out.Status != http.StatusFound {
			t.Fatalf("logout on replica 1: got %d, want 302", out.Status)
		}
		for i := 1; i <= clusterReplicas; i++ {
			if got := b.profile(i); got != "" {
				t.Errorf("profile on replica %d after logout on replica 1: got %q, want signed out", i, got)
			}
		}
	})

	t.Run("20 parallel logins across replicas, each its own user", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, clusterUsers)
		for i, u := range c.users {
			wg.Go(func() {
				errs[i] = runWorker(func(ft fataler) {
					b := c.newBrowser(ft)
					p := b.login(u, i+1, i+2, i+3)
					got, err := claim(p.Body, "sub")
					if p.Status != http.StatusOK || err != nil || got != u.Subject {
						ft.Fatalf("login of %s ended on %d with sub %q (%v), want %s", u.Login, p.Status, got, err, u.Subject)
					}
					for r := 1; r <= clusterReplicas; r++ {
						if got := b.profile(r); got != u.Subject {
							ft.Fatalf("%s's profile on replica %d: got %q", u.Login, r, got)
						}
					}
				})
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("12 logins of one user leave the 10 newest", func(t *testing.T) {
		u := c.users[1]
		var browsers []*clusterBrowser
		for i := range 12 {
			b := c.newBrowser(t)
			if p := b.login(u, i+1, i+2, i+3); p.Status != http.StatusOK {
				t.Fatalf("login %d ended on %d", i+1, p.Status)
			}
			browsers = append(browsers, b)
		}
		for i, b := range browsers {
			want := u.Subject
			if i < 2 {
				want = ""
			}
			if got := b.profile(i%clusterReplicas + 1); got != want {
				t.Errorf("login %d of 12: got %q, want %q", i+1, got, want)
			}
		}
	})

	t.Run("cookie keys rotated: K1, then K2,K1, then K2", func(t *testing.T) {
		k2 := newCookieKey()
		underK1 := c.newBrowser(t)
		finishLater := underK1.authorize(1, c.users[2])
		dropped := c.newBrowser(t)
		neverFinished := dropped.authorize(2, c.users[3])

		c.restart(k2 + "," + k1)
		wantProfile(t, underK1.finish(finishLater, 2, 3), c.users[2].Email)
		underK2 := c.newBrowser(t)
		finishAfterDrop := underK2.authorize(3, c.users[4])

		c.restart(k2)
		// Sealed only under the dropped key: an unknown login, a clean 401.
		p := dropped.on(1).get(neverFinished)
		if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "Sign-in link not valid here") {
			t.Errorf("callback sealed under a dropped key: got %d, want 401 \"Sign-in link not valid here\"; body:\n%s", p.Status, p.Body)
		}
		wantProfile(t, underK2.finish(finishAfterDrop, 1, 2), c.users[4].Email)
		// Sessions live in Redis, not in the keys: they survive both
		// restarts.
		if got := underK1.profile(3); got != c.users[2].Subject {
			t.Errorf("a session from before the restarts: got %q, want %q", got, c.users[2].Subject)
		}
	})

	t.Run("Redis stops: 503 pages and /healthz; back: a new login works", func(t *testing.T) {
		b := c.newBrowser(t)
		wantProfile(t, b.login(c.users[5], 1, 2, 3), c.users[5].Email)
		pending := c.newBrowser(t)
		cbURL := pending.authorize(2, c.users[6])

		c.redis.Stop(t)
		for i, r := range c.replicas {
			c.waitHealth(r, http.StatusServiceUnavailable)
			p := b.on(i + 1).get(c.public + profilePath)
			if p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Body, "Session store unavailable") {
				t.Errorf("profile on replica %d with Redis down: got %d, want 503 \"Session store unavailable\"; body:\n%s", i+1, p.Status, p.Body)
			}
		}
		// A login that finishes now is refused before any token request:
		// the spent-state check needs Redis. No session cookie is set.
		p := pending.on(3).get(cbURL)
		if p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Body, "Sign-in temporarily unavailable") {
			t.Errorf("callback with Redis down: got %d, want 503 \"Sign-in temporarily unavailable\"; body:\n%s", p.Status, p.Body)
		}
		for _, ck := range setCookies(p.Header) {
			if strings.Contains(ck.Name, "session") && ck.Value != "" {
				t.Errorf("callback with Redis down set the session cookie %s", ck.Name)
			}
		}

		c.redis.Start(t) // empty: nothing was persisted
		for _, r := range c.replicas {
			c.waitHealth(r, http.StatusOK)
		}
		if got := b.profile(1); got != "" {
			t.Errorf("the session from before the outage, Redis restarted empty: got %q, want signed out", got)
		}
		wantProfile(t, pending.login(c.users[6], 3, 1, 2), c.users[6].Email)
		for _, r := range c.replicas {
			if out := r.proc.Output(); strings.Contains(out, "panic") {
				t.Errorf("a replica panicked:\n%s", out)
			}
		}
	})
}
