package web

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
	"github.com/okta-samples/okta-go-sample/session"
)

const (
	testRedirectURI = "http://localhost:8080/authorization-code/callback"
	testAppOrigin   = "http://localhost:8080"
	testSecret      = "s3cret-never-in-the-page"
	// testCDNSource is the CSP source of the pinned widget release: its
	// folder on the CDN, not the whole CDN.
	testCDNSource = "https://global.oktacdn.com/okta-signin-widget/" + WidgetVersion + "/"
)

// readyProvider is a Provider whose discovery has succeeded.
type readyProvider struct{ rp *auth.RelyingParty }

func (p readyProvider) RelyingParty() (*auth.RelyingParty, error) { return p.rp, nil }

// downProvider is a Provider whose discovery keeps failing.
type downProvider struct{}

func (downProvider) RelyingParty() (*auth.RelyingParty, error) {
	return nil, auth.ErrNotReady
}

// lateHandler lets a test start an httptest server before the handler
// that needs its URL exists.
type lateHandler struct{ h atomic.Pointer[http.Handler] }

func (l *lateHandler) set(h http.Handler) { l.h.Store(&h) }

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := l.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	http.Error(w, "not ready", http.StatusServiceUnavailable)
}

// startDevProvider serves the development provider, which speaks Okta's
// Authentication API and trusts the given origins (CORS).
func startDevProvider(t *testing.T, trusted ...string) string {
	t.Helper()
	return startDevProviderEngine(t, devprovider.EngineIdentity, trusted...)
}

// startDevProviderEngine is startDevProvider for an org on engine.
func startDevProviderEngine(t *testing.T, engine devprovider.Engine, trusted ...string) string {
	t.Helper()
	var late lateHandler
	srv := httptest.NewServer(&late)
	t.Cleanup(srv.Close)
	issuer := srv.URL + "/oauth2/default"
	p, err := devprovider.New(devprovider.Config{
		Issuer: issuer,
		Clients: []devprovider.Client{{
			ID: "0oa-test", Secret: testSecret, RedirectURIs: []string{testRedirectURI},
			PostLogoutRedirectURIs: []string{testAppOrigin + "/"},
		}},
		TrustedOrigins: trusted,
		Engine:         engine,
		NewSigningKey:  (&testkeys.Source{}).Next,
	})
	if err != nil {
		t.Fatalf("devprovider.New: %v", err)
	}
	late.set(p)
	return issuer
}

// startPlainProvider serves only what a standard OpenID provider must
// (discovery and keys), with no Okta Authentication API.
func startPlainProvider(t *testing.T) string {
	t.Helper()
	var issuer string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                issuer,
			"authorization_endpoint":                issuer + "/auth",
			"token_endpoint":                        issuer + "/token",
			"jwks_uri":                              issuer + "/keys",
			"userinfo_endpoint":                     issuer + "/userinfo",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported":      []string{"S256"},
		}); err != nil {
			t.Errorf("discovery: %v", err)
		}
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"keys":[]}`) // a test server; a failed write fails the test elsewhere
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	issuer = srv.URL
	return issuer
}

// testCookieKey seals the test servers' transaction cookies.
func testCookieKey() []byte { return make([]byte, 32) }

// newTestServer returns the app's handler for a provider at issuer.
func newTestServer(t *testing.T, issuer string, widget WidgetAssets) http.Handler {
	t.Helper()
	cfg := config.Config{Issuer: issuer, ClientID: "0oa-test", ClientSecret: testSecret, RedirectURI: testRedirectURI}
	return newTestServerFor(t, cfg, widget, nil)
}

// newTestServerFor is newTestServer for cfg, whose Issuer says where the
// provider is ("" for one that is down), logging to log (nil: nowhere).
func newTestServerFor(t *testing.T, cfg config.Config, widget WidgetAssets, log *slog.Logger) http.Handler {
	t.Helper()
	issuer := cfg.Issuer
	var prov Provider = downProvider{}
	if issuer != "" {
		rp, err := auth.New(context.Background(), auth.Config{
			Issuer: issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURI,
			CookieKeys: [][]byte{testCookieKey()}, CookiePath: CookiePath(cfg.CallbackPath()),
		})
		if err != nil {
			t.Fatalf("auth.New: %v", err)
		}
		prov = readyProvider{rp}
	} else {
		cfg.Issuer = "http://127.0.0.1:1/oauth2/default"
	}
	h, err := NewServer(Deps{
		Config:   cfg,
		Provider: prov,
		Sessions: session.New(session.Options{}),
		Widget:   widget,
		Logger:   log,
	})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	return h
}

// txCookie is what a transaction cookie holds.
type txCookie struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r"`
}

