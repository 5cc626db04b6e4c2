package devprovider

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

const testSPAOrigin = "http://localhost:8083"

// newSPAEnv is the test provider with the demo single-page app registered
// as a public client next to the confidential test clients.
func newSPAEnv(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvConfig(t, &testkeys.Source{}, func(cfg *Config) {
		cfg.Clients = append(cfg.Clients, DemoSPAClient(testSPAOrigin))
	})
}

// spaRequest sends a request as okta-auth-js does from the app's page:
// form body, Origin, and the headers it adds.
func (e *testEnv) spaRequest(method, path string, form url.Values, header http.Header) (*http.Response, map[string]any) {
	e.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, e.issuer+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Origin", testSPAOrigin)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Okta-User-Agent-Extended", "okta-auth-js/7.14.5")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, raw := e.do(req)
	var out map[string]any
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			e.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp, out
}

// spaSignIn signs alice in to the single-page app with PKCE and returns
// the code.
func (e *testEnv) spaSignIn(overrides map[string]string) string {
	e.t.Helper()
	params := map[string]string{
		"client_id": DemoSPAClientID, "redirect_uri": testSPAOrigin + SPACallbackPath,
		"scope": "openid profile email offline_access", "code_challenge": testChallenge, "code_challenge_method": "S256",
	}
	for k, v := range overrides {
		params[k] = v
	}
	e.browser = newBrowser(e.t)
	resp, body := e.get(e.authorizeURL(params))
	resp, _ = e.postLogin(e.signInRequestID(resp, body), aliceLogin, alicePassword)
	return e.codeFromRedirect(resp, testSPAOrigin+SPACallbackPath, "state-123")
}

// spaCodeForm is the token request okta-auth-js sends for a code.
func spaCodeForm(code string) url.Values {
	return url.Values{"client_id": {DemoSPAClientID}, "redirect_uri": {testSPAOrigin + SPACallbackPath},
		"grant_type": {"authorization_code"}, "code_verifier": {testVerifier}, "code": {code}}
}

// TestPublicClient: the single-page app signs in with PKCE and its
// client_id alone, refreshes, reads userinfo and revokes, as okta-auth-js
// does, all from its own origin.
func TestPublicClient(t *testing.T) {
	t.Parallel()
	e := newSPAEnv(t)
	resp, tok := e.spaRequest(http.MethodPost, "/v1/token", spaCodeForm(e.spaSignIn(nil)), nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("token: got %d %v, want 200", resp.StatusCode, tok)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != testSPAOrigin {
		t.Errorf("token Access-Control-Allow-Origin: got %q, want %q", got, testSPAOrigin)
	}
	if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("token Access-Control-Allow-Credentials: got %q, want none", got)
	}
	claims := e.verifyAccessToken(tok["access_token"].(string))
	if claims["cid"] != DemoSPAClientID || claims["aud"] != DefaultAccessTokenAudience {
		t.Errorf("access token: got cid %v aud %v, want %s and %s", claims["cid"], claims["aud"], DemoSPAClientID, DefaultAccessTokenAudience)
	}
	if id, _ := e.verifyIDToken(tok["id_token"].(string)); id["aud"] != DemoSPAClientID {
		t.Errorf("id_token aud: got %v, want %s", id["aud"], DemoSPAClientID)
	}

	// okta-auth-js's refresh: client_id, grant_type, scope, refresh_token.
	resp, next := e.spaRequest(http.MethodPost, "/v1/token", url.Values{"client_id": {DemoSPAClientID},
		"grant_type": {"refresh_token"}, "scope": {"openid profile email offline_access"},
		"refresh_token": {tok["refresh_token"].(string)}}, nil)
	if resp.StatusCode != http.StatusOK || next["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("refresh: got %d %v, want 200 with a new refresh token", resp.StatusCode, next)
	}
	access := next["access_token"].(string)

	resp, info := e.spaRequest(http.MethodGet, "/v1/userinfo", nil, http.Header{"Authorization": {"Bearer " + access}})
	if resp.StatusCode != http.StatusOK || info["sub"] != aliceSubject {
		t.Fatalf("userinfo: got %d %v, want 200 for alice", resp.StatusCode, info)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != testSPAOrigin {
		t.Errorf("userinfo Access-Control-Allow-Origin: got %q, want %q", got, testSPAOrigin)
	}

	// okta-auth-js's revocation: Basic with the client id alone, no colon.
	basic := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(DemoSPAClientID))}}
	for _, kind := range []struct{ token, hint string }{{access, "access_token"}, {next["refresh_token"].(string), "refresh_token"}} {
		resp, body := e.spaRequest(http.MethodPost, "/v1/revoke", url.Values{"token_type_hint": {kind.hint}, "token": {kind.token}}, basic)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("revoke %s: got %d %v, want 200", kind.hint, resp.StatusCode, body)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != testSPAOrigin {
			t.Errorf("revoke Access-Control-Allow-Origin: got %q, want %q", got, testSPAOrigin)
		}
	}
	if got := userinfoStatus(t, e, access); got != http.StatusUnauthorized {
		t.Errorf("userinfo after revocation: got %d, want 401", got)
	}
	if resp, body := e.spaRequest(http.MethodPost, "/v1/token", url.Values{"client_id": {DemoSPAClientID},
		"grant_type": {"refresh_token"}, "refresh_token": {next["refresh_token"].(string)}}, nil); body["error"] != "invalid_grant" {
		t.Errorf("refresh after revocation: got %d %v, want invalid_grant", resp.StatusCode, body)
	}
}

