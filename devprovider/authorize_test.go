package devprovider

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

// TestAuthorizeUntrustedRedirect checks that requests whose client or
// redirect_uri cannot be trusted get an error page, never a redirect.
func TestAuthorizeUntrustedRedirect(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tests := []struct {
		name string
		raw  string // a raw query, used when set
		over map[string]string
	}{
		{name: "unknown client", over: map[string]string{"client_id": "nope"}},
		{name: "missing client", over: map[string]string{"client_id": ""}},
		{name: "unregistered redirect_uri", over: map[string]string{"redirect_uri": "https://evil.example/cb"}},
		{name: "another client's redirect_uri", over: map[string]string{"redirect_uri": otherRedirectURI}},
		{name: "redirect_uri with extra query", over: map[string]string{"redirect_uri": testRedirectURI + "?x=1"}},
		{name: "redirect_uri with trailing slash", over: map[string]string{"redirect_uri": testRedirectURI + "/"}},
		{name: "missing redirect_uri", over: map[string]string{"redirect_uri": ""}},
		{name: "repeated redirect_uri", raw: "client_id=" + testClientID + "&response_type=code&scope=openid" +
			"&redirect_uri=" + url.QueryEscape(testRedirectURI) + "&redirect_uri=" + url.QueryEscape("https://evil.example/")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := e.authorizeURL(tt.over)
			if tt.raw != "" {
				u = e.issuer + "/v1/authorize?" + tt.raw
			}
			resp, body := e.get(u)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("got status %d, want 400", resp.StatusCode)
			}
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Errorf("Location: got %q, want none", loc)
			}
			if strings.Contains(body, "evil.example") {
				t.Errorf("error page mentions the untrusted URI")
			}
			checkHTMLHeaders(t, resp)
		})
	}
}

// TestAuthorizeErrors checks errors that are sent back to a registered
// redirect_uri (RFC 6749 §4.1.2.1) with state and iss.
func TestAuthorizeErrors(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tests := []struct {
		name string
		over map[string]string
		raw  string
		want string
	}{
		{name: "implicit flow", over: map[string]string{"response_type": "token"}, want: "unsupported_response_type"},
		{name: "hybrid flow", over: map[string]string{"response_type": "code id_token"}, want: "unsupported_response_type"},
		{name: "missing response_type", over: map[string]string{"response_type": ""}, want: "invalid_request"},
		{name: "fragment response mode", over: map[string]string{"response_mode": "fragment"}, want: "invalid_request"},
		{name: "form_post response mode", over: map[string]string{"response_mode": "form_post"}, want: "invalid_request"},
		{name: "no openid scope", over: map[string]string{"scope": "profile email"}, want: "invalid_scope"},
		{name: "missing scope", over: map[string]string{"scope": ""}, want: "invalid_scope"},
		{name: "unknown scope", over: map[string]string{"scope": "openid admin"}, want: "invalid_scope"},
		{name: "method without challenge", over: map[string]string{"code_challenge_method": "S256"}, want: "invalid_request"},
		{name: "unknown challenge method", over: map[string]string{"code_challenge": testChallenge, "code_challenge_method": "S512"}, want: "invalid_request"},
		{name: "short challenge", over: map[string]string{"code_challenge": "abc", "code_challenge_method": "plain"}, want: "invalid_request"},
		{name: "S256 challenge of wrong length", over: map[string]string{"code_challenge": testVerifier, "code_challenge_method": "S256"}, want: "invalid_request"},
		{name: "prompt none without session", over: map[string]string{"prompt": "none"}, want: "login_required"},
		{name: "prompt none with login", over: map[string]string{"prompt": "none login"}, want: "invalid_request"},
		{name: "unknown prompt", over: map[string]string{"prompt": "bogus"}, want: "invalid_request"},
		{name: "unknown sessionToken", over: map[string]string{"sessionToken": "20111abc"}, want: "access_denied"},
		{name: "repeated state", raw: "&state=again", want: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := e.get(e.authorizeURL(tt.over) + tt.raw)
			if got := e.redirectError(resp); got != tt.want {
				t.Errorf("error: got %q, want %q", got, tt.want)
			}
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if got := loc.Query().Get("state"); got != "state-123" {
				t.Errorf("state: got %q, want state-123", got)
			}
			if loc.Query().Get("error_description") == "" {
				t.Errorf("error_description: got none, want one")
			}
		})
	}
}

// TestAuthorizeKeepsRedirectQuery checks that a registered redirect URI's
// own query survives (RFC 6749 §3.1.2).
func TestAuthorizeKeepsRedirectQuery(t *testing.T) {
	t.Parallel()
	const redirect = "http://localhost:8080/cb?tenant=a"
	p, err := New(Config{Issuer: "http://127.0.0.1:8081/oauth2/default", Clients: []Client{
		{ID: "c", Secret: "s", RedirectURIs: []string{redirect}}}, NewSigningKey: (&testkeys.Source{}).Next})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	q := url.Values{"client_id": {"c"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"},
		"prompt": {"none"}, "state": {"xyz"}}
	rec := serve(p, http.MethodGet, "http://127.0.0.1:8081/oauth2/default/v1/authorize?"+q.Encode(), nil)
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"tenant": "a", "error": "login_required", "state": "xyz"} {
		if got := loc.Query().Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
}

func TestSignInPage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, body := e.get(e.authorizeURL(map[string]string{"login_hint": "bob@example.com"}))
	e.signInRequestID(resp, body)
	checkHTMLHeaders(t, resp)
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "form-action 'self' http://localhost:8080") {
		t.Errorf("CSP: got %q, want form-action to allow the redirect URI's origin", csp)
	}
	if !strings.Contains(body, `value="bob@example.com"`) {
		t.Errorf("login_hint: username not prefilled")
	}
	if !strings.Contains(body, "Alice-demo-1") {
		t.Errorf("sign-in page: got no demo credentials hint, want one for DemoUsers")
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
		t.Errorf("page has inline script or style")
	}
	css, _ := e.get(e.issuer + "/static/provider.css")
	if css.StatusCode != http.StatusOK {
		t.Errorf("stylesheet: got status %d, want 200", css.StatusCode)
	}
}

// checkHTMLHeaders checks the security headers of an HTML page.
func checkHTMLHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	if csp == "" || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy: got %q, want one without unsafe-inline and with frame-ancestors 'none'", csp)
	}
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
		"Referrer-Policy":        "no-referrer",
		"Content-Type":           "text/html; charset=utf-8",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
}
