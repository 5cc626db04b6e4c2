package devprovider

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// revokeRequest posts form to /v1/revoke, with the client's credentials in
// the Basic header when basic is set, and returns the status and the OAuth
// error code, if any.
func (e *testEnv) revokeRequest(form url.Values, clientID, secret string, basic bool) (int, string) {
	e.t.Helper()
	if !basic && clientID != "" {
		form.Set("client_id", clientID)
		if secret != "" {
			form.Set("client_secret", secret)
		}
	}
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/v1/revoke", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("revoke: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("revoke: read: %v", err)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		e.t.Errorf("revoke Cache-Control: got %q, want no-store", got)
	}
	if resp.StatusCode == http.StatusOK {
		return resp.StatusCode, ""
	}
	var oerr struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(body, &oerr); err != nil {
		e.t.Fatalf("revoke %d: body %q is not an OAuth error: %v", resp.StatusCode, body, err)
	}
	return resp.StatusCode, oerr.Error
}

// TestRevoke: RFC 7009 at /v1/revoke. A revoked access token stops working
// at userinfo; unknown tokens get 200; a client may revoke only its own
// tokens, and must authenticate.
func TestRevoke(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		token         string // "ACCESS" stands for the access token
		hint          string
		clientID      string
		secret        string
		basic         bool
		wantStatus    int
		wantError     string
		wantRevoked   bool
		withoutParams bool
	}{
		{name: "client_secret_basic", token: "ACCESS", clientID: testClientID, secret: testClientSecret, basic: true,
			wantStatus: 200, wantRevoked: true},
		{name: "client_secret_post", token: "ACCESS", clientID: testClientID, secret: testClientSecret,
			wantStatus: 200, wantRevoked: true},
		{name: "with a hint", token: "ACCESS", hint: "access_token", clientID: testClientID, secret: testClientSecret, basic: true,
			wantStatus: 200, wantRevoked: true},
		{name: "with the wrong hint (§2.1: the server searches further)", token: "ACCESS", hint: "refresh_token",
			clientID: testClientID, secret: testClientSecret, basic: true, wantStatus: 200, wantRevoked: true},
		{name: "unknown token", token: "no-such-token", clientID: testClientID, secret: testClientSecret, basic: true,
			wantStatus: 200},
		{name: "another client's token", token: "ACCESS", clientID: otherClientID, secret: otherClientSecret, basic: true,
			wantStatus: 400, wantError: "invalid_grant"},
		{name: "wrong secret", token: "ACCESS", clientID: testClientID, secret: "wrong", basic: true,
			wantStatus: 401, wantError: "invalid_client"},
		{name: "no client authentication", token: "ACCESS", wantStatus: 401, wantError: "invalid_client"},
		{name: "client_id without a secret", token: "ACCESS", clientID: testClientID, wantStatus: 401, wantError: "invalid_client"},
		{name: "no token", clientID: testClientID, secret: testClientSecret, basic: true,
			wantStatus: 400, wantError: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			_, tok := e.tokenRequest(codeForm(e.signIn(nil)), testClientID, testClientSecret, true)
			access := tok["access_token"].(string)
			form := url.Values{}
			if tt.token != "" {
				form.Set("token", strings.ReplaceAll(tt.token, "ACCESS", access))
			}
			if tt.hint != "" {
				form.Set("token_type_hint", tt.hint)
			}
			status, code := e.revokeRequest(form, tt.clientID, tt.secret, tt.basic)
			if status != tt.wantStatus || code != tt.wantError {
				t.Fatalf("revoke: got %d %q, want %d %q", status, code, tt.wantStatus, tt.wantError)
			}
			want := http.StatusOK
			if tt.wantRevoked {
				want = http.StatusUnauthorized
			}
			if got := userinfoStatus(t, e, access); got != want {
				t.Errorf("userinfo after revocation: got %d, want %d", got, want)
			}
			if strings.Contains(e.logs.String(), access) {
				t.Errorf("the log contains the access token")
			}
		})
	}
}

// TestRevokeRequestShape: what is not a revocation request is refused
// with an OAuth error, never a 5xx.
func TestRevokeRequestShape(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		wantStatus  int
	}{
		{name: "GET", method: http.MethodGet, wantStatus: http.StatusMethodNotAllowed},
		{name: "JSON body", method: http.MethodPost, contentType: "application/json", body: `{"token":"x"}`, wantStatus: http.StatusBadRequest},
		{name: "repeated token", method: http.MethodPost, contentType: "application/x-www-form-urlencoded",
			body: "token=a&token=b&client_id=" + testClientID + "&client_secret=" + url.QueryEscape(testClientSecret), wantStatus: http.StatusBadRequest},
		{name: "huge body", method: http.MethodPost, contentType: "application/x-www-form-urlencoded",
			body: "token=" + strings.Repeat("a", maxTokenRequestBytes+1), wantStatus: http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, e.issuer+"/v1/revoke", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, _ := e.do(req)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
		})
	}
}
