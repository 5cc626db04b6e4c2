package devprovider

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/okta-samples/okta-go-sample/internal/fakeclock"
	"github.com/okta-samples/okta-go-sample/internal/logbuf"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

const (
	testClientID = "test-app"
	// The secret has characters that client_secret_basic must
	// form-url-encode (RFC 6749 §2.3.1).
	testClientSecret  = "s3cret+with:colon&amp ünï"
	testRedirectURI   = "http://localhost:8080/authorization-code/callback"
	testPostLogoutURI = "http://localhost:8080/"
	testTrustedOrigin = "http://localhost:8080"
	otherClientID     = "other-app"
	otherClientSecret = "other-secret"
	otherRedirectURI  = "http://localhost:9090/callback"
	aliceLogin        = "alice@example.com"
	alicePassword     = "Alice-demo-1"
	aliceSubject      = "00udemoalice0000001"
	// A PKCE pair; the S256 challenge was computed independently with
	// printf %s VERIFIER | openssl dgst -sha256 -binary | base64 (URL-safe,
	// unpadded).
	testVerifier  = "dBjftJeZ4CVP-mJ92ZSpSL32abAX6rLLJ1mr6SP2PfzWs8s7GXxwzzA"
	testChallenge = "-1sO7mn5Kmf0vkqwHKXTXs24Qxz2UIWnf1Ch4IvB4Mc"
)

func newTestClock() *fakeclock.Clock {
	return fakeclock.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
}

// testEnv is a provider served by httptest with a browser-like client.
type testEnv struct {
	t       *testing.T
	p       *Provider
	srv     *httptest.Server
	issuer  string
	clock   *fakeclock.Clock
	browser *http.Client // cookie jar, does not follow redirects
	logs    *logbuf.Buffer
}

// newTestEnv starts a provider whose signing keys are test keys made in
// advance (internal/testkeys), so that it starts in well under a
// millisecond instead of generating an RSA key.
func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvKeys(t, &testkeys.Source{})
}

// newTestEnvKeys is newTestEnv with signing keys from keys. Providers that
// must not share a key, such as one and the stranger whose tokens it must
// refuse, take theirs from the same Source.
func newTestEnvKeys(t *testing.T, keys *testkeys.Source) *testEnv {
	t.Helper()
	return newTestEnvConfig(t, keys, nil)
}

