package devprovider

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// authn posts body to /api/v1/authn with the given Origin (none if "").
func (e *testEnv) authn(body, origin string) (*http.Response, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/authn", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, raw := e.do(req)
	var out map[string]any
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		e.t.Fatalf("authn: decode %q: %v", raw, err)
	}
	return resp, out
}

func credentials(username, password string) string {
	b, _ := json.Marshal(map[string]any{"username": username, "password": password,
		"options": map[string]bool{"warnBeforePasswordExpired": true, "multiOptionalFactorEnroll": false}})
	return string(b)
}

func TestAuthnSuccess(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, body := e.authn(credentials(aliceLogin, alicePassword), testTrustedOrigin)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d %v, want 200", resp.StatusCode, body)
	}
	if got := body["status"]; got != "SUCCESS" {
		t.Errorf("status: got %v, want SUCCESS", got)
	}
	token, _ := body["sessionToken"].(string)
	if token == "" {
		t.Fatalf("sessionToken: got none")
	}
	if got, want := body["expiresAt"], e.clock.Now().Add(sessionTokenTTL).UTC().Format(time.RFC3339); got != want {
		t.Errorf("expiresAt: got %v, want %v", got, want)
	}
	user, _ := body["_embedded"].(map[string]any)["user"].(map[string]any)
	if got := user["id"]; got != aliceSubject {
		t.Errorf("user id: got %v, want %v", got, aliceSubject)
	}
	wantProfile := map[string]any{"login": aliceLogin, "firstName": "Alice", "lastName": "Anderson",
		"locale": "en-US", "timeZone": "America/Los_Angeles"}
	if got := user["profile"]; !reflect.DeepEqual(got, wantProfile) {
		t.Errorf("profile: got %v, want %v", got, wantProfile)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != testTrustedOrigin {
		t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, testTrustedOrigin)
	}
	if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("Access-Control-Allow-Credentials: got %q, want true", got)
	}
	if strings.Contains(e.logs.String(), token) {
		t.Errorf("logs contain the sessionToken")
	}
}

func TestAuthnErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        string
		contentType string
		wantStatus  int
		wantCode    string
	}{
		{name: "wrong password", body: credentials(aliceLogin, "nope"), wantStatus: 401, wantCode: "E0000004"},
		{name: "unknown user", body: credentials("mallory@example.com", alicePassword), wantStatus: 401, wantCode: "E0000004"},
		{name: "malformed JSON", body: `{"username":`, wantStatus: 400, wantCode: "E0000003"},
		{name: "trailing data", body: credentials(aliceLogin, alicePassword) + `{}`, wantStatus: 400, wantCode: "E0000003"},
		{name: "wrong JSON types", body: `{"username":1,"password":true}`, wantStatus: 400, wantCode: "E0000003"},
		{name: "missing password", body: `{"username":"alice@example.com"}`, wantStatus: 400, wantCode: "E0000001"},
		{name: "form content type", body: "username=a&password=b", contentType: "application/x-www-form-urlencoded",
			wantStatus: 415, wantCode: "E0000003"},
		{name: "text/plain (a cross-site form)", body: credentials(aliceLogin, alicePassword), contentType: "text/plain",
			wantStatus: 415, wantCode: "E0000003"},
		{name: "body too large", body: `{"username":"` + strings.Repeat("a", maxAuthnBytes) + `"}`, wantStatus: 413, wantCode: "E0000003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/authn", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			ct := tt.contentType
			if ct == "" {
				ct = "application/json; charset=UTF-8"
			}
			req.Header.Set("Content-Type", ct)
			resp, raw := e.do(req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d %s, want %d", resp.StatusCode, raw, tt.wantStatus)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(raw), &body); err != nil {
				t.Fatalf("decode %q: %v", raw, err)
			}
			if got := body["errorCode"]; got != tt.wantCode {
				t.Errorf("errorCode: got %v, want %s", got, tt.wantCode)
			}
			if got := body["errorLink"]; got != tt.wantCode {
				t.Errorf("errorLink: got %v, want %s", got, tt.wantCode)
			}
			if id, _ := body["errorId"].(string); id == "" {
				t.Errorf("errorId: got none")
			}
			if _, ok := body["errorCauses"].([]any); !ok {
				t.Errorf("errorCauses: got %v, want an array", body["errorCauses"])
			}
			if tt.wantCode == "E0000004" {
				if got := body["errorSummary"]; got != "Authentication failed" {
					t.Errorf("errorSummary: got %v, want Authentication failed", got)
				}
				if got := body["errorCauses"]; !reflect.DeepEqual(got, []any{}) {
					t.Errorf("errorCauses: got %v, want []", got)
				}
			}
			if tt.wantCode == "E0000003" {
				if got := body["errorSummary"]; got != "The request body was not well-formed." {
					t.Errorf("errorSummary: got %v", got)
				}
			}
		})
	}
}