// openTxCookie opens a transaction cookie as auth does (AES-256-GCM with
// the cookie's name as additional data, JSON inside; auth's tests pin
// that format), so these tests can see what the browser cannot: the
// verifier and the return-to.
func openTxCookie(t *testing.T, c *http.Cookie) txCookie {
	t.Helper()
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		t.Fatalf("cookie %s is not base64url: %v", c.Name, err)
	}
	block, err := aes.NewCipher(testCookieKey())
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	ns := aead.NonceSize()
	if len(sealed) < ns {
		t.Fatalf("cookie %s is too short", c.Name)
	}
	plain, err := aead.Open(nil, sealed[:ns], sealed[ns:], []byte(c.Name))
	if err != nil {
		t.Fatalf("cookie %s does not open with the test key: %v", c.Name, err)
	}
	var tx txCookie
	if err := json.Unmarshal(plain, &tx); err != nil {
		t.Fatalf("cookie %s: %v", c.Name, err)
	}
	return tx
}

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost:8080"+path, nil))
	return rec.Result()
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

var widgetConfigBlock = regexp.MustCompile(`(?s)<script type="application/json" id="widget-config">(.*?)</script>`)

// pageWidgetConfig returns the widget configuration rendered into page.
func pageWidgetConfig(t *testing.T, page string) widgetConfig {
	t.Helper()
	m := widgetConfigBlock.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("page has no #widget-config block:\n%s", page)
	}
	var wc widgetConfig
	if err := json.Unmarshal([]byte(m[1]), &wc); err != nil {
		t.Fatalf("#widget-config is not JSON: %v\n%s", err, m[1])
	}
	return wc
}

// cspDirectives splits a Content-Security-Policy into its directives.
func cspDirectives(policy string) map[string]string {
	d := make(map[string]string)
	for part := range strings.SplitSeq(policy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), " ")
		if name != "" {
			d[name] = value
		}
	}
	return d
}