// TestPublicClientRefusals: a public client must use PKCE with S256 and
// must not present a secret.
func TestPublicClientRefusals(t *testing.T) {
	t.Parallel()
	t.Run("authorize", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name      string
			overrides map[string]string
		}{
			{name: "no PKCE", overrides: map[string]string{"code_challenge": "", "code_challenge_method": ""}},
			{name: "plain PKCE", overrides: map[string]string{"code_challenge": testVerifier, "code_challenge_method": "plain"}},
			{name: "challenge without a method (plain by default)", overrides: map[string]string{"code_challenge_method": ""}},
		}
		e := newSPAEnv(t)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				params := map[string]string{"client_id": DemoSPAClientID, "redirect_uri": testSPAOrigin + SPACallbackPath,
					"code_challenge": testChallenge, "code_challenge_method": "S256"}
				for k, v := range tt.overrides {
					params[k] = v
				}
				resp, _ := e.get(e.authorizeURL(params))
				loc, err := url.Parse(resp.Header.Get("Location"))
				if err != nil || resp.StatusCode != http.StatusFound || loc.Query().Get("error") != "invalid_request" ||
					!strings.HasPrefix(loc.String(), testSPAOrigin+SPACallbackPath) {
					t.Errorf("got %d to %q, want a redirect to the app with invalid_request", resp.StatusCode, resp.Header.Get("Location"))
				}
			})
		}
	})

	tests := []struct {
		name      string
		form      func(url.Values)
		header    http.Header
		wantError string
	}{
		{name: "no code_verifier", form: func(f url.Values) { f.Del("code_verifier") }, wantError: "invalid_grant"},
		{name: "a client_secret", form: func(f url.Values) { f.Set("client_secret", "guess") }, wantError: "invalid_client"},
		{name: "Basic with a secret", form: func(f url.Values) { f.Del("client_id") },
			header:    http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(DemoSPAClientID+":guess"))}},
			wantError: "invalid_client"},
		{name: "no client_id", form: func(f url.Values) { f.Del("client_id") }, wantError: "invalid_client"},
		{name: "another client's id", form: func(f url.Values) { f.Set("client_id", testClientID) }, wantError: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newSPAEnv(t)
			form := spaCodeForm(e.spaSignIn(nil))
			tt.form(form)
			resp, body := e.spaRequest(http.MethodPost, "/v1/token", form, tt.header)
			if body["error"] != tt.wantError || body["access_token"] != nil {
				t.Errorf("got %d %v, want error %s", resp.StatusCode, body, tt.wantError)
			}
		})
	}
}