func TestAuthnLockout(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for i := range freeFailures {
		resp, _ := e.authn(credentials(aliceLogin, "wrong"), "")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: got status %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp, body := e.authn(credentials(aliceLogin, alicePassword), "")
	if resp.StatusCode != http.StatusOK || body["status"] != "LOCKED_OUT" {
		t.Fatalf("locked out: got %d %v, want 200 LOCKED_OUT", resp.StatusCode, body)
	}
	if _, ok := body["sessionToken"]; ok {
		t.Errorf("locked out: got a sessionToken")
	}
	// The form shares the lockout: it is per user, not per endpoint.
	page, pbody := e.get(e.authorizeURL(nil))
	if code, msg := e.signInAttempt(e.signInRequestID(page, pbody), aliceLogin, alicePassword); code != "" || msg != msgLockedOut {
		t.Errorf("form while locked out: got error %q and code %t, want %q and no code", msg, code != "", msgLockedOut)
	}
	e.clock.Advance(lockoutBase)
	resp, body = e.authn(credentials(aliceLogin, alicePassword), "")
	if body["status"] != "SUCCESS" {
		t.Errorf("after lockout: got %d %v, want SUCCESS", resp.StatusCode, body)
	}
}

func TestAuthnCORS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		origin     string
		wantStatus int
		wantACAO   string
	}{
		{name: "trusted origin", origin: testTrustedOrigin, wantStatus: 200, wantACAO: testTrustedOrigin},
		{name: "no origin (server to server)", origin: "", wantStatus: 200},
		{name: "untrusted origin", origin: "https://evil.example", wantStatus: 403},
		{name: "trusted host on another port", origin: "http://localhost:8081", wantStatus: 403},
		{name: "trusted origin with a trailing slash", origin: testTrustedOrigin + "/", wantStatus: 403},
		{name: "null origin", origin: "null", wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			resp, body := e.authn(credentials(aliceLogin, alicePassword), tt.origin)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d %v, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
				t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, tt.wantACAO)
			}
			if tt.wantACAO == "" && resp.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("Access-Control-Allow-Credentials: got one, want none")
			}
			if got := resp.Header.Values("Vary"); !containsFold(got, "Origin") {
				t.Errorf("Vary: got %q, want Origin", got)
			}
		})
	}
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		path        string
		origin      string
		method      string
		headers     string
		wantStatus  int
		wantHeaders string
		public      bool // read without credentials: no Allow-Credentials
	}{
		{name: "widget preflight", path: "/api/v1/authn", origin: testTrustedOrigin, method: "POST",
			headers: "content-type,x-okta-user-agent-extended", wantStatus: 204, wantHeaders: "content-type, x-okta-user-agent-extended"},
		{name: "all allowed headers", path: "/api/v1/authn", origin: testTrustedOrigin, method: "POST",
			headers: "Accept, Content-Type, X-Requested-With", wantStatus: 204, wantHeaders: "accept, content-type, x-requested-with"},
		{name: "no requested headers", path: "/api/v1/authn", origin: testTrustedOrigin, method: "POST",
			wantStatus: 204, wantHeaders: "accept, content-type, x-okta-user-agent-extended, x-requested-with"},
		{name: "untrusted origin", path: "/api/v1/authn", origin: "https://evil.example", method: "POST",
			headers: "content-type", wantStatus: 403},
		{name: "header not allowed", path: "/api/v1/authn", origin: testTrustedOrigin, method: "POST",
			headers: "content-type,x-evil", wantStatus: 403},
		{name: "method not allowed", path: "/api/v1/authn", origin: testTrustedOrigin, method: "DELETE", wantStatus: 403},
		{name: "discovery", path: "/oauth2/default/.well-known/openid-configuration", origin: testTrustedOrigin, method: "GET",
			headers: "x-okta-user-agent-extended", wantStatus: 204, wantHeaders: "x-okta-user-agent-extended", public: true},
		{name: "keys", path: "/oauth2/default/v1/keys", origin: testTrustedOrigin, method: "GET",
			wantStatus: 204, wantHeaders: "accept, content-type, x-okta-user-agent-extended, x-requested-with", public: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			req, err := http.NewRequest(http.MethodOptions, e.srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", tt.origin)
			req.Header.Set("Access-Control-Request-Method", tt.method)
			if tt.headers != "" {
				req.Header.Set("Access-Control-Request-Headers", tt.headers)
			}
			resp, _ := e.do(req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			wantOrigin, wantCreds, wantMethods := "", "", ""
			if tt.wantStatus == http.StatusNoContent {
				wantOrigin, wantCreds, wantMethods = tt.origin, "true", tt.method+", OPTIONS"
				if tt.public {
					wantCreds = ""
				}
			}
			for k, want := range map[string]string{
				"Access-Control-Allow-Origin":      wantOrigin,
				"Access-Control-Allow-Credentials": wantCreds,
				"Access-Control-Allow-Methods":     wantMethods,
				"Access-Control-Allow-Headers":     tt.wantHeaders,
			} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
			if got := resp.Header.Values("Vary"); !containsFold(got, "Origin") {
				t.Errorf("Vary: got %q, want Origin", got)
			}
		})
	}
}