// fakeDist makes a folder shaped like the widget's dist/.
func fakeDist(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		widgetScriptFile:            "window.OktaSignIn = function () {};",
		widgetStyleFile:             "#okta-sign-in { color: black }",
		"font/okticon.woff":         "font",
		"labels/json/login_fr.json": "{}",
		"sass/secret.scss":          "$x: 1;",
		"../package.json":           `{"name":"@okta/okta-signin-widget","version":"` + WidgetVersion + `"}`,
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoginCustomPage(t *testing.T) {
	t.Parallel()
	issuer := startDevProvider(t, testAppOrigin)
	providerOrigin := config.Config{Issuer: issuer}.OrgURL()
	local, err := LocalWidget(fakeDist(t))
	if err != nil {
		t.Fatalf("LocalWidget: %v", err)
	}
	tests := []struct {
		name                       string
		widget                     WidgetAssets
		wantScript, wantStyle      string
		wantIntegrity              bool
		wantScriptSrc, wantFontSrc string
	}{
		{
			name:          "CDN",
			widget:        CDNWidget(),
			wantScript:    "https://global.oktacdn.com/okta-signin-widget/" + WidgetVersion + "/js/okta-sign-in.min.js",
			wantStyle:     "https://global.oktacdn.com/okta-signin-widget/" + WidgetVersion + "/css/okta-sign-in.min.css",
			wantIntegrity: true,
			wantScriptSrc: "'self' " + testCDNSource,
			wantFontSrc:   "'self' " + testCDNSource,
		},
		{
			name:          "local copy",
			widget:        local,
			wantScript:    "/widget/js/okta-sign-in.min.js",
			wantStyle:     "/widget/css/okta-sign-in.min.css",
			wantScriptSrc: "'self'",
			wantFontSrc:   "'self'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestServer(t, issuer, tt.widget)
			resp := get(t, h, "/authorization-code/login-custom")
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200\n%s", resp.StatusCode, body)
			}

			// The policy: no inline code, the widget's origin, the provider's API.
			policy := resp.Header.Get("Content-Security-Policy")
			if strings.Contains(policy, "unsafe-inline") || strings.Contains(policy, "unsafe-eval") {
				t.Errorf("CSP allows unsafe code: %s", policy)
			}
			csp := cspDirectives(policy)
			for name, want := range map[string]string{
				"default-src":     "'none'",
				"script-src":      tt.wantScriptSrc,
				"style-src":       tt.wantScriptSrc,
				"img-src":         tt.wantScriptSrc + " data:",
				"font-src":        tt.wantFontSrc,
				"connect-src":     "'self' " + providerOrigin,
				"frame-ancestors": "'none'",
			} {
				if got := csp[name]; got != want {
					t.Errorf("CSP %s = %q, want %q", name, got, want)
				}
			}
			if !strings.Contains(body, `id="sign-in-widget"`) || !strings.Contains(body, `src="/static/login-custom.js"`) {
				t.Errorf("page lacks the widget container or its start-up script")
			}
			if strings.Contains(body, "<script>") {
				t.Errorf("page has an inline script")
			}

			// The transaction: one cookie, named after the state in the page.
			wc := pageWidgetConfig(t, body)
			var txCookie *http.Cookie
			for _, c := range resp.Cookies() {
				if strings.HasPrefix(c.Name, "oidc_tx_") {
					if txCookie != nil {
						t.Errorf("more than one transaction cookie")
					}
					txCookie = c
				}
			}
			if txCookie == nil {
				t.Fatalf("no transaction cookie set; cookies: %v", resp.Cookies())
			}
			if want := "oidc_tx_" + wc.State; txCookie.Name != want {
				t.Errorf("cookie %s, want %s (the page's state)", txCookie.Name, want)
			}
			if !txCookie.HttpOnly || txCookie.SameSite != http.SameSiteLaxMode || txCookie.Path != "/authorization-code/" {
				t.Errorf("cookie attributes: HttpOnly=%v SameSite=%v Path=%q; want HttpOnly, Lax, the folder of the login routes and the callback",
					txCookie.HttpOnly, txCookie.SameSite, txCookie.Path)
			}
			tx := openTxCookie(t, txCookie)
			if tx.State != wc.State {
				t.Errorf("cookie holds state %q, page %q", tx.State, wc.State)
			}
			if wc.Nonce != tx.Nonce || wc.Nonce == "" {
				t.Errorf("page nonce %q, transaction nonce %q", wc.Nonce, tx.Nonce)
			}
			if want := oauth2.S256ChallengeFromVerifier(tx.Verifier); wc.CodeChallenge != want || wc.CodeChallengeMethod != "S256" {
				t.Errorf("challenge %q (%s), want %q (S256) from the cookie's verifier", wc.CodeChallenge, wc.CodeChallengeMethod, want)
			}
			if tx.ReturnTo != "" {
				t.Errorf("return-to %q, want none (the callback then goes to the profile)", tx.ReturnTo)
			}
			if wc.BaseURL != providerOrigin || wc.Issuer != issuer {
				t.Errorf("widget baseUrl %q and issuer %q, want the org %q and the issuer %q", wc.BaseURL, wc.Issuer, providerOrigin, issuer)
			}

			// Secrets: neither the verifier nor the client secret reaches the page.
			for what, secret := range map[string]string{"PKCE verifier": tx.Verifier, "client secret": testSecret} {
				if strings.Contains(body, secret) {
					t.Errorf("the page contains the %s", what)
				}
			}
			if strings.Contains(strings.ToLower(body), "verifier\":") || strings.Contains(body, "clientSecret") {
				t.Errorf("the widget config names a verifier or secret field")
			}

			// The rest of the configuration.
			if wc.Issuer != issuer || wc.ClientID != "0oa-test" || wc.RedirectURI != testRedirectURI {
				t.Errorf("issuer/client/redirect = %q %q %q", wc.Issuer, wc.ClientID, wc.RedirectURI)
			}
			if got := strings.Join(wc.Scopes, " "); got != "openid email profile" {
				t.Errorf("scopes %q, want openid email profile", got)
			}
			if wc.Language != "en" {
				t.Errorf("language %q, want en (no label files fetched)", wc.Language)
			}
			a := wc.Assets
			if a.Script != tt.wantScript || a.Style != tt.wantStyle {
				t.Errorf("assets %q %q, want %q %q", a.Script, a.Style, tt.wantScript, tt.wantStyle)
			}
			if !strings.HasPrefix(a.Script, a.BaseURL+"/") {
				t.Errorf("assets.baseUrl %q is not the script's base %q", a.BaseURL, a.Script)
			}
			if got := a.ScriptIntegrity != "" && a.StyleIntegrity != ""; got != tt.wantIntegrity {
				t.Errorf("integrity hashes present = %v, want %v", got, tt.wantIntegrity)
			}
			if tt.wantIntegrity && (a.ScriptIntegrity != widgetScriptIntegrity || a.StyleIntegrity != widgetStyleIntegrity) {
				t.Errorf("integrity %q %q, want the pinned hashes", a.ScriptIntegrity, a.StyleIntegrity)
			}
			if strings.Contains(body, `id="not-okta"`) || strings.Contains(body, `id="untrusted-origin"`) {
				t.Errorf("page warns about the provider, which is Okta-compatible and trusts the app")
			}
		})
	}
}

