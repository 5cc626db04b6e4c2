package interop

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/net/html"
)

// Paths of the app's routes (the app's contract, see cmd/okta-sample).
const (
	pathLogin    = "/authorization-code/login"
	pathCallback = "/authorization-code/callback"
	pathProfile  = "/authorization-code/profile"
	pathLogout   = "/authorization-code/logout"
	pathHealth   = "/healthz"
	// pathLoginCustom runs the Okta Sign-In Widget, which Dex cannot serve.
	pathLoginCustom = "/authorization-code/login-custom"
)

// TestDexLogin signs in to the sample app through Dex, a real third-party
// OpenID provider, with both running as real processes on loopback ports:
// authorization code flow with PKCE, the profile page, a replayed callback,
// logout and the app's logs.
func TestDexLogin(t *testing.T) {
	dexBin, appBin := binaries(t)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)

	user := testUser{
		Email:    "jane.doe@example.com",
		Username: "jane",
		UserID:   "08a8684b-db88-4b73-90a9-3cd1661f5466",
		Password: rand.Text(),
	}
	client := dexClient{ID: "okta-go-sample", Secret: rand.Text()}

	dexPort, appPort := freePort(t), freePort(t)
	issuer := "http://127.0.0.1:" + dexPort + "/dex"
	appBase := "http://127.0.0.1:" + appPort
	client.RedirectURI = appBase + pathCallback

	// Dex.
	start := time.Now()
	cfgFile := writeDexConfig(t, issuer, "127.0.0.1:"+dexPort, client, user)
	dex := startProcess(t, "dex", dexBin, []string{"serve", cfgFile}, []string{
		"PATH=" + os.Getenv("PATH"),
		// Pinned rather than inherited: with sessions on, discovery
		// gains an end_session_endpoint and logout changes.
		"DEX_SESSIONS_ENABLED=false",
	})
	br := newBrowser(t, ctx)
	var disc discovery
	if err := json.Unmarshal(br.waitOK(dex, issuer+"/.well-known/openid-configuration"), &disc); err != nil {
		t.Fatalf("Dex discovery document: %v", err)
	}
	if disc.Issuer != issuer {
		t.Fatalf("Dex discovery issuer: got %q, want %q", disc.Issuer, issuer)
	}
	t.Logf("Dex ready in %v; end_session_endpoint=%q authorization_response_iss_parameter_supported=%v",
		time.Since(start).Round(time.Millisecond), disc.EndSessionEndpoint, disc.IssParameterSupported)
	if disc.EndSessionEndpoint != "" {
		t.Fatalf("Dex now advertises end_session_endpoint %q in this configuration; the logout checks below assume it does not (update them and README.md)", disc.EndSessionEndpoint)
	}

	// The app.
	start = time.Now()
	app := startProcess(t, "okta-sample", appBin, []string{"-addr", "127.0.0.1:" + appPort}, []string{
		"PATH=" + os.Getenv("PATH"),
		"OKTA_OAUTH2_ISSUER=" + issuer,
		"OKTA_OAUTH2_CLIENT_ID=" + client.ID,
		"OKTA_OAUTH2_CLIENT_SECRET=" + client.Secret,
		"OKTA_OAUTH2_REDIRECT_URI=" + client.RedirectURI,
	})
	br.waitOK(app, appBase+pathHealth)
	t.Logf("app ready in %v", time.Since(start).Round(time.Millisecond))

	// 0. The custom login page finds no Okta organization document at Dex
	// and says so, pointing to the redirect flow, without starting a
	// login. A render waits for that answer for a while at most, so it
	// may take a second render on a slow machine.
	var custom *response
	for range 20 {
		if custom = br.get(appBase + pathLoginCustom); strings.Contains(custom.body, `id="not-okta"`) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	notOkta := elementText(t, custom.body, "not-okta")
	if custom.status != http.StatusOK || !strings.Contains(notOkta, issuer+"/.well-known/okta-organization") ||
		!strings.Contains(custom.body, `href="/authorization-code/login-redirect"`) {
		t.Errorf("GET %s: got status %d and #not-okta %q; want 200 naming %s/.well-known/okta-organization and linking the redirect flow",
			pathLoginCustom, custom.status, notOkta, issuer)
	}
	if strings.Contains(custom.body, `id="widget-config"`) || len(custom.cookies) > 0 {
		t.Errorf("GET %s: the page for Dex shows the widget or sets cookies %v", pathLoginCustom, cookieNames(custom.cookies))
	}

	// 1. The app sends the browser to Dex's authorization endpoint.
	start = time.Now()
	loginResp := br.get(appBase + pathLogin)
	if loginResp.status != http.StatusFound {
		t.Fatalf("GET %s: got status %d, want 302", pathLogin, loginResp.status)
	}
	authz := br.location(loginResp)
	state := checkAuthorizationRequest(t, authz, disc.AuthorizationEndpoint, client)
	txCookie := findCookie(loginResp.cookies, "oidc_tx_"+state)
	if txCookie == nil {
		t.Fatalf("GET %s: no oidc_tx_<state> cookie set; got %v", pathLogin, cookieNames(loginResp.cookies))
	}
	// The path covers the login routes (which prune old pending logins)
	// and the callback.
	if txCookie.Path != "/authorization-code/" {
		t.Errorf("transaction cookie Path: got %q, want %q", txCookie.Path, "/authorization-code/")
	}

	// 2. Dex picks its only connector (the password database) and shows
	// its login form.
	hops := br.follow(loginResp)
	page := hops[len(hops)-1]
	if page.status != http.StatusOK || page.url.Host != "127.0.0.1:"+dexPort {
		t.Fatalf("following the login to Dex: got status %d at %s, want Dex's login form (200)\n%s", page.status, page.url, excerpt(page.body))
	}
	action, form := parseLoginForm(t, page)
	form.Set("login", user.Email)
	form.Set("password", user.Password)

	// 3. Posting the form sends the browser back to the app's callback,
	// which signs in and redirects to the profile.
	hops = br.follow(br.postForm(action, form))
	var callback *response
	for _, h := range hops {
		if h.url.Host == "127.0.0.1:"+appPort && h.url.Path == pathCallback {
			callback = h
		}
	}
	profile := hops[len(hops)-1]
	if callback == nil {
		t.Fatalf("after posting Dex's login form: never reached the app's callback; ended with status %d at %s\n%s", profile.status, profile.url, excerpt(profile.body))
	}
	if profile.status != http.StatusOK || profile.url.Path != pathProfile {
		t.Fatalf("after the callback: got status %d at %s, want 200 at %s\n%s", profile.status, profile.url, pathProfile, excerpt(profile.body))
	}
	t.Logf("login flow took %v", time.Since(start).Round(time.Millisecond))

	cbQuery := callback.url.Query()
	code := cbQuery.Get("code")
	if code == "" {
		t.Fatalf("callback URL has no code; query parameters: %v", queryKeys(cbQuery))
	}
	if got := cbQuery.Get("state"); got != state {
		t.Errorf("callback state: got %q, want %q", got, state)
	}
	// RFC 9207: recorded for README.md. A wrong iss would have failed the
	// login above, so only its presence is of interest here.
	if _, ok := cbQuery["iss"]; ok {
		t.Logf("Dex sent the RFC 9207 iss parameter: %q", cbQuery.Get("iss"))
	} else {
		t.Logf("Dex did not send the RFC 9207 iss parameter; callback parameters: %v", queryKeys(cbQuery))
	}
	sessionCookie := newSessionCookie(callback.cookies)
	if sessionCookie == nil {
		t.Fatalf("callback response set no session cookie; got %v", cookieNames(callback.cookies))
	}

	claims := parseClaims(t, profile.body)
	for _, c := range claims {
		t.Logf("claim %-20s %-40q from %s", c.name, c.value, c.source)
	}
	if got, ok := claimValue(claims, "email"); !ok || got != user.Email {
		t.Errorf(`profile: element id="claim-email": got %q (present: %v), want %q`, got, ok, user.Email)
	}

	// 4. Logout ends the app's session. Dex has no end_session_endpoint
	// here, so the app sends the browser home.
	logoutResp := br.post(appBase+pathLogout, nil)
	if logoutResp.status != http.StatusFound {
		t.Fatalf("POST %s: got status %d, want 302\n%s", pathLogout, logoutResp.status, excerpt(logoutResp.body))
	}
	// The app sends the browser home with the logout's state, which the
	// overview checks against its cookie before it says "signed out".
	if loc := br.location(logoutResp); loc.Scheme+"://"+loc.Host+loc.Path != appBase+"/" || loc.Query().Get("state") == "" {
		t.Errorf("POST %s: got Location %q, want %q with the logout's state", pathLogout, loc, appBase+"/")
	}
	for _, tc := range []struct {
		name   string
		client *browser
	}{
		{"same browser", br},
		// The server-side session must be gone, not only the cookie.
		{"old session cookie", newBrowser(t, ctx).withCookie(appBase, sessionCookie)},
	} {
		t.Run("profile after logout/"+tc.name, func(t *testing.T) {
			b := tc.client.on(t)
			resp := b.get(appBase + pathProfile)
			if resp.status != http.StatusFound {
				t.Fatalf("GET %s: got status %d, want 302", pathProfile, resp.status)
			}
			if got := b.location(resp); got.Path != pathLogin {
				t.Errorf("GET %s: got Location %q, want a redirect to %s", pathProfile, got, pathLogin)
			}
		})
	}

	// Dex keeps no login session of its own in this configuration, so a
	// new login after logout asks for the password again.
	again := br.follow(br.get(appBase + pathLogin))
	if last := again[len(again)-1]; last.status != http.StatusOK || last.url.Host != "127.0.0.1:"+dexPort {
		t.Errorf("new login after logout: got status %d at %s, want Dex's login form", last.status, last.url)
	} else {
		parseLoginForm(t, last)
	}

	// 5. A callback is single-use, whether the transaction cookie is gone
	// (same browser) or was copied (the app remembers used states).
	for _, tc := range []struct {
		name   string
		client *browser
	}{
		{"same browser", br},
		{"copied transaction cookie", newBrowser(t, ctx).withCookie(appBase+pathCallback, txCookie)},
	} {
		t.Run("replayed callback/"+tc.name, func(t *testing.T) {
			resp := tc.client.on(t).get(callback.url.String())
			if resp.status != http.StatusUnauthorized {
				t.Errorf("replayed GET %s: got status %d, want 401\n%s", pathCallback, resp.status, excerpt(resp.body))
			}
			t.Logf("app refused: %q", elementText(t, resp.body, "error-title"))
		})
	}

	// 6. The app's logs never hold a secret. Stopping it first flushes
	// every line.
	app.stop()
	logs := app.logs.String()
	if !strings.Contains(logs, pathCallback) {
		// Otherwise the checks below would pass on an empty capture.
		t.Fatalf("app logs do not mention %s: the log capture is broken, so they cannot be checked for secrets", pathCallback)
	}
	for _, s := range []struct{ name, value string }{
		{"client secret", client.Secret},
		{"client credentials (Basic)", base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(client.ID) + ":" + url.QueryEscape(client.Secret)))},
		{"authorization code", code},
		{"user password", user.Password},
		{"session id", sessionCookie.Value},
	} {
		if strings.Contains(logs, s.value) {
			t.Errorf("app logs contain the %s", s.name)
		}
	}
}