// newTestEnvConfig is newTestEnvKeys with the Config changed by configure
// (nil for none) before New. The default clients' logout URIs point at
// localhost:8080 and :9090, where nothing of the test's listens, so the
// default HTTPClient refuses every request: a test that wants logout
// notifications registers its own endpoints and client.
func newTestEnvConfig(t *testing.T, keys *testkeys.Source, configure func(*Config)) *testEnv {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/oauth2/default"
	clock := newTestClock()
	logs := &logbuf.Buffer{}
	cfg := Config{
		Issuer: issuer,
		Clients: []Client{
			{ID: testClientID, Secret: testClientSecret, RedirectURIs: []string{testRedirectURI},
				PostLogoutRedirectURIs: []string{testPostLogoutURI}},
			{ID: otherClientID, Secret: otherClientSecret, RedirectURIs: []string{otherRedirectURI}},
		},
		TrustedOrigins: []string{testTrustedOrigin},
		Logger:         slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:            clock.Now,
		NewSigningKey:  keys.Next,
		HTTPClient:     &http.Client{Transport: refuseTransport{}},
	}
	if configure != nil {
		configure(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(srv.Close)
	return &testEnv{t: t, p: p, srv: srv, issuer: issuer, clock: clock, browser: newBrowser(t), logs: logs}
}

// refuseTransport fails every request: the provider of a test must not
// reach out to addresses the test does not own.
type refuseTransport struct{}

func (refuseTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("test: no outbound requests to " + r.URL.Host)
}

// newBrowser returns a client with a cookie jar that does not follow
// redirects, so tests can inspect each hop.
func newBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("cookiejar: %v", err)
	}
	return &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// authorizeURL builds an authorize URL with sensible defaults; overrides
// replace them, and an empty override value removes the parameter.
func (e *testEnv) authorizeURL(overrides map[string]string) string {
	q := url.Values{
		"client_id":     {testClientID},
		"redirect_uri":  {testRedirectURI},
		"response_type": {"code"},
		"scope":         {"openid profile email"},
		"state":         {"state-123"},
		"nonce":         {"nonce-456"},
	}
	for k, v := range overrides {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return e.issuer + "/v1/authorize?" + q.Encode()
}

// do sends req with the browser and returns the response with its body read.
func (e *testEnv) do(req *http.Request) (*http.Response, string) {
	e.t.Helper()
	resp, err := e.browser.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return resp, string(body)
}

func (e *testEnv) get(u string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	return e.do(req)
}

var requestIDRE = regexp.MustCompile(`name="request" value="([^"]+)"`)

// signInRequestID checks that resp is the sign-in page and returns the
// pending request id from its form.
func (e *testEnv) signInRequestID(resp *http.Response, body string) string {
	e.t.Helper()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("authorize: got status %d, want 200 with the sign-in page; Location=%q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, id := range []string{`id="okta-signin-username"`, `id="okta-signin-password"`, `id="okta-signin-submit"`} {
		if !strings.Contains(body, id) {
			e.t.Fatalf("sign-in page: missing %s", id)
		}
	}
	m := requestIDRE.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("sign-in page: no request id in %q", body)
	}
	return m[1]
}

// postLogin submits the sign-in form.
func (e *testEnv) postLogin(requestID, username, password string) (*http.Response, string) {
	e.t.Helper()
	form := url.Values{"request": {requestID}, "username": {username}, "password": {password}}
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/v1/login", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

// followToStepPage checks that resp, the answer to a failed post of the
// sign-in step at stepPath ("/v1/login" or "/v1/login/otp"), is a 303 to a
// GET of that step's page for the pending sign-in wantID ("" for any),
// with nothing in the URL but that key, and GETs it. It returns the page
// and its URL.
func (e *testEnv) followToStepPage(resp *http.Response, stepPath, wantID string) (*http.Response, string, string) {
	e.t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("got status %d, want 303 to the sign-in page; Location=%q", resp.StatusCode, resp.Header.Get("Location"))
	}
	base, err := url.Parse(e.srv.URL)
	if err != nil {
		e.t.Fatal(err)
	}
	loc, err := base.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatalf("parse Location: %v", err)
	}
	if want := strings.TrimPrefix(e.issuer, e.srv.URL) + stepPath; loc.Scheme+"://"+loc.Host != e.srv.URL || loc.Path != want {
		e.t.Fatalf("Location: got %q, want the provider's %s", loc, want)
	}
	q := loc.Query()
	if len(q) != 1 || len(q["request"]) != 1 || (wantID != "" && q.Get("request") != wantID) {
		e.t.Fatalf("Location query: got %v, want only request=%q", q, wantID)
	}
	target := loc.String()
	resp, body := e.get(target)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: got status %d, want 200", loc.Path, resp.StatusCode)
	}
	return resp, body, target
}

var loginErrorRE = regexp.MustCompile(`id="login-error"[^>]*>([^<]*)<`)