// cspAllows reports whether a CSP source list allows rawURL on a page
// served from pageOrigin. It knows the source forms widgetCSP uses: 'self',
// a scheme such as data:, and a host source with an optional path, where a
// path ending in "/" matches everything under it (CSP Level 3,
// "path-part match").
func cspAllows(t *testing.T, sources, pageOrigin, rawURL string) bool {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("parse %q: %v", rawURL, err)
	}
	for _, src := range strings.Fields(sources) {
		switch {
		case src == "'self'":
			if u.Scheme+"://"+u.Host == pageOrigin {
				return true
			}
		case strings.HasSuffix(src, ":"):
			if u.Scheme+":" == src {
				return true
			}
		default:
			s, err := url.Parse(src)
			if err != nil || s.Scheme != u.Scheme || s.Host != u.Host {
				continue
			}
			if s.Path == "" || s.Path == "/" || s.Path == u.Path ||
				strings.HasSuffix(s.Path, "/") && strings.HasPrefix(u.Path, s.Path) {
				return true
			}
		}
	}
	return false
}

// cssURLRef finds the url() references in a stylesheet.
var cssURLRef = regexp.MustCompile(`url\(\s*['"]?([^'")]+)['"]?\s*\)`)

// TestWidgetCSPPinsTheRelease checks that the custom login page's policy
// allows every file of the pinned widget release, including the fonts and
// images its stylesheet names, and nothing else from the CDN.
func TestWidgetCSPPinsTheRelease(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, startDevProvider(t, testAppOrigin), CDNWidget())
	resp := get(t, h, "/authorization-code/login-custom")
	csp := cspDirectives(resp.Header.Get("Content-Security-Policy"))
	a := pageWidgetConfig(t, readBody(t, resp)).Assets
	style, err := url.Parse(a.Style)
	if err != nil {
		t.Fatal(err)
	}
	fromCSS := func(ref string) string { return style.ResolveReference(&url.URL{Path: ref}).String() }

	allowed := []struct{ directive, url string }{
		{"script-src", a.Script},
		{"style-src", a.Style},
		{"font-src", fromCSS("../font/okticon.woff")},
		{"img-src", fromCSS("../img/ui/indicators/sign-on-widget-spinner.gif")},
		{"img-src", a.BaseURL + "/img/logos/default.png"}, // assets.baseUrl, as the widget builds it
		{"img-src", "data:image/png;base64,iVBORw0KGgo="},
	}
	if _, err := os.Stat(widgetPackageDir); err == nil {
		// The installed stylesheet is the CDN's, byte for byte (TestWidgetIntegrity).
		css, err := os.ReadFile(filepath.Join(widgetPackageDir, "dist", filepath.FromSlash(widgetStyleFile)))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cssURLRef.FindAllStringSubmatch(string(css), -1) {
			ref := m[1]
			if strings.HasPrefix(ref, "#") { // an IE behavior, not a fetch
				continue
			}
			directive := "img-src"
			if strings.Contains(ref, "/font/") {
				directive = "font-src"
			}
			allowed = append(allowed, struct{ directive, url string }{directive, fromCSS(ref)})
		}
	}
	for _, f := range allowed {
		if !cspAllows(t, csp[f.directive], testAppOrigin, f.url) {
			t.Errorf("%s %q blocks %s", f.directive, csp[f.directive], f.url)
		}
	}

	blocked := []string{
		"https://global.oktacdn.com/okta-signin-widget/7.0.0/js/okta-sign-in.min.js",
		"https://global.oktacdn.com/okta-signin-widget/" + WidgetVersion + "x/js/okta-sign-in.min.js",
		"https://global.oktacdn.com/other/script.js",
		"https://ok1static.oktacdn.com/okta-signin-widget/" + WidgetVersion + "/js/okta-sign-in.min.js",
	}
	for _, directive := range []string{"script-src", "style-src", "img-src", "font-src"} {
		for _, u := range blocked {
			if cspAllows(t, csp[directive], testAppOrigin, u) {
				t.Errorf("%s %q allows %s, outside the pinned release", directive, csp[directive], u)
			}
		}
	}
}

