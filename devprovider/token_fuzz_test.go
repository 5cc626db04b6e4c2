package devprovider_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

// The client the fuzz targets register. The secret has characters that
// client_secret_basic must form-urlencode.
const (
	fuzzIssuer      = "http://127.0.0.1:18081/oauth2/default"
	fuzzClientID    = "0oa-fuzz"
	fuzzSecret      = "fuzz secret+with:colon"
	fuzzRedirectURI = "http://localhost:8080/authorization-code/callback"
	fuzzOrigin      = "http://localhost:8080"
	// fuzzVerifier is a PKCE verifier (RFC 7636 4.1).
	fuzzVerifier = "fuzz-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
)

// fuzzClock jumps hours ahead at every fuzz iteration, so each starts with
// every code, session and lockout of the previous ones expired, and the
// provider's bounded stores never fill up.
type fuzzClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fuzzClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fuzzClock) nextIteration() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(3 * time.Hour)
}

// newFuzzProvider returns a development provider with the fuzz client and
// the demo users, served in-process (no listener).
func newFuzzProvider(f *testing.F) (*devprovider.Provider, *fuzzClock) {
	f.Helper()
	clock := &fuzzClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	p, err := devprovider.New(devprovider.Config{
		Issuer: fuzzIssuer,
		Clients: []devprovider.Client{{
			ID: fuzzClientID, Secret: fuzzSecret,
			RedirectURIs: []string{fuzzRedirectURI}, PostLogoutRedirectURIs: []string{fuzzOrigin + "/"},
		}},
		TrustedOrigins: []string{fuzzOrigin},
		Now:            clock.Now,
		NewSigningKey:  (&testkeys.Source{}).Next,
	})
	if err != nil {
		f.Fatalf("devprovider.New: %v", err)
	}
	return p, clock
}

// serve runs one request through the provider.
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// mintCode signs in a demo user through /api/v1/authn and /v1/authorize
// and returns a fresh code bound to fuzzVerifier.
func mintCode(t *testing.T, p http.Handler) string {
	t.Helper()
	user := devprovider.DemoUsers()[0]
	body, err := json.Marshal(map[string]string{"username": user.Login, "password": user.Password})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/api/v1/authn", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	rec := serve(p, r)
	var authn struct{ SessionToken string }
	if err := json.Unmarshal(rec.Body.Bytes(), &authn); err != nil || authn.SessionToken == "" {
		t.Fatalf("authn: got %d %s", rec.Code, rec.Body)
	}
	sum := sha256.Sum256([]byte(fuzzVerifier))
	q := url.Values{
		"client_id": {fuzzClientID}, "redirect_uri": {fuzzRedirectURI}, "response_type": {"code"},
		"scope": {"openid email profile"}, "state": {"fuzz-state"}, "nonce": {"fuzz-nonce"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"sessionToken": {authn.SessionToken},
	}
	rec = serve(p, httptest.NewRequest(http.MethodGet, "/oauth2/default/v1/authorize?"+q.Encode(), nil))
	loc, err := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: got %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	return loc.Query().Get("code")
}

// FuzzTokenRequest posts any form body, Authorization header and content
// type to /v1/token. In the body, CODE stands for a freshly minted code
// when withCode is set, and VERIFIER for its PKCE verifier. The provider
// must never panic, never answer 5xx, and never issue tokens without a
// real code.
func FuzzTokenRequest(f *testing.F) {
	p, clock := newFuzzProvider(f)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(fuzzClientID)+":"+url.QueryEscape(fuzzSecret)))
	form := "application/x-www-form-urlencoded"
	good := "grant_type=authorization_code&code=CODE&redirect_uri=" + url.QueryEscape(fuzzRedirectURI) + "&code_verifier=VERIFIER"

	for _, s := range []struct {
		body, authz, ctype string
		withCode           bool
	}{
		{good, basic, form, true},
		{good + "&client_id=" + fuzzClientID + "&client_secret=" + url.QueryEscape(fuzzSecret), "", form, true},
		{good + "&client_secret=x", basic, form, true},
		{good, basic, form, false},
		{strings.Replace(good, "VERIFIER", "wrong-verifier-0123456789-abcdefghijklmnopqrstuvwxyz", 1), basic, form, true},
		{good + "&code=CODE", basic, form, true},
		{"grant_type=password&username=a&password=b", basic, form, false},
		{"grant_type=authorization_code&code=CODE", "Basic !!!", form, true},
		{"grant_type=authorization_code&code=CODE", "Basic " + base64.StdEncoding.EncodeToString([]byte("%zz:%zz")), form, true},
		{good, basic, "application/json", true},
		{good, basic, "application/x-www-form-urlencoded; charset=\"", true},
		{"%", basic, form, false},
		{"a=%ff&b=;&&&c", "Bearer x", form, false},
		{strings.Repeat("a=b&", 5000), basic, form, false},
	} {
		f.Add(s.body, s.authz, s.ctype, s.withCode)
	}

	f.Fuzz(func(t *testing.T, body, authz, ctype string, withCode bool) {
		clock.nextIteration()
		code := "no-code"
		if withCode {
			code = mintCode(t, p)
		}
		body = strings.NewReplacer("CODE", url.QueryEscape(code), "VERIFIER", fuzzVerifier).Replace(body)
		r := httptest.NewRequest(http.MethodPost, "/oauth2/default/v1/token", strings.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		rec := serve(p, r)
		if rec.Code >= 500 {
			t.Fatalf("got %d %s, want no 5xx", rec.Code, rec.Body)
		}
		var resp struct {
			AccessToken string `json:"access_token"`
			IDToken     string `json:"id_token"`
			Error       string `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("got a body that is not JSON (%v): %q", err, rec.Body)
		}
		if rec.Code == http.StatusOK {
			if !withCode || !strings.Contains(body, url.QueryEscape(code)) && !strings.Contains(body, code) {
				t.Fatalf("tokens issued without a real code: body %q", body)
			}
			if resp.AccessToken == "" || resp.IDToken == "" {
				t.Fatalf("200 without tokens: %s", rec.Body)
			}
		} else if resp.Error == "" {
			t.Fatalf("got %d without an OAuth error code: %s", rec.Code, rec.Body)
		}
	})
}