// binaries returns the Dex and app binaries named by DEX_BIN and APP_BIN.
// Without them the test skips, except in CI, where a skipped interop test
// would look like a passing one.
func binaries(t *testing.T) (dex, app string) {
	t.Helper()
	var problems []string
	for _, b := range []struct {
		env  string
		path *string
	}{{"DEX_BIN", &dex}, {"APP_BIN", &app}} {
		*b.path = os.Getenv(b.env)
		if *b.path == "" {
			problems = append(problems, b.env+" is not set")
			continue
		}
		fi, err := os.Stat(*b.path)
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			problems = append(problems, fmt.Sprintf("%s=%s is not an executable file", b.env, *b.path))
		}
	}
	if len(problems) == 0 {
		return dex, app
	}
	msg := strings.Join(problems, "; ") + "; run ./run-tests.sh, which builds both"
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return "", ""
}

type testUser struct {
	Email, Username, UserID, Password string
}

type dexClient struct {
	ID, Secret, RedirectURI string
}

// writeDexConfig writes a Dex configuration to a temporary file and returns
// its path. It is JSON, which Dex's YAML loader reads as well, so no value
// needs YAML quoting.
func writeDexConfig(t *testing.T, issuer, addr string, c dexClient, u testUser) string {
	t.Helper()
	// Dex refuses to log in with a hash cheaper than bcrypt.DefaultCost.
	hash, err := bcrypt.GenerateFromPassword([]byte(u.Password), bcrypt.DefaultCost)
	if err != nil {
		t.Fatalf("bcrypt: %v", err)
	}
	cfg := map[string]any{
		"issuer":  issuer,
		"storage": map[string]any{"type": "memory"},
		"web":     map[string]any{"http": addr},
		"logger":  map[string]any{"level": "debug"},
		"oauth2":  map[string]any{"skipApprovalScreen": true},
		"staticClients": []map[string]any{{
			"id":           c.ID,
			"secret":       c.Secret,
			"name":         "Okta Go Sample",
			"redirectURIs": []string{c.RedirectURI},
		}},
		"enablePasswordDB": true,
		"staticPasswords": []map[string]any{{
			"email":    u.Email,
			"hash":     string(hash),
			"username": u.Username,
			"userID":   u.UserID,
		}},
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatalf("encoding the Dex config: %v", err)
	}
	path := filepath.Join(t.TempDir(), "dex.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("writing the Dex config: %v", err)
	}
	return path
}

