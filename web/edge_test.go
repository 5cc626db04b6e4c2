package web

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/internal/logbuf"
	"github.com/okta-samples/okta-go-sample/session"
)

func TestClientAddress(t *testing.T) {
	t.Parallel()
	loopback := proxies{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	private := proxies{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name      string
		trusted   proxies
		remote    string
		xff       []string // X-Forwarded-For header lines
		xfp       string
		tls       bool
		wantAddr  string
		wantProto string
	}{
		{name: "no proxy", trusted: nil, remote: "192.0.2.9:5000", wantAddr: "192.0.2.9", wantProto: "http"},
		{name: "headers from an untrusted peer are ignored", trusted: loopback, remote: "192.0.2.9:5000",
			xff: []string{"203.0.113.7"}, xfp: "https", wantAddr: "192.0.2.9", wantProto: "http"},
		{name: "headers ignored when no proxy is trusted", trusted: nil, remote: "127.0.0.1:5000",
			xff: []string{"203.0.113.7"}, xfp: "https", wantAddr: "127.0.0.1", wantProto: "http"},
		{name: "one trusted proxy", trusted: loopback, remote: "127.0.0.1:5000",
			xff: []string{"203.0.113.7"}, xfp: "https", wantAddr: "203.0.113.7", wantProto: "https"},
		{name: "a forged entry on the left is ignored", trusted: loopback, remote: "127.0.0.1:5000",
			xff: []string{"198.51.100.1, 203.0.113.7"}, xfp: "https", wantAddr: "203.0.113.7", wantProto: "https"},
		{name: "two trusted proxies", trusted: private, remote: "10.0.0.2:5000",
			xff: []string{"198.51.100.1, 203.0.113.7, 10.0.0.9"}, wantAddr: "203.0.113.7", wantProto: "http"},
		{name: "several header lines", trusted: private, remote: "10.0.0.2:5000",
			xff: []string{"198.51.100.1", "203.0.113.7", "10.0.0.9"}, wantAddr: "203.0.113.7", wantProto: "http"},
		{name: "every entry trusted: the leftmost", trusted: private, remote: "10.0.0.2:5000",
			xff: []string{"10.0.0.9, 10.0.0.8"}, wantAddr: "10.0.0.9", wantProto: "http"},
		{name: "no X-Forwarded-For: the proxy", trusted: loopback, remote: "127.0.0.1:5000", wantAddr: "127.0.0.1", wantProto: "http"},
		{name: "empty X-Forwarded-For: the proxy", trusted: loopback, remote: "127.0.0.1:5000", xff: []string{""}, wantAddr: "127.0.0.1", wantProto: "http"},
		{name: "garbage on the right stops at the proxy", trusted: loopback, remote: "127.0.0.1:5000",
			xff: []string{"203.0.113.7, not-an-address"}, wantAddr: "127.0.0.1", wantProto: "http"},
		{name: "garbage behind a trusted hop stops there", trusted: private, remote: "10.0.0.2:5000",
			xff: []string{"<script>, 10.0.0.9"}, wantAddr: "10.0.0.9", wantProto: "http"},
		{name: "garbage on the left is never reached", trusted: loopback, remote: "127.0.0.1:5000",
			xff: []string{"999.1.1.1, ,,\x00, 203.0.113.7"}, wantAddr: "203.0.113.7", wantProto: "http"},
		{name: "trailing comma", trusted: loopback, remote: "127.0.0.1:5000", xff: []string{"203.0.113.7,"}, wantAddr: "127.0.0.1", wantProto: "http"},
		{name: "entries with ports", trusted: loopback, remote: "127.0.0.1:5000",
			xff: []string{"203.0.113.7:4711"}, wantAddr: "203.0.113.7", wantProto: "http"},
		{name: "IPv6 entries", trusted: loopback, remote: "[::1]:5000",
			xff: []string{"[2001:db8::7]:443, 2001:db8::5"}, wantAddr: "2001:db8::5", wantProto: "http"},
		{name: "bracketed IPv6 entry", trusted: loopback, remote: "[::1]:5000",
			xff: []string{"[2001:db8::5]"}, wantAddr: "2001:db8::5", wantProto: "http"},
		{name: "IPv4-mapped peer", trusted: private, remote: "[::ffff:10.0.0.2]:5000",
			xff: []string{"::ffff:203.0.113.7"}, wantAddr: "203.0.113.7", wantProto: "http"},
		{name: "proto in capitals", trusted: loopback, remote: "127.0.0.1:5000", xfp: "HTTPS", wantAddr: "127.0.0.1", wantProto: "https"},
		{name: "proto list is not believed", trusted: loopback, remote: "127.0.0.1:5000", xfp: "https, http", wantAddr: "127.0.0.1", wantProto: "http"},
		{name: "unknown proto", trusted: loopback, remote: "127.0.0.1:5000", tls: true, xfp: "ftp", wantAddr: "127.0.0.1", wantProto: "https"},
		{name: "own TLS", trusted: nil, remote: "192.0.2.9:5000", tls: true, xfp: "http", wantAddr: "192.0.2.9", wantProto: "https"},
		{name: "a peer that is no address", trusted: loopback, remote: "pipe", xff: []string{"203.0.113.7"}, wantAddr: "pipe", wantProto: "http"},
		{name: "a host name as peer", trusted: loopback, remote: "localhost:5000", xff: []string{"203.0.113.7"}, wantAddr: "localhost", wantProto: "http"},
		{name: "a long forged list", trusted: loopback, remote: "127.0.0.1:5000",
			xff: []string{strings.Repeat("1.2.3.4,", 5000) + "203.0.113.7"}, wantAddr: "203.0.113.7", wantProto: "http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tt.xfp != "" {
				r.Header.Set("X-Forwarded-Proto", tt.xfp)
			}
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			got := tt.trusted.resolve(r)
			if got.Addr != tt.wantAddr || got.Proto != tt.wantProto {
				t.Errorf("got %s over %s, want %s over %s", got.Addr, got.Proto, tt.wantAddr, tt.wantProto)
			}
		})
	}
}

