package devprovider

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

// TestCodeFlow runs the whole authorization code flow over HTTP, as the
// app and a browser do, with each client authentication method.
func TestCodeFlow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		basic bool
		pkce  bool
	}{
		{name: "client_secret_basic with PKCE", basic: true, pkce: true},
		{name: "client_secret_post with PKCE", basic: false, pkce: true},
		{name: "client_secret_basic without PKCE", basic: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			overrides := map[string]string{}
			form := url.Values{}
			if tt.pkce {
				overrides["code_challenge"] = testChallenge
				overrides["code_challenge_method"] = "S256"
			}
			code := e.signIn(overrides)
			form = codeForm(code)
			if tt.pkce {
				form.Set("code_verifier", testVerifier)
			}
			resp, tok := e.tokenRequest(form, testClientID, testClientSecret, tt.basic)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("token: got status %d (%v), want 200", resp.StatusCode, tok)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("token Cache-Control: got %q, want no-store", got)
			}
			if got := tok["token_type"]; got != "Bearer" {
				t.Errorf("token_type: got %v, want Bearer", got)
			}
			if got := tok["expires_in"]; got != float64(3600) {
				t.Errorf("expires_in: got %v, want 3600", got)
			}
			if got := tok["scope"]; got != "openid profile email" {
				t.Errorf("scope: got %v, want %q", got, "openid profile email")
			}
			accessToken, _ := tok["access_token"].(string)
			if accessToken == "" {
				t.Fatalf("access_token: got none")
			}
			idToken, _ := tok["id_token"].(string)
			claims, _ := e.verifyIDToken(idToken)

			now := e.clock.Now().Unix()
			want := map[string]any{
				"iss":                e.issuer,
				"sub":                aliceSubject,
				"aud":                testClientID,
				"nonce":              "nonce-456",
				"at_hash":            atHash(accessToken),
				"iat":                float64(now),
				"exp":                float64(now + 3600),
				"auth_time":          float64(now),
				"email":              aliceLogin,
				"email_verified":     true,
				"name":               "Alice Anderson",
				"given_name":         "Alice",
				"family_name":        "Anderson",
				"preferred_username": aliceLogin,
				"locale":             "en-US",
				"zoneinfo":           "America/Los_Angeles",
			}
			for k, v := range want {
				if got := claims[k]; got != v {
					t.Errorf("id_token %s: got %v, want %v", k, got, v)
				}
			}

			req, err := http.NewRequest(http.MethodGet, e.issuer+"/v1/userinfo", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+accessToken)
			uresp, ubody := e.do(req)
			if uresp.StatusCode != http.StatusOK {
				t.Fatalf("userinfo: got status %d, want 200", uresp.StatusCode)
			}
			var info map[string]any
			if err := json.Unmarshal([]byte(ubody), &info); err != nil {
				t.Fatalf("userinfo: decode: %v", err)
			}
			for _, k := range []string{"sub", "email", "email_verified", "name", "given_name", "family_name",
				"preferred_username", "locale", "zoneinfo"} {
				if got := info[k]; got != want[k] {
					t.Errorf("userinfo %s: got %v, want %v", k, got, want[k])
				}
			}
			if _, ok := info["updated_at"].(float64); !ok {
				t.Errorf("userinfo updated_at: got %v, want a number", info["updated_at"])
			}

			logs := e.logs.String()
			for name, secret := range map[string]string{"code": code, "access token": accessToken,
				"id token": idToken, "password": alicePassword, "client secret": testClientSecret} {
				if strings.Contains(logs, secret) {
					t.Errorf("logs contain the %s", name)
				}
			}
		})
	}
}