// discovery holds the fields of Dex's discovery document the test uses.
type discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	EndSessionEndpoint    string `json:"end_session_endpoint"`
	IssParameterSupported bool   `json:"authorization_response_iss_parameter_supported"`
}

// checkAuthorizationRequest checks the app's redirect to the provider
// against the contract (OIDC Core 3.1.2.1, RFC 7636) and returns its state.
func checkAuthorizationRequest(t *testing.T, u *url.URL, endpoint string, c dexClient) string {
	t.Helper()
	if got := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String(); got != endpoint {
		t.Fatalf("login redirect: got %s, want Dex's authorization endpoint %s", got, endpoint)
	}
	q := u.Query()
	for _, p := range []struct{ name, want string }{
		{"response_type", "code"},
		{"client_id", c.ID},
		{"redirect_uri", c.RedirectURI},
		{"code_challenge_method", "S256"},
	} {
		if got := q.Get(p.name); got != p.want {
			t.Errorf("authorization request %s: got %q, want %q", p.name, got, p.want)
		}
	}
	scopes := strings.Fields(q.Get("scope"))
	for _, want := range []string{"openid", "email", "profile"} {
		if !contains(scopes, want) {
			t.Errorf("authorization request scope: got %q, want it to include %q", q.Get("scope"), want)
		}
	}
	for _, name := range []string{"nonce", "code_challenge"} {
		if q.Get(name) == "" {
			t.Errorf("authorization request: %s is missing", name)
		}
	}
	state := q.Get("state")
	if state == "" {
		t.Fatal("authorization request: state is missing")
	}
	return state
}

