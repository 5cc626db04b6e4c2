package devprovider

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenCodeReplay(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	code := e.signIn(nil)
	resp, tok := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first use: got status %d, want 200", resp.StatusCode)
	}
	accessToken := tok["access_token"].(string)
	if got := userinfoStatus(t, e, accessToken); got != http.StatusOK {
		t.Fatalf("userinfo before replay: got status %d, want 200", got)
	}

	resp, body := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("second use: got %d %v, want 400 invalid_grant", resp.StatusCode, body["error"])
	}
	// RFC 6749 §4.1.2: tokens issued from a replayed code are revoked.
	if got := userinfoStatus(t, e, accessToken); got != http.StatusUnauthorized {
		t.Errorf("userinfo after replay: got status %d, want 401", got)
	}
}

// TestTokenCodeBinding checks that a code only works for its client,
// redirect_uri and PKCE verifier, and only once, whatever went wrong.
func TestTokenCodeBinding(t *testing.T) {
	t.Parallel()
	const plainVerifier = "plain-verifier-0123456789-0123456789-0123456789"
	s256 := map[string]string{"code_challenge": testChallenge, "code_challenge_method": "S256"}
	tests := []struct {
		name      string
		authorize map[string]string
		advance   time.Duration
		edit      func(url.Values)
		clientID  string
		secret    string
		want      string // "" for success
	}{
		{name: "S256 ok", authorize: s256, edit: func(f url.Values) { f.Set("code_verifier", testVerifier) }},
		{name: "S256 wrong verifier", authorize: s256,
			edit: func(f url.Values) { f.Set("code_verifier", testVerifier[:len(testVerifier)-1]+"B") }, want: "invalid_grant"},
		{name: "S256 verifier sent as the challenge", authorize: s256,
			edit: func(f url.Values) { f.Set("code_verifier", testChallenge) }, want: "invalid_grant"},
		{name: "S256 missing verifier", authorize: s256, want: "invalid_grant"},
		{name: "plain ok", authorize: map[string]string{"code_challenge": plainVerifier, "code_challenge_method": "plain"},
			edit: func(f url.Values) { f.Set("code_verifier", plainVerifier) }},
		{name: "plain is the default method", authorize: map[string]string{"code_challenge": plainVerifier},
			edit: func(f url.Values) { f.Set("code_verifier", plainVerifier) }},
		{name: "plain wrong verifier", authorize: map[string]string{"code_challenge": plainVerifier, "code_challenge_method": "plain"},
			edit: func(f url.Values) { f.Set("code_verifier", plainVerifier+"x") }, want: "invalid_grant"},
		{name: "verifier without challenge", edit: func(f url.Values) { f.Set("code_verifier", testVerifier) }, want: "invalid_grant"},
		{name: "no PKCE ok"},
		{name: "another client", clientID: otherClientID, secret: otherClientSecret, want: "invalid_grant"},
		{name: "another redirect_uri", edit: func(f url.Values) { f.Set("redirect_uri", otherRedirectURI) }, want: "invalid_grant"},
		{name: "missing redirect_uri", edit: func(f url.Values) { f.Del("redirect_uri") }, want: "invalid_grant"},
		{name: "expired code", advance: codeTTL, want: "invalid_grant"},
		{name: "code just before expiry", advance: codeTTL - time.Second},
		{name: "unknown code", edit: func(f url.Values) { f.Set("code", "forged") }, want: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			code := e.signIn(tt.authorize)
			e.clock.Advance(tt.advance)
			form := codeForm(code)
			if tt.edit != nil {
				tt.edit(form)
			}
			clientID, secret := testClientID, testClientSecret
			if tt.clientID != "" {
				clientID, secret = tt.clientID, tt.secret
			}
			resp, body := e.tokenRequest(form, clientID, secret, true)
			if tt.want == "" {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("got %d %v, want 200", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || body["error"] != tt.want {
				t.Fatalf("got %d %v, want 400 %s", resp.StatusCode, body, tt.want)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", resp.Header.Get("Cache-Control"))
			}
			// A failed attempt spends the code: a correct retry fails too.
			retry := codeForm(code)
			retry.Set("code_verifier", testVerifier)
			if resp, body := e.tokenRequest(retry, testClientID, testClientSecret, true); resp.StatusCode == http.StatusOK {
				t.Errorf("retry after failure: got 200 %v, want an error", body)
			}
		})
	}
}

func TestTokenClientAuthentication(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		prepare       func(req *http.Request, form url.Values)
		wantStatus    int
		wantError     string
		wantChallenge bool
	}{
		{name: "basic", wantStatus: 200, prepare: func(req *http.Request, _ url.Values) {
			req.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
		}},
		{name: "post", wantStatus: 200, prepare: func(_ *http.Request, f url.Values) {
			f.Set("client_id", testClientID)
			f.Set("client_secret", testClientSecret)
		}},
		{name: "basic with matching client_id in body", wantStatus: 200, prepare: func(req *http.Request, f url.Values) {
			req.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
			f.Set("client_id", testClientID)
		}},
		{name: "basic with another client_id in body", wantStatus: 400, wantError: "invalid_request", prepare: func(req *http.Request, f url.Values) {
			req.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
			f.Set("client_id", otherClientID)
		}},
		{name: "basic without form-url-encoding", wantStatus: 401, wantError: "invalid_client", wantChallenge: true,
			prepare: func(req *http.Request, _ url.Values) { req.SetBasicAuth(testClientID, testClientSecret) }},
		{name: "basic wrong secret", wantStatus: 401, wantError: "invalid_client", wantChallenge: true,
			prepare: func(req *http.Request, _ url.Values) { req.SetBasicAuth(testClientID, "wrong") }},
		{name: "basic unknown client", wantStatus: 401, wantError: "invalid_client", wantChallenge: true,
			prepare: func(req *http.Request, _ url.Values) { req.SetBasicAuth("nobody", "wrong") }},
		{name: "malformed basic header", wantStatus: 401, wantError: "invalid_client", wantChallenge: true,
			prepare: func(req *http.Request, _ url.Values) { req.Header.Set("Authorization", "Basic !!!") }},
		{name: "post wrong secret", wantStatus: 401, wantError: "invalid_client", prepare: func(_ *http.Request, f url.Values) {
			f.Set("client_id", testClientID)
			f.Set("client_secret", "wrong")
		}},
		{name: "post empty secret", wantStatus: 401, wantError: "invalid_client", prepare: func(_ *http.Request, f url.Values) {
			f.Set("client_id", testClientID)
			f.Set("client_secret", "")
		}},
		{name: "another client's secret", wantStatus: 401, wantError: "invalid_client", prepare: func(_ *http.Request, f url.Values) {
			f.Set("client_id", testClientID)
			f.Set("client_secret", otherClientSecret)
		}},
		{name: "no authentication", wantStatus: 401, wantError: "invalid_client",
			prepare: func(_ *http.Request, f url.Values) { f.Set("client_id", testClientID) }},
		{name: "both basic and post", wantStatus: 400, wantError: "invalid_request", prepare: func(req *http.Request, f url.Values) {
			req.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
			f.Set("client_id", testClientID)
			f.Set("client_secret", testClientSecret)
		}},
		{name: "secret in the query string is ignored", wantStatus: 401, wantError: "invalid_client", prepare: func(req *http.Request, _ url.Values) {
			req.URL.RawQuery = url.Values{"client_id": {testClientID}, "client_secret": {testClientSecret}}.Encode()
		}},
		{name: "unsupported grant type", wantStatus: 400, wantError: "unsupported_grant_type", prepare: func(req *http.Request, f url.Values) {
			req.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
			f.Set("grant_type", "password")
		}},
		{name: "missing grant type", wantStatus: 400, wantError: "invalid_request", prepare: func(req *http.Request, f url.Values) {
			req.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
			f.Del("grant_type")
		}},
		{name: "missing code", wantStatus: 400, wantError: "invalid_request", prepare: func(req *http.Request, f url.Values) {
			req.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
			f.Del("code")
		}},
		{name: "JSON body", wantStatus: 400, wantError: "invalid_request", prepare: func(req *http.Request, _ url.Values) {
			req.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
			req.Header.Set("Content-Type", "application/json")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			form := codeForm(e.signIn(nil))
			req, err := http.NewRequest(http.MethodPost, e.issuer+"/v1/token", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			tt.prepare(req, form)
			req.Body = readCloser(form.Encode())
			resp, body := postToken(t, req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d %v, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if got := body["error"]; tt.wantError != "" && got != tt.wantError {
				t.Errorf("error: got %v, want %s", got, tt.wantError)
			}
			challenge := resp.Header.Get("WWW-Authenticate")
			if tt.wantChallenge != strings.HasPrefix(challenge, "Basic") {
				t.Errorf("WWW-Authenticate: got %q, want Basic challenge %v", challenge, tt.wantChallenge)
			}
		})
	}
}

func TestTokenBodyLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	code := e.signIn(nil)
	form := codeForm(code)
	form.Set("padding", strings.Repeat("a", maxTokenRequestBytes))
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/v1/token", readCloser(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
	resp, body := postToken(t, req)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || body["error"] != "invalid_request" {
		t.Errorf("got %d %v, want 413 invalid_request", resp.StatusCode, body)
	}

	// The same request under the limit works, so the limit is what failed.
	form.Del("padding")
	resp, body = e.tokenRequest(form, testClientID, testClientSecret, true)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("small request: got %d %v, want 200", resp.StatusCode, body)
	}
}

func TestTokenMethodNotAllowed(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, _ := e.get(e.issuer + "/v1/token")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/token: got status %d, want 405", resp.StatusCode)
	}
}

func postToken(t *testing.T, req *http.Request) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode token response (status %d): %v", resp.StatusCode, err)
	}
	return resp, body
}

func userinfoStatus(t *testing.T, e *testEnv, accessToken string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.issuer+"/v1/userinfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, _ := e.do(req)
	return resp.StatusCode
}

// readCloser is a request body of unknown length, so it is sent chunked
// and only http.MaxBytesReader can bound it.
func readCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