// FuzzClientAddress: no header makes resolve panic, and from a peer that
// is not a trusted proxy the headers change nothing.
func FuzzClientAddress(f *testing.F) {
	f.Add("127.0.0.1:5000", "198.51.100.1, 203.0.113.7", "https")
	f.Add("[::1]:1", "[2001:db8::1]:80,,", "HTTP")
	f.Add("192.0.2.1:2", "1.1.1.1", "https")
	f.Add("pipe", "\x00,[", "")
	trusted := proxies{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	f.Fuzz(func(t *testing.T, remote, xff, xfp string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		r.Header.Set("X-Forwarded-Proto", xfp)
		got := trusted.resolve(r)
		if got.Proto != "http" && got.Proto != "https" {
			t.Fatalf("proto %q, want http or https", got.Proto)
		}
		if peer, ok := parseAddr(remote); ok && !trusted.trusts(peer) {
			if want := (proxies(nil)).resolve(r); got != want {
				t.Fatalf("from untrusted peer %q: got %+v, want %+v as without the headers", remote, got, want)
			}
		}
	})
}

// edgeConfig is a configuration behind a TLS proxy at public, such as
// https://app.example.com, trusting the proxy at 127.0.0.1.
func edgeConfig(issuer, public string) config.Config {
	return config.Config{
		Issuer: issuer, ClientID: "0oa-test", ClientSecret: testSecret,
		RedirectURI:    public + "/authorization-code/callback",
		PublicOrigin:   public,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	}
}

// serve sends r to h and returns the response.
func serve(h http.Handler, r *http.Request) *http.Response {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result()
}

// TestClientAddressIsLogged: the access log and the failure log name the
// client resolved through the trusted proxy, so an attack sent through it
// is traceable to its source, and a forged X-Forwarded-For is not believed.
func TestClientAddressIsLogged(t *testing.T) {
	t.Parallel()
	var logs logbuf.Buffer
	h := newTestServerFor(t, edgeConfig(startDevProvider(t), "https://app.example.com"), CDNWidget(), slog.New(slog.NewTextHandler(&logs, nil)))
	tests := []struct {
		name, remote, xff, want string
	}{
		{"through the proxy", "127.0.0.1:40000", "198.51.100.66, 203.0.113.7", "client=203.0.113.7"},
		{"straight from the client, forging the header", "192.0.2.9:40000", "203.0.113.99", "client=192.0.2.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(logs.String())
			// A callback no login started: the failure a replay or a forged
			// callback gets.
			r := httptest.NewRequest(http.MethodGet, "https://app.example.com/authorization-code/callback?code=c&state=forged", nil)
			r.RemoteAddr = tt.remote
			r.Header.Set("X-Forwarded-For", tt.xff)
			if resp := serve(h, r); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("forged callback: got %d, want 401", resp.StatusCode)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()[before:]), "\n")
			var failure, access string
			for _, l := range lines {
				switch {
				case strings.Contains(l, `msg="request failed"`):
					failure = l
				case strings.Contains(l, "msg=request "):
					access = l
				}
			}
			for name, line := range map[string]string{"failure": failure, "access": access} {
				if !strings.Contains(line, tt.want) {
					t.Errorf("%s log line %q does not say %s", name, line, tt.want)
				}
			}
			if strings.Contains(logs.String()[before:], "198.51.100.66") || strings.Contains(logs.String()[before:], "203.0.113.99") {
				t.Errorf("a forged address reached the log:\n%s", logs.String()[before:])
			}
		})
	}
}