// parseLoginForm finds the form with a password field on page and returns
// where it posts to and its fields with their preset values.
func parseLoginForm(t *testing.T, page *response) (string, url.Values) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page.body))
	if err != nil {
		t.Fatalf("parsing Dex's login page: %v", err)
	}
	for form := range doc.Descendants() {
		if form.Type != html.ElementNode || form.Data != "form" {
			continue
		}
		fields, hasPassword := url.Values{}, false
		for in := range form.Descendants() {
			if in.Type != html.ElementNode || in.Data != "input" || attr(in, "name") == "" {
				continue
			}
			if attr(in, "type") == "password" {
				hasPassword = true
			}
			if typ := attr(in, "type"); typ != "checkbox" && typ != "radio" {
				fields.Set(attr(in, "name"), attr(in, "value"))
			}
		}
		if !hasPassword {
			continue
		}
		if m := attr(form, "method"); !strings.EqualFold(m, "post") {
			t.Fatalf("Dex's login form: got method %q, want post", m)
		}
		action, err := page.url.Parse(attr(form, "action"))
		if err != nil {
			t.Fatalf("Dex's login form action %q: %v", attr(form, "action"), err)
		}
		return action.String(), fields
	}
	t.Fatalf("no login form with a password field at %s\n%s", page.url, excerpt(page.body))
	return "", nil
}