// pageError returns the error message a sign-in page shows, "" for none.
func pageError(body string) string {
	if m := loginErrorRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// signInAttempt posts the sign-in form of the pending sign-in id and
// returns the code when the provider redirects to the client with one, or
// else the error that the sign-in page shows after the redirect to it.
func (e *testEnv) signInAttempt(id, username, password string) (code, pageErr string) {
	e.t.Helper()
	resp, _ := e.postLogin(id, username, password)
	if loc, err := url.Parse(resp.Header.Get("Location")); err == nil && strings.HasPrefix(loc.String(), testRedirectURI) {
		return e.codeFromRedirect(resp, testRedirectURI, "state-123"), ""
	}
	_, body, _ := e.followToStepPage(resp, "/v1/login", id)
	msg := pageError(body)
	if msg == "" {
		e.t.Fatalf("sign-in page after a failed attempt: no error shown")
	}
	return "", msg
}

// codeFromRedirect checks that resp redirects to redirectURI with a code,
// the state and iss, and returns the code.
func (e *testEnv) codeFromRedirect(resp *http.Response, redirectURI, wantState string) string {
	e.t.Helper()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("got status %d, want a redirect with a code", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatalf("parse Location: %v", err)
	}
	q := loc.Query()
	loc.RawQuery = ""
	if got := loc.String(); got != redirectURI {
		e.t.Fatalf("redirect: got %q, want %q", got, redirectURI)
	}
	if errCode := q.Get("error"); errCode != "" {
		e.t.Fatalf("redirect: got error=%s (%s), want a code", errCode, q.Get("error_description"))
	}
	if got := q.Get("state"); got != wantState {
		e.t.Errorf("state: got %q, want %q", got, wantState)
	}
	if got := q.Get("iss"); got != e.issuer {
		e.t.Errorf("iss: got %q, want %q", got, e.issuer)
	}
	code := q.Get("code")
	if code == "" {
		e.t.Fatalf("redirect: no code in %q", resp.Header.Get("Location"))
	}
	return code
}

// redirectError checks that resp redirects to testRedirectURI with an
// error and returns the error code.
func (e *testEnv) redirectError(resp *http.Response) string {
	e.t.Helper()
	if resp.StatusCode != http.StatusFound {
		e.t.Fatalf("got status %d, want 302 with an error", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatalf("parse Location: %v", err)
	}
	q := loc.Query()
	if q.Get("code") != "" {
		e.t.Errorf("redirect: got a code, want none")
	}
	if got := q.Get("iss"); got != e.issuer {
		e.t.Errorf("iss: got %q, want %q", got, e.issuer)
	}
	if q.Get("error") == "" {
		e.t.Fatalf("redirect: no error in %q", loc)
	}
	return q.Get("error")
}

// signIn runs authorize and the sign-in form, and returns the code. It
// starts from a fresh browser (no provider session), so the form is shown.
func (e *testEnv) signIn(overrides map[string]string) string {
	e.t.Helper()
	e.browser = newBrowser(e.t)
	resp, body := e.get(e.authorizeURL(overrides))
	id := e.signInRequestID(resp, body)
	resp, _ = e.postLogin(id, aliceLogin, alicePassword)
	state := "state-123"
	if s, ok := overrides["state"]; ok {
		state = s
	}
	return e.codeFromRedirect(resp, testRedirectURI, state)
}

// tokenRequest posts form to the token endpoint. With basic, the client
// credentials go in the Authorization header, form-url-encoded first.
func (e *testEnv) tokenRequest(form url.Values, clientID, secret string, basic bool) (*http.Response, map[string]any) {
	e.t.Helper()
	if !basic && clientID != "" {
		form.Set("client_id", clientID)
		form.Set("client_secret", secret)
	}
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/v1/token", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		e.t.Fatalf("token response: decode: %v", err)
	}
	return resp, body
}

// codeForm is a token request form for code.
func codeForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirectURI}}
}

// fetchJWKS gets the provider's published keys.
func (e *testEnv) fetchJWKS() jose.JSONWebKeySet {
	e.t.Helper()
	resp, err := http.Get(e.issuer + "/v1/keys")
	if err != nil {
		e.t.Fatalf("get keys: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("keys: got status %d, want 200", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		e.t.Fatalf("keys: decode: %v", err)
	}
	return set
}

// verifyIDToken verifies raw against the published JWKS, the way a relying
// party does, and returns its claims and kid.
func (e *testEnv) verifyIDToken(raw string) (map[string]any, string) {
	e.t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		e.t.Fatalf("parse id_token: %v", err)
	}
	if len(tok.Headers) != 1 {
		e.t.Fatalf("id_token: got %d signatures, want 1", len(tok.Headers))
	}
	h := tok.Headers[0]
	if h.Algorithm != "RS256" {
		e.t.Errorf("id_token alg: got %q, want RS256", h.Algorithm)
	}
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "JWT" {
		e.t.Errorf("id_token typ: got %q, want JWT", typ)
	}
	jwks := e.fetchJWKS()
	keys := jwks.Key(h.KeyID)
	if len(keys) != 1 {
		e.t.Fatalf("id_token kid %q: got %d published keys, want 1", h.KeyID, len(keys))
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		e.t.Fatalf("verify id_token: %v", err)
	}
	return claims, h.KeyID
}

// pkceS256 computes the S256 challenge of verifier (RFC 7636 §4.2).
func pkceS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// serve runs one request through p without a network.
func serve(p *Provider, method, target string, body io.Reader) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(method, target, body))
	return rec
}