func TestLoginCustomEachRenderIsItsOwnLogin(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, startDevProvider(t, testAppOrigin), CDNWidget())
	seen := make(map[string]bool)
	for i := range 3 {
		resp := get(t, h, "/authorization-code/login-custom")
		wc := pageWidgetConfig(t, readBody(t, resp))
		for _, v := range []string{wc.State, wc.Nonce, wc.CodeChallenge} {
			if seen[v] {
				t.Fatalf("render %d repeats a state, nonce or challenge", i)
			}
			seen[v] = true
		}
	}
}

// TestLoginCustomReturnTo: the page's login keeps a same-origin return_to
// and drops any other, so the callback goes to the profile instead.
func TestLoginCustomReturnTo(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, startDevProvider(t, testAppOrigin), CDNWidget())
	for _, tt := range []struct{ name, returnTo, want string }{
		{"same-origin path", "/authorization-code/profile?x=1", "/authorization-code/profile?x=1"},
		{"other origin", "https://evil.example/", ""},
		{"scheme-relative", "//evil.example/", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, h, "/authorization-code/login-custom?return_to="+template.URLQueryEscaper(tt.returnTo))
			wc := pageWidgetConfig(t, readBody(t, resp))
			var tx txCookie
			for _, c := range resp.Cookies() {
				if c.Name == "oidc_tx_"+wc.State {
					tx = openTxCookie(t, c)
				}
			}
			if tx.State != wc.State {
				t.Fatalf("no transaction cookie for the page's state %q", wc.State)
			}
			if tx.ReturnTo != tt.want {
				t.Errorf("return-to %q, want %q", tx.ReturnTo, tt.want)
			}
		})
	}
}

func TestOtherPagesKeepDefaultCSP(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, startDevProvider(t, testAppOrigin), CDNWidget())
	for _, path := range []string{"/", "/authorization-code/login-redirect", "/no-such-page"} {
		policy := get(t, h, path).Header.Get("Content-Security-Policy")
		csp := cspDirectives(policy)
		if strings.Contains(policy, "oktacdn") || csp["connect-src"] != "'self'" || csp["script-src"] != "'self'" {
			t.Errorf("%s: CSP %q; want the default policy (no CDN, connect-src 'self')", path, policy)
		}
	}
}