// claim is one row of the profile page's claims table.
type claim struct{ name, value, source string }

// parseClaims reads the profile page's claims: each value is in an element
// with id="claim-<name>", followed by a cell naming its source.
func parseClaims(t *testing.T, body string) []claim {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing the profile page: %v", err)
	}
	var claims []claim
	for n := range doc.Descendants() {
		name, ok := strings.CutPrefix(attr(n, "id"), "claim-")
		if n.Type != html.ElementNode || !ok {
			continue
		}
		c := claim{name: name, value: text(n)}
		for s := n.NextSibling; s != nil; s = s.NextSibling {
			if s.Type == html.ElementNode {
				c.source = text(s)
				break
			}
		}
		claims = append(claims, c)
	}
	if len(claims) == 0 {
		t.Fatalf("profile page has no claim-<name> elements\n%s", excerpt(body))
	}
	return claims
}

// elementText returns the text of the element with the given id in body,
// or "" when there is none.
func elementText(t *testing.T, body, id string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing HTML: %v", err)
	}
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && attr(n, "id") == id {
			return text(n)
		}
	}
	return ""
}

func claimValue(claims []claim, name string) (string, bool) {
	for _, c := range claims {
		if c.name == name {
			return c.value, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

// newSessionCookie is the cookie the callback sets other than the deletion
// of the transaction cookie: the app's session.
func newSessionCookie(cookies []*http.Cookie) *http.Cookie {
	for _, c := range cookies {
		if !strings.HasPrefix(c.Name, "oidc_tx_") && c.Value != "" && c.MaxAge >= 0 {
			return c
		}
	}
	return nil
}

func findCookie(cookies []*http.Cookie, name string) *http.Cookie {
	for _, c := range cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func cookieNames(cookies []*http.Cookie) []string {
	names := make([]string, 0, len(cookies))
	for _, c := range cookies {
		names = append(names, c.Name)
	}
	return names
}

func queryKeys(q url.Values) []string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	return keys
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// excerpt shortens a response body for a failure message.
func excerpt(body string) string {
	const max = 2000
	if len(body) > max {
		return body[:max] + "..."
	}
	return body
}

// freePort returns a loopback TCP port that was free a moment ago. Dex's
// config must name the app's redirect URI before either process starts,
// so both ports are chosen up front.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// process is a dependency running as a real process in its own process
// group, with its stdout and stderr captured.
type process struct {
	name     string
	cmd      *exec.Cmd
	logs     *syncBuffer
	exited   chan struct{} // closed once the process has exited
	waitErr  error         // valid once exited is closed
	stopOnce sync.Once
}

// startProcess starts bin in a temporary directory (so it reads no stray
// config file) with exactly env. It is stopped when the test ends, and its
// output is logged if the test failed.
func startProcess(t *testing.T, name, bin string, args, env []string) *process {
	t.Helper()
	p := &process{name: name, logs: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{
		// Its own group, so stop reaches anything it spawned.
		Setpgid: true,
		// A backstop for when cleanups cannot run (go test's -timeout
		// panics): the kernel kills the process when the test dies.
		Pdeathsig: syscall.SIGKILL,
	}
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("--- %s output ---\n%s--- end of %s output ---", name, p.logs.String(), name)
		}
	})
	return p
}

// stop ends the process group: SIGTERM, then SIGKILL if it lingers. It
// returns once the process has exited and its output is collected.
func (p *process) stop() {
	p.stopOnce.Do(func() {
		pgid := p.cmd.Process.Pid
		// ESRCH (already gone) is the only expected error, and harmless.
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.exited
		}
	})
}

// syncBuffer collects output written by a process while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// browser is an HTTP client with a cookie jar that, like a test should,
// follows redirects one at a time so each hop can be checked. It refuses
// any address other than 127.0.0.1.
type browser struct {
	t      *testing.T
	ctx    context.Context
	client *http.Client
}

// response is a fully read response with the URL that was requested.
type response struct {
	url     *url.URL
	status  int
	header  http.Header
	cookies []*http.Cookie
	body    string
}

func newBrowser(t *testing.T, ctx context.Context) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("cookie jar: %v", err)
	}
	return &browser{t: t, ctx: ctx, client: &http.Client{
		Jar:     jar,
		Timeout: 15 * time.Second,
		// No proxy from the environment: everything here is loopback.
		Transport: &http.Transport{Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// on returns a browser that shares b's client and cookies but reports
// failures to t, so a subtest fails itself rather than its parent.
func (b *browser) on(t *testing.T) *browser {
	c := *b
	c.t = t
	return &c
}

// withCookie puts c in b's jar for rawURL and returns b.
func (b *browser) withCookie(rawURL string, c *http.Cookie) *browser {
	b.t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		b.t.Fatalf("parsing %q: %v", rawURL, err)
	}
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: c.Path}})
	return b
}

