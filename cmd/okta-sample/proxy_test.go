package main

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/nginxtest"
	"github.com/okta-samples/okta-go-sample/session"
)

// testClientIP is where the test's browser connects from: another
// loopback address than nginx's 127.0.0.1, so the log can tell the two
// apart.
const testClientIP = "127.0.0.2"

// hstsValue is what every response carries behind https.
const hstsValue = "max-age=63072000; includeSubDomains"

// behindProxy is the app, run through run, behind a real nginx that
// terminates TLS (deploy/nginx.conf): the public URL is nginx's, and only
// nginx is a trusted proxy.
type behindProxy struct {
	app   *runningApp
	proxy *nginxtest.Proxy
	// transport reaches nginx (trusting its certificate) and the
	// development provider, from testClientIP.
	transport *http.Transport
}

func startBehindProxy(t *testing.T) *behindProxy {
	t.Helper()
	// nginx is told the app's address before the app starts (it connects
	// per request), so each attempt gets an nginx of its own.
	var p *nginxtest.Proxy
	var tr *http.Transport
	a := startOnPort(t, func(port int) (*runningApp, error) {
		appAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p = nginxtest.Start(t, appAddr)
		tr = p.Client().Transport.(*http.Transport)
		dialer := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(testClientIP)}}
		tr.DialContext = dialer.DialContext
		t.Cleanup(tr.CloseIdleConnections)
		env := map[string]string{
			"OKTA_SAMPLE_PUBLIC_URL":      p.URL(),
			"OKTA_SAMPLE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128",
		}
		return tryStartAppVia(t, &http.Client{Transport: tr, Timeout: 10 * time.Second}, env, "-addr", appAddr)
	})
	if a.URL != p.URL() {
		t.Fatalf("the banner names %s, want the public URL %s", a.URL, p.URL())
	}
	return &behindProxy{app: a, proxy: p, transport: tr}
}

// browser returns a browser that reaches the app through nginx.
func (bp *behindProxy) browser(t *testing.T) *browser {
	t.Helper()
	b := newBrowser(t)
	b.client.Transport = bp.transport
	return b
}

// setCookies parses the Set-Cookie headers of a response.
func setCookies(h http.Header) []*http.Cookie {
	return (&http.Response{Header: h}).Cookies()
}