// TestPublicClientCORS: the single-page app's origin, and only it, may
// call the token, revocation and userinfo endpoints from a browser; it
// may also read discovery and the keys. The app's own (trusted) origin
// keeps what it had, and no other origin gets anything.
func TestPublicClientCORS(t *testing.T) {
	t.Parallel()
	e := newSPAEnv(t)
	tests := []struct {
		name        string
		method      string
		path        string
		origin      string
		reqMethod   string // for preflights
		reqHeaders  string
		wantStatus  int
		wantACAO    string
		wantMethods string
	}{
		{name: "token preflight from the SPA", method: http.MethodOptions, path: "/v1/token", origin: testSPAOrigin,
			reqMethod: "POST", reqHeaders: "content-type,x-okta-user-agent-extended", wantStatus: 204, wantACAO: testSPAOrigin, wantMethods: "POST, OPTIONS"},
		{name: "revoke preflight with Authorization", method: http.MethodOptions, path: "/v1/revoke", origin: testSPAOrigin,
			reqMethod: "POST", reqHeaders: "authorization,content-type", wantStatus: 204, wantACAO: testSPAOrigin, wantMethods: "POST, OPTIONS"},
		{name: "userinfo preflight with Authorization", method: http.MethodOptions, path: "/v1/userinfo", origin: testSPAOrigin,
			reqMethod: "GET", reqHeaders: "authorization", wantStatus: 204, wantACAO: testSPAOrigin, wantMethods: "GET, POST, OPTIONS"},
		{name: "token preflight from the web app's origin", method: http.MethodOptions, path: "/v1/token", origin: testTrustedOrigin,
			reqMethod: "POST", reqHeaders: "content-type", wantStatus: 403},
		{name: "token preflight from a foreign origin", method: http.MethodOptions, path: "/v1/token", origin: "https://evil.example",
			reqMethod: "POST", reqHeaders: "content-type", wantStatus: 403},
		{name: "token preflight from null", method: http.MethodOptions, path: "/v1/token", origin: "null",
			reqMethod: "POST", reqHeaders: "content-type", wantStatus: 403},
		{name: "token preflight with a header not allowed", method: http.MethodOptions, path: "/v1/token", origin: testSPAOrigin,
			reqMethod: "POST", reqHeaders: "x-evil", wantStatus: 403},
		{name: "token from a foreign origin", method: http.MethodPost, path: "/v1/token", origin: "https://evil.example", wantStatus: 401},
		{name: "token from the web app's origin", method: http.MethodPost, path: "/v1/token", origin: testTrustedOrigin, wantStatus: 401},
		{name: "userinfo from the SPA", method: http.MethodGet, path: "/v1/userinfo", origin: testSPAOrigin, wantStatus: 401, wantACAO: testSPAOrigin},
		{name: "userinfo from a foreign origin", method: http.MethodGet, path: "/v1/userinfo", origin: "https://evil.example", wantStatus: 401},
		{name: "discovery from the SPA", method: http.MethodGet, path: "/.well-known/openid-configuration", origin: testSPAOrigin,
			wantStatus: 200, wantACAO: testSPAOrigin},
		{name: "keys from the SPA", method: http.MethodGet, path: "/v1/keys", origin: testSPAOrigin, wantStatus: 200, wantACAO: testSPAOrigin},
		{name: "discovery from the web app's origin", method: http.MethodGet, path: "/.well-known/openid-configuration", origin: testTrustedOrigin,
			wantStatus: 200, wantACAO: testTrustedOrigin},
		{name: "discovery from a foreign origin", method: http.MethodGet, path: "/.well-known/openid-configuration", origin: "https://evil.example",
			wantStatus: 200},
		{name: "widget API from the SPA", method: http.MethodOptions, path: "/../../api/v1/authn", origin: testSPAOrigin,
			reqMethod: "POST", reqHeaders: "content-type", wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := e.issuer + tt.path
			if strings.HasPrefix(tt.path, "/../../") {
				target = e.srv.URL + strings.TrimPrefix(tt.path, "/../..")
			}
			req, err := http.NewRequest(tt.method, target, http.NoBody)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", tt.origin)
			if tt.method == http.MethodPost {
				// An empty form: the request fails client authentication
				// whatever its origin; only the CORS headers differ.
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tt.reqMethod != "" {
				req.Header.Set("Access-Control-Request-Method", tt.reqMethod)
				req.Header.Set("Access-Control-Request-Headers", tt.reqHeaders)
			}
			resp, _ := e.do(req)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
				t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, tt.wantACAO)
			}
			if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("Access-Control-Allow-Credentials: got %q, want none", got)
			}
			if got := resp.Header.Get("Access-Control-Allow-Methods"); got != tt.wantMethods {
				t.Errorf("Access-Control-Allow-Methods: got %q, want %q", got, tt.wantMethods)
			}
			if !containsFold(resp.Header.Values("Vary"), "Origin") {
				t.Errorf("Vary: got %q, want Origin", resp.Header.Values("Vary"))
			}
		})
	}
}