func (b *browser) get(rawURL string) *response {
	b.t.Helper()
	return b.do(http.MethodGet, rawURL, nil)
}

func (b *browser) post(rawURL string, body io.Reader) *response {
	b.t.Helper()
	return b.do(http.MethodPost, rawURL, body)
}

func (b *browser) postForm(rawURL string, form url.Values) *response {
	b.t.Helper()
	return b.do(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
}

func (b *browser) do(method, rawURL string, body io.Reader) *response {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.ctx, method, rawURL, body)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	if req.URL.Hostname() != "127.0.0.1" {
		b.t.Fatalf("%s %s: refusing a request to a non-loopback host", method, rawURL)
	}
	if method == http.MethodPost && body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		b.t.Fatalf("%s %s: reading the body: %v", method, rawURL, err)
	}
	return &response{url: req.URL, status: resp.StatusCode, header: resp.Header, cookies: resp.Cookies(), body: string(data)}
}

// location resolves r's Location header.
func (b *browser) location(r *response) *url.URL {
	b.t.Helper()
	loc := r.header.Get("Location")
	if loc == "" {
		b.t.Fatalf("%s: status %d has no Location", r.url, r.status)
	}
	u, err := r.url.Parse(loc)
	if err != nil {
		b.t.Fatalf("%s: Location %q: %v", r.url, loc, err)
	}
	return u
}

// follow follows redirects from r with GET, as a browser does after 302
// and 303, and returns every response after r, the last being the first
// that is not a redirect.
func (b *browser) follow(r *response) []*response {
	b.t.Helper()
	var hops []*response
	for range 10 {
		switch r.status {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			b.t.Fatalf("%s: unexpected %d redirect in this flow", r.url, r.status)
		default:
			if len(hops) == 0 {
				b.t.Fatalf("%s: got status %d, want a redirect\n%s", r.url, r.status, excerpt(r.body))
			}
			return hops
		}
		r = b.get(b.location(r).String())
		hops = append(hops, r)
	}
	b.t.Fatalf("more than 10 redirects, last at %s", r.url)
	return nil
}

// waitOK polls rawURL until it answers 200 and returns the body. It fails
// at once if p exits first.
func (b *browser) waitOK(p *process, rawURL string) []byte {
	b.t.Helper()
	var last string
	for {
		req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			b.t.Fatalf("GET %s: %v", rawURL, err)
		}
		resp, err := b.client.Do(req)
		if err == nil {
			data, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			if cerr := resp.Body.Close(); rerr == nil {
				rerr = cerr
			}
			if resp.StatusCode == http.StatusOK && rerr == nil {
				return data
			}
			err = errors.Join(fmt.Errorf("status %d", resp.StatusCode), rerr)
		}
		last = err.Error()
		select {
		case <-p.exited:
			b.t.Fatalf("%s exited (%v) before %s answered 200", p.name, p.waitErr, rawURL)
		case <-b.ctx.Done():
			b.t.Fatalf("%s: no 200 from %s in time; last: %s", p.name, rawURL, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