// TestLogoutOriginIsThePublicURL: the logout POST is accepted from the
// public URL's origin whether or not the proxy rewrites Host, and refused
// from any other origin.
func TestLogoutOriginIsThePublicURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, public, host, origin, site string
		want                             int
	}{
		{"Host as the browser sent it", "https://app.example.com", "app.example.com", "https://app.example.com", "", http.StatusFound},
		{"Host rewritten to the replica", "https://app.example.com", "127.0.0.1:9001", "https://app.example.com", "", http.StatusFound},
		{"Host without the port (nginx $host)", "https://localhost:8443", "localhost", "https://localhost:8443", "", http.StatusFound},
		{"Host rewritten, Sec-Fetch-Site same-origin", "https://app.example.com", "127.0.0.1:9001", "https://app.example.com", "same-origin", http.StatusFound},
		{"no Origin: not a browser form", "https://app.example.com", "127.0.0.1:9001", "", "", http.StatusFound},
		{"another site", "https://app.example.com", "app.example.com", "https://evil.example", "", http.StatusForbidden},
		{"another site, Host rewritten", "https://app.example.com", "127.0.0.1:9001", "https://evil.example", "", http.StatusForbidden},
		{"another site, Sec-Fetch-Site", "https://app.example.com", "app.example.com", "https://evil.example", "cross-site", http.StatusForbidden},
		{"a sibling subdomain", "https://app.example.com", "app.example.com", "https://other.example.com", "same-site", http.StatusForbidden},
		{"plain http of the same host", "https://app.example.com", "127.0.0.1:9001", "http://app.example.com", "", http.StatusForbidden},
		{"another port of the same host", "https://localhost:8443", "localhost", "https://localhost:9443", "", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestServerFor(t, edgeConfig("", tt.public), CDNWidget(), nil)
			r := httptest.NewRequest(http.MethodPost, "http://"+tt.host+pathLogout, strings.NewReader(""))
			r.Host = tt.host
			r.RemoteAddr = "127.0.0.1:40000"
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.site != "" {
				r.Header.Set("Sec-Fetch-Site", tt.site)
			}
			if got := serve(h, r).StatusCode; got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestStrictTransportSecurity(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cfg  config.Config
		want string
	}{
		{"https public URL", edgeConfig("", "https://app.example.com"), "max-age=63072000; includeSubDomains"},
		{"http on localhost", edgeConfig("", "http://localhost:8080"), ""},
		{"no public URL", config.Config{RedirectURI: testRedirectURI}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestServerFor(t, tt.cfg, CDNWidget(), nil)
			for _, path := range []string{"/", "/static/style.css", "/static/", "/no-such-page", pathHealth, pathLogin} {
				resp := serve(h, httptest.NewRequest(http.MethodGet, path, nil))
				if got := resp.Header.Get("Strict-Transport-Security"); got != tt.want {
					t.Errorf("%s (%d): Strict-Transport-Security %q, want %q", path, resp.StatusCode, got, tt.want)
				}
			}
		})
	}
}