// TestSingleSignOn checks that a second authorize with the provider's
// session cookie gets a code without a password, and that logout ends it.
func TestSingleSignOn(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, body := e.get(e.authorizeURL(nil))
	resp, _ = e.postLogin(e.signInRequestID(resp, body), aliceLogin, alicePassword)
	code := e.codeFromRedirect(resp, testRedirectURI, "state-123")
	signInTime := e.clock.Now()

	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookieName {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value == "" {
		t.Fatalf("sign-in: got no %s cookie, want one", sessionCookieName)
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Errorf("session cookie: got HttpOnly=%v SameSite=%v Path=%q, want true, Lax, /",
			cookie.HttpOnly, cookie.SameSite, cookie.Path)
	}

	_, tok := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
	idToken, _ := tok["id_token"].(string)

	e.clock.Advance(5 * time.Minute)
	resp, _ = e.get(e.authorizeURL(map[string]string{"state": "second", "nonce": "n2"}))
	code2 := e.codeFromRedirect(resp, testRedirectURI, "second")
	_, tok2 := e.tokenRequest(codeForm(code2), testClientID, testClientSecret, false)
	claims, _ := e.verifyIDToken(tok2["id_token"].(string))
	if got, want := claims["auth_time"], float64(signInTime.Unix()); got != want {
		t.Errorf("SSO auth_time: got %v, want the original sign-in time %v", got, want)
	}
	if got := claims["nonce"]; got != "n2" {
		t.Errorf("SSO nonce: got %v, want n2", got)
	}

	t.Run("prompt=login forces the form", func(t *testing.T) {
		resp, body := e.get(e.authorizeURL(map[string]string{"prompt": "login"}))
		e.signInRequestID(resp, body)
	})

	t.Run("logout ends SSO", func(t *testing.T) {
		q := url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {testPostLogoutURI}, "state": {"bye"}}
		resp, _ := e.get(e.issuer + "/v1/logout?" + q.Encode())
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("logout: got status %d, want 302", resp.StatusCode)
		}
		if got, want := resp.Header.Get("Location"), testPostLogoutURI+"?state=bye"; got != want {
			t.Errorf("logout Location: got %q, want %q", got, want)
		}
		resp, body := e.get(e.authorizeURL(nil))
		e.signInRequestID(resp, body)
		resp, _ = e.get(e.authorizeURL(map[string]string{"prompt": "none"}))
		if got := e.redirectError(resp); got != "login_required" {
			t.Errorf("prompt=none after logout: got error %q, want login_required", got)
		}
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	keys := &testkeys.Source{}
	e := newTestEnvKeys(t, keys)
	code := e.signIn(nil)
	_, tok := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
	idToken := tok["id_token"].(string)

	// A token signed by a stranger's key with our issuer and audience. The
	// same Source makes sure that the stranger's key differs from ours.
	foreign := newTestEnvKeys(t, keys)
	fcode := foreign.signIn(nil)
	_, ftok := foreign.tokenRequest(codeForm(fcode), testClientID, testClientSecret, true)

	tests := []struct {
		name       string
		query      url.Values
		advance    time.Duration // clock moves before the request
		wantStatus int
		wantLoc    string
	}{
		{name: "valid with redirect and state", query: url.Values{"id_token_hint": {idToken},
			"post_logout_redirect_uri": {testPostLogoutURI}, "state": {"s"}}, wantStatus: 302, wantLoc: testPostLogoutURI + "?state=s"},
		{name: "valid without redirect shows a page", query: url.Values{"id_token_hint": {idToken}}, wantStatus: 200},
		{name: "expired hint is accepted", query: url.Values{"id_token_hint": {idToken},
			"post_logout_redirect_uri": {testPostLogoutURI}}, advance: 2 * time.Hour, wantStatus: 302, wantLoc: testPostLogoutURI},
		{name: "missing hint", query: url.Values{"post_logout_redirect_uri": {testPostLogoutURI}}, wantStatus: 400},
		{name: "garbage hint", query: url.Values{"id_token_hint": {"not.a.jwt"}}, wantStatus: 400},
		{name: "hint from another provider", query: url.Values{"id_token_hint": {ftok["id_token"].(string)}}, wantStatus: 400},
		{name: "unregistered post_logout_redirect_uri", query: url.Values{"id_token_hint": {idToken},
			"post_logout_redirect_uri": {"https://evil.example/"}}, wantStatus: 400},
		{name: "redirect registered only as a login redirect", query: url.Values{"id_token_hint": {idToken},
			"post_logout_redirect_uri": {testRedirectURI}}, wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Advance(tt.advance)
			resp, _ := e.get(e.issuer + "/v1/logout?" + tt.query.Encode())
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Location"); got != tt.wantLoc {
				t.Errorf("Location: got %q, want %q", got, tt.wantLoc)
			}
		})
	}
}

// atHash computes at_hash independently of the provider (OIDC Core
// §3.1.3.6): base64url of the left half of SHA-256 of the access token.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