func TestLoginCustomNotOktaCompatible(t *testing.T) {
	t.Parallel()
	issuer := startPlainProvider(t)
	h := newTestServer(t, issuer, CDNWidget())
	resp, body := getOnceProbed(t, h, `id="not-okta"`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{`id="not-okta"`, `href="/authorization-code/login-redirect"`, "not Okta-compatible", issuer + "/api/v1/authn"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, unwanted := range []string{`id="widget-config"`, "login-custom.js", `id="sign-in-widget"`} {
		if strings.Contains(body, unwanted) {
			t.Errorf("page shows the widget (%q) for a provider without the Authentication API", unwanted)
		}
	}
	if c := resp.Cookies(); len(c) > 0 {
		t.Errorf("cookies set %v; want no transaction for a login that cannot happen", c)
	}
	if strings.Contains(resp.Header.Get("Content-Security-Policy"), "oktacdn") {
		t.Errorf("CSP allows the CDN on a page without the widget")
	}
}

func TestLoginCustomUntrustedOrigin(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, startDevProvider(t, "http://other.example"), CDNWidget())
	_, body := getOnceProbed(t, h, `id="untrusted-origin"`)
	for _, want := range []string{`id="untrusted-origin"`, testAppOrigin, "Trusted Origins", `id="widget-config"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestLoginCustomProviderDown(t *testing.T) {
	t.Parallel()
	h := newTestServer(t, "", CDNWidget())
	resp := get(t, h, "/authorization-code/login-custom")
	body := readBody(t, resp)
	if !strings.Contains(body, `id="provider-unreachable"`) || strings.Contains(body, `id="widget-config"`) {
		t.Errorf("page for an unreachable provider:\n%s", body)
	}
	if c := resp.Cookies(); len(c) > 0 {
		t.Errorf("cookies set %v; want none", c)
	}
}

// getOnceProbed renders the custom login page until it shows marker,
// the sign that the server's probe of the Authentication API has
// answered. A page render waits for the probe only for a while (that is
// the point of the probe's short wait), so on a slow machine the first render may
// come before the answer; what matters is the answer, not how fast.
func getOnceProbed(t *testing.T, h http.Handler, marker string) (*http.Response, string) {
	t.Helper()
	var resp *http.Response
	var body string
	for range 200 {
		resp = get(t, h, "/authorization-code/login-custom")
		body = readBody(t, resp)
		if strings.Contains(body, marker) {
			return resp, body
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the page never showed %s:\n%s", marker, body)
	return nil, ""
}

func TestWidgetAssetsServed(t *testing.T) {
	t.Parallel()
	issuer := startDevProvider(t, testAppOrigin)
	local, err := LocalWidget(fakeDist(t))
	if err != nil {
		t.Fatalf("LocalWidget: %v", err)
	}
	hLocal := newTestServer(t, issuer, local)
	hCDN := newTestServer(t, issuer, CDNWidget())
	tests := []struct {
		name       string
		h          http.Handler
		path       string
		wantStatus int
		wantType   string
	}{
		{"script", hLocal, "/widget/js/okta-sign-in.min.js", 200, "text/javascript"},
		{"style", hLocal, "/widget/css/okta-sign-in.min.css", 200, "text/css"},
		{"font", hLocal, "/widget/font/okticon.woff", 200, "font/woff"},
		{"labels", hLocal, "/widget/labels/json/login_fr.json", 200, "application/json"},
		{"no listing of the root", hLocal, "/widget/", 404, ""},
		{"no listing of a folder", hLocal, "/widget/js/", 404, ""},
		{"folder without slash", hLocal, "/widget/js", 404, ""},
		{"other folders stay private", hLocal, "/widget/sass/secret.scss", 404, ""},
		// ServeMux cleans the path first, to /package.json, outside /widget/.
		{"nothing above dist", hLocal, "/widget/../package.json", 307, ""},
		{"missing file", hLocal, "/widget/js/nope.js", 404, ""},
		{"CDN mode serves nothing", hCDN, "/widget/js/okta-sign-in.min.js", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, tt.h, tt.path)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.wantStatus)
			}
			if ct := resp.Header.Get("Content-Type"); tt.wantType != "" && !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type %q, want %s", ct, tt.wantType)
			}
			if tt.wantStatus == 200 && resp.Header.Get("Cache-Control") != "public, max-age=3600" {
				t.Errorf("Cache-Control %q, want public caching", resp.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestFindWidget(t *testing.T) {
	dist := fakeDist(t)
	t.Run("configured folder", func(t *testing.T) {
		a, err := FindWidget(dist)
		if err != nil || !a.Local() || a.dir != dist || a.version != WidgetVersion || a.Warning() != "" {
			t.Errorf("FindWidget(dist) = %+v, %v; want the local copy at %s, version %s", a, err, dist, WidgetVersion)
		}
	})
	t.Run("configured folder without the widget", func(t *testing.T) {
		_, err := FindWidget(t.TempDir())
		var ve *config.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "OKTA_SAMPLE_WIDGET_DIR") || !strings.Contains(err.Error(), "npm ci") {
			t.Errorf("err = %v; want a validation error naming OKTA_SAMPLE_WIDGET_DIR and npm ci", err)
		}
	})
	t.Run("found in node_modules", func(t *testing.T) {
		root := t.TempDir()
		target := filepath.Join(root, filepath.FromSlash(DefaultWidgetDir))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dist, target); err != nil {
			t.Fatal(err)
		}
		t.Chdir(root)
		a, err := FindWidget("")
		if err != nil || !a.Local() || !a.auto {
			t.Errorf("FindWidget(\"\") = %+v, %v; want the copy in node_modules", a, err)
		}
	})
	t.Run("nothing installed", func(t *testing.T) {
		t.Chdir(t.TempDir())
		a, err := FindWidget("")
		if err != nil || a.Local() {
			t.Errorf("FindWidget(\"\") = %+v, %v; want the CDN", a, err)
		}
	})
	t.Run("other version warns", func(t *testing.T) {
		a := WidgetAssets{dir: "/x", version: "7.1.0"}
		if !strings.Contains(a.Warning(), "npm ci") {
			t.Errorf("Warning() = %q, want advice to run npm ci", a.Warning())
		}
	})
}

// TestWidgetConfigEscaping checks the assumption the page relies on:
// html/template writes a value inside <script type="application/json"> as
// JSON that cannot end the element, whatever the configuration holds.
func TestWidgetConfigEscaping(t *testing.T) {
	t.Parallel()
	tmpl := template.Must(template.New("x").Parse(`<script type="application/json" id="widget-config">{{.}}</script>`))
	hostile := widgetConfig{ClientID: `</script><script>alert(1)</script>`, Issuer: `"'&<!--`}
	var b strings.Builder
	if err := tmpl.Execute(&b, &hostile); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Count(strings.ToLower(out), "</script") != 1 || strings.Contains(out, "<!--") {
		t.Fatalf("the value escaped its element: %s", out)
	}
	got := pageWidgetConfig(t, out)
	if got.ClientID != hostile.ClientID || got.Issuer != hostile.Issuer {
		t.Errorf("round trip: %+v, want %+v", got, hostile)
	}
}

// widgetPackageDir is the npm package installed by `npm ci`, from this
// package's folder.
var widgetPackageDir = filepath.Join("..", "node_modules", "@okta", "okta-signin-widget")

// requireWidgetPackage skips when the npm package is not installed, except
// in CI, where its absence is a failure.
func requireWidgetPackage(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(widgetPackageDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; run npm ci", widgetPackageDir)
		}
		t.Skipf("%s is missing; run npm ci to check the widget's integrity hashes", widgetPackageDir)
	}
}

// TestWidgetIntegrity recomputes the Subresource Integrity hashes from the
// npm package, whose dist/ files are the CDN's, and checks that the Go
// constants, package.json and package-lock.json agree on the version.
func TestWidgetIntegrity(t *testing.T) {
	t.Parallel()
	requireWidgetPackage(t)
	for _, tt := range []struct{ file, want string }{
		{widgetScriptFile, widgetScriptIntegrity},
		{widgetStyleFile, widgetStyleIntegrity},
	} {
		data, err := os.ReadFile(filepath.Join(widgetPackageDir, "dist", filepath.FromSlash(tt.file)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha512.Sum384(data)
		if got := "sha384-" + base64.StdEncoding.EncodeToString(sum[:]); got != tt.want {
			t.Errorf("%s: integrity %s, the constant says %s", tt.file, got, tt.want)
		}
	}
	var installed struct{ Version string }
	readJSON(t, filepath.Join(widgetPackageDir, "package.json"), &installed)
	if installed.Version != WidgetVersion {
		t.Errorf("installed widget %s, WidgetVersion %s; run npm ci", installed.Version, WidgetVersion)
	}
}

// TestWidgetVersionPinned checks that package.json pins exactly
// WidgetVersion and that the lockfile agrees.
func TestWidgetVersionPinned(t *testing.T) {
	t.Parallel()
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	readJSON(t, filepath.Join("..", "package.json"), &pkg)
	if got := pkg.Dependencies["@okta/okta-signin-widget"]; got != WidgetVersion {
		t.Errorf("package.json pins @okta/okta-signin-widget %q, want exactly %q", got, WidgetVersion)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	readJSON(t, filepath.Join("..", "package-lock.json"), &lock)
	if got := lock.Packages["node_modules/@okta/okta-signin-widget"].Version; got != WidgetVersion {
		t.Errorf("package-lock.json has @okta/okta-signin-widget %q, want %q", got, WidgetVersion)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