// TestLoginBehindTLSProxy signs in through nginx terminating TLS in front
// of the app, with the development provider: the public URL decides every
// URL and cookie, logout works although nginx rewrites Host, and the log
// names the browser's address, not nginx's nor a forged one.
func TestLoginBehindTLSProxy(t *testing.T) {
	t.Parallel()
	bp := startBehindProxy(t)
	a := bp.app
	b := bp.browser(t)

	// Starting a login: a Secure transaction cookie, and a redirect URI
	// under the public URL.
	start := b.get(a.URL + "/authorization-code/login")
	if start.Status != http.StatusFound {
		t.Fatalf("login: got %d, want 302 to the provider", start.Status)
	}
	authURL, err := url.Parse(start.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := authURL.Query().Get("redirect_uri"), a.URL+"/authorization-code/callback"; got != want {
		t.Errorf("redirect_uri: got %q, want %q", got, want)
	}
	txCookies := setCookies(start.Header)
	if len(txCookies) == 0 {
		t.Fatal("login: no transaction cookie")
	}
	for _, c := range txCookies {
		if !c.Secure || !c.HttpOnly {
			t.Errorf("transaction cookie %s: Secure %t, HttpOnly %t; want both", c.Name, c.Secure, c.HttpOnly)
		}
	}

	// Sign in at the provider; it sends the browser back through nginx.
	form := b.followFrom(start, nil)
	back := b.submitSignIn(form, aliceLogin, alicePassword)
	callback := resolve(t, back.URL, back.Header.Get("Location"))
	if !strings.HasPrefix(callback, a.URL+"/authorization-code/callback?") {
		t.Fatalf("the provider sent the browser to %q, want the callback under %s", callback, a.URL)
	}
	cb := b.get(callback)
	if cb.Status != http.StatusFound {
		t.Fatalf("callback: got %d, want 302; body:\n%s", cb.Status, cb.Body)
	}
	var sessionCookie *http.Cookie
	for _, c := range setCookies(cb.Header) {
		if strings.HasSuffix(c.Name, session.CookieName) && c.Value != "" {
			sessionCookie = c
		}
	}
	if sessionCookie == nil {
		t.Fatalf("callback: no session cookie in %q", cb.Header.Values("Set-Cookie"))
	}
	if !sessionCookie.Secure || sessionCookie.Path != "/" || sessionCookie.Domain != "" || !sessionCookie.HttpOnly {
		t.Errorf("session cookie: Secure %t, Path %q, Domain %q, HttpOnly %t; want Secure, Path /, no Domain, HttpOnly",
			sessionCookie.Secure, sessionCookie.Path, sessionCookie.Domain, sessionCookie.HttpOnly)
	}
	// The __Host- prefix (RFC 6265bis 4.1.3.2) makes browsers refuse the
	// cookie unless it is Secure, for Path / and without Domain, so a
	// sibling subdomain or a plain-http page cannot set or shadow it.
	t.Run("session cookie has the __Host- prefix", func(t *testing.T) {
		if !strings.HasPrefix(sessionCookie.Name, "__Host-") {
			t.Errorf("session cookie is named %q, want the __Host- prefix behind https", sessionCookie.Name)
		}
	})

	profile := b.followFrom(cb, nil)
	wantProfile(t, profile, aliceLogin)
	for name, p := range map[string]page{"login": start, "callback": cb, "profile": profile} {
		if got := p.Header.Get("Strict-Transport-Security"); got != hstsValue {
			t.Errorf("%s: Strict-Transport-Security %q, want %q", name, got, hstsValue)
		}
	}

	// Static files: no cookie, and no listing.
	if p := b.get(a.URL + "/static/style.css"); p.Status != http.StatusOK || len(p.Header.Values("Set-Cookie")) > 0 {
		t.Errorf("/static/style.css: got %d with Set-Cookie %q, want 200 and none", p.Status, p.Header.Values("Set-Cookie"))
	}
	if p := b.get(a.URL + "/static/"); p.Status != http.StatusNotFound {
		t.Errorf("/static/: got %d, want 404", p.Status)
	}

	// A forged X-Forwarded-For changes nothing: nginx appends the real
	// address, which the app reads from the right.
	req, err := http.NewRequest(http.MethodGet, a.URL+"/authorization-code/profile", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	wantProfile(t, b.do(req), aliceLogin)

	// Logout from another origin is refused; from the public URL it works,
	// although nginx sends Host without the port.
	if p := b.postForm(a.URL+"/authorization-code/logout", nil, http.Header{"Origin": {"https://evil.example"}}); p.Status != http.StatusForbidden {
		t.Errorf("logout from another origin: got %d, want 403", p.Status)
	}
	wantProfile(t, b.get(a.URL+"/authorization-code/profile"), aliceLogin)
	out := b.postForm(a.URL+"/authorization-code/logout", nil, http.Header{"Origin": {a.URL}})
	loc, err := url.Parse(out.Header.Get("Location"))
	if err != nil || out.Status != http.StatusFound || !strings.HasPrefix(loc.String(), a.Issuer+"/v1/logout") {
		t.Fatalf("logout: got %d to %q, want 302 to the provider's end_session_endpoint", out.Status, out.Header.Get("Location"))
	}
	if got, want := loc.Query().Get("post_logout_redirect_uri"), a.URL+"/"; got != want {
		t.Errorf("post_logout_redirect_uri: got %q, want %q", got, want)
	}
	home := b.followFrom(out, nil)
	if home.Status != http.StatusOK || home.URL.String() != a.URL+"/" || !strings.Contains(home.Body, `id="signed-out"`) {
		t.Errorf("after logout: got %d at %s, want 200 on the public URL's home, a clean URL saying you are signed out", home.Status, home.URL.Redacted())
	}
	wantLoggedOut(t, b, a)

	// Every request reached the app through nginx: the access log names
	// the browser's address and https, never nginx's or the forged one.
	var lines int
	for _, line := range strings.Split(a.Logs.String(), "\n") {
		if !strings.Contains(line, "msg=request ") {
			continue
		}
		lines++
		if !strings.Contains(line, "client="+testClientIP+" ") || !strings.Contains(line, "proto=https ") {
			t.Errorf("access log line without client=%s and proto=https: %s", testClientIP, line)
		}
	}
	if lines < 10 {
		t.Errorf("got %d access log lines, want at least 10:\n%s", lines, a.Logs.String())
	}
	if strings.Contains(a.Logs.String(), "203.0.113.9") {
		t.Error("the forged X-Forwarded-For address reached the log")
	}
	if !strings.Contains(a.Logs.String(), `msg="request failed" request_id=`) || !strings.Contains(a.Logs.String(), "client="+testClientIP+" status=404") {
		t.Errorf("the failure log of /static/ does not name the client:\n%s", a.Logs.String())
	}
	if !strings.Contains(a.Logs.String(), "client="+testClientIP+` status=403 title="Request from another site refused"`) {
		t.Errorf("the refused cross-origin logout is not logged with the client:\n%s", a.Logs.String())
	}
}