func TestDiscoveryCORS(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for _, origin := range []string{testTrustedOrigin, "https://evil.example"} {
		t.Run(origin, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, e.issuer+"/.well-known/openid-configuration", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", origin)
			resp, _ := e.do(req)
			want := ""
			if origin == testTrustedOrigin {
				want = origin
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want {
				t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, want)
			}
		})
	}
}

// TestSessionToken checks the sessionToken from /api/v1/authn at
// /v1/authorize: single-use, short-lived, and starting an SSO session.
func TestSessionToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		advance   time.Duration
		uses      int // earlier uses of the same token
		wantError string
	}{
		{name: "fresh token gives a code"},
		{name: "just before expiry", advance: sessionTokenTTL - time.Second},
		{name: "expired", advance: sessionTokenTTL, wantError: "access_denied"},
		{name: "second use", uses: 1, wantError: "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			_, body := e.authn(credentials(aliceLogin, alicePassword), testTrustedOrigin)
			token := body["sessionToken"].(string)
			for range tt.uses {
				// A different browser, so the SSO session of the first use
				// does not mask the failure.
				other := &testEnv{t: t, issuer: e.issuer, browser: newBrowser(t)}
				resp, _ := other.get(e.authorizeURL(map[string]string{"sessionToken": token}))
				e.codeFromRedirect(resp, testRedirectURI, "state-123")
			}
			e.clock.Advance(tt.advance)
			resp, _ := e.get(e.authorizeURL(map[string]string{"sessionToken": token}))
			if tt.wantError != "" {
				if got := e.redirectError(resp); got != tt.wantError {
					t.Errorf("error: got %q, want %q", got, tt.wantError)
				}
				return
			}
			code := e.codeFromRedirect(resp, testRedirectURI, "state-123")
			tresp, tok := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
			if tresp.StatusCode != http.StatusOK {
				t.Fatalf("token: got %d %v, want 200", tresp.StatusCode, tok)
			}
			claims, _ := e.verifyIDToken(tok["id_token"].(string))
			if got := claims["sub"]; got != aliceSubject {
				t.Errorf("sub: got %v, want %v", got, aliceSubject)
			}
			if got, want := claims["auth_time"], float64(e.clock.Now().Add(-tt.advance).Unix()); got != want {
				t.Errorf("auth_time: got %v, want the authn time %v", got, want)
			}
			// The sessionToken also started an SSO session in this browser.
			resp, _ = e.get(e.authorizeURL(map[string]string{"prompt": "none"}))
			e.codeFromRedirect(resp, testRedirectURI, "state-123")
			if strings.Contains(e.logs.String(), token) {
				t.Errorf("logs contain the sessionToken")
			}
		})
	}
}

func containsFold(values []string, want string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), want) {
				return true
			}
		}
	}
	return false
}