// TestAbsoluteURLsUseThePublicURL: what the app tells the provider and the
// widget comes from the public URL, never from a Host header, which a
// proxy rewrites and a client can forge.
func TestAbsoluteURLsUseThePublicURL(t *testing.T) {
	t.Parallel()
	const public = "https://app.example.com"
	issuer := startDevProvider(t, public)
	h := newTestServerFor(t, edgeConfig(issuer, public), CDNWidget(), nil)

	for _, host := range []string{"127.0.0.1:9001", "evil.example"} {
		t.Run("Host "+host, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://"+host+pathLoginCustom, nil)
			resp := serve(h, r)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("custom login page: got %d, want 200", resp.StatusCode)
			}
			wc := pageWidgetConfig(t, readBody(t, resp))
			if want := public + "/authorization-code/callback"; wc.RedirectURI != want {
				t.Errorf("widget redirectUri: got %q, want %q", wc.RedirectURI, want)
			}

			r = httptest.NewRequest(http.MethodPost, "http://"+host+pathLogout, strings.NewReader(""))
			r.Header.Set("Origin", public)
			resp = serve(h, r)
			loc, err := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || err != nil {
				t.Fatalf("logout: got %d to %q (%v), want 302 to the provider", resp.StatusCode, resp.Header.Get("Location"), err)
			}
			if got := loc.Query().Get("post_logout_redirect_uri"); got != public+"/" {
				t.Errorf("post_logout_redirect_uri: got %q, want %q", got, public+"/")
			}
		})
	}
}

// TestAssetsHaveNoListingAndNoCookies: /static/ and /widget/ serve files
// only (a folder answers 404), and never a Set-Cookie, even to a browser
// that holds a session and a login in progress.
func TestAssetsHaveNoListingAndNoCookies(t *testing.T) {
	t.Parallel()
	local, err := LocalWidget(fakeDist(t))
	if err != nil {
		t.Fatalf("LocalWidget: %v", err)
	}
	h := newTestServerFor(t, edgeConfig("", "https://app.example.com"), local, nil)
	tests := []struct {
		path string
		want int
	}{
		{"/static/style.css", http.StatusOK},
		{"/static/login-custom.js", http.StatusOK},
		{"/static/", http.StatusNotFound},
		// ServeMux redirects a path that is not clean to the clean one
		// (here /static/ and /go.mod), before any handler runs.
		{"/static/.", http.StatusTemporaryRedirect},
		{"/static/index.html", http.StatusNotFound},
		{"/static/style.css/", http.StatusNotFound},
		{"/static/nope.css", http.StatusNotFound},
		{"/static/../go.mod", http.StatusTemporaryRedirect},
		{"/widget/" + widgetScriptFile, http.StatusOK},
		{"/widget/font/okticon.woff", http.StatusOK},
		{"/widget/", http.StatusNotFound},
		{"/widget/js/", http.StatusNotFound},
		{"/widget/js", http.StatusNotFound},
		{"/widget/labels/json/", http.StatusNotFound},
		{"/widget/sass/secret.scss", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9001/", nil)
			r.URL.Path = tt.path // as sent, not cleaned
			r.AddCookie(&http.Cookie{Name: session.CookieName, Value: "stale-or-planted-session-id"})
			r.AddCookie(&http.Cookie{Name: "okta_sample_tx_x", Value: "a-login-in-progress"})
			resp := serve(h, r)
			body := readBody(t, resp)
			if resp.StatusCode != tt.want {
				t.Errorf("got %d, want %d", resp.StatusCode, tt.want)
			}
			if c := resp.Header.Values("Set-Cookie"); len(c) > 0 {
				t.Errorf("Set-Cookie %q, want none", c)
			}
			if strings.Contains(body, "<a href=") && strings.Contains(body, "<pre>") {
				t.Errorf("a directory listing:\n%s", body)
			}
		})
	}
}

// TestNoCookiesOnAssets: the guard removes a cookie that anything inside
// it sets on /static/ and /widget/, and only there.
func TestNoCookiesOnAssets(t *testing.T) {
	t.Parallel()
	setsCookie := func(writeHeader bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: "c", Value: "v"})
			if writeHeader {
				w.WriteHeader(http.StatusOK)
			}
			_, _ = w.Write([]byte("x")) // a recorder; cannot fail
		})
	}
	for _, tt := range []struct {
		path        string
		writeHeader bool
		wantCookie  bool
	}{
		{"/static/style.css", true, false},
		{"/static/style.css", false, false},
		{"/widget/js/okta-sign-in.min.js", true, false},
		{"/authorization-code/callback", true, true},
		{"/staticfile", false, true},
	} {
		resp := serve(noCookiesOnAssets(setsCookie(tt.writeHeader)), httptest.NewRequest(http.MethodGet, tt.path, nil))
		if got := len(resp.Cookies()) > 0; got != tt.wantCookie {
			t.Errorf("%s (WriteHeader %t): got a cookie %t, want %t", tt.path, tt.writeHeader, got, tt.wantCookie)
		}
	}
}
