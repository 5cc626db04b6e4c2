package devprovider

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestUserinfo(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, tok := e.tokenRequest(codeForm(e.signIn(nil)), testClientID, testClientSecret, true)
	accessToken := tok["access_token"].(string)
	_, openidOnly := e.tokenRequest(codeForm(e.signIn(map[string]string{"scope": "openid"})), testClientID, testClientSecret, true)

	tests := []struct {
		name          string
		method        string
		authorization string
		advance       time.Duration
		wantStatus    int
		wantChallenge string
		wantKeys      []string
	}{
		{name: "GET", method: "GET", authorization: "Bearer " + accessToken, wantStatus: 200,
			wantKeys: []string{"email", "email_verified", "family_name", "given_name", "locale", "name",
				"preferred_username", "sub", "updated_at", "zoneinfo"}},
		{name: "POST", method: "POST", authorization: "Bearer " + accessToken, wantStatus: 200},
		{name: "scheme is case-insensitive", method: "GET", authorization: "bearer " + accessToken, wantStatus: 200},
		{name: "openid scope only gives sub", method: "GET", authorization: "Bearer " + openidOnly["access_token"].(string),
			wantStatus: 200, wantKeys: []string{"sub"}},
		{name: "no token", method: "GET", wantStatus: 401, wantChallenge: `Bearer realm="devprovider"`},
		{name: "basic credentials", method: "GET", authorization: "Basic YTpi", wantStatus: 401, wantChallenge: `Bearer realm="devprovider"`},
		{name: "unknown token", method: "GET", authorization: "Bearer forged", wantStatus: 401, wantChallenge: `error="invalid_token"`},
		{name: "ID token is not an access token", method: "GET", authorization: "Bearer " + tok["id_token"].(string),
			wantStatus: 401, wantChallenge: `error="invalid_token"`},
		{name: "expired token", method: "GET", authorization: "Bearer " + accessToken, advance: tokenTTL,
			wantStatus: 401, wantChallenge: `error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Advance(tt.advance)
			req, err := http.NewRequest(tt.method, e.issuer+"/v1/userinfo", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.authorization != "" {
				req.Header.Set("Authorization", tt.authorization)
			}
			resp, body := e.do(req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, tt.wantChallenge) ||
				(tt.wantChallenge == "") != (got == "") {
				t.Errorf("WWW-Authenticate: got %q, want it to contain %q", got, tt.wantChallenge)
			}
			if tt.wantKeys == nil {
				return
			}
			var claims map[string]any
			if err := json.Unmarshal([]byte(body), &claims); err != nil {
				t.Fatalf("decode: %v", err)
			}
			var keys []string
			for k := range claims {
				keys = append(keys, k)
			}
			if !reflect.DeepEqual(sorted(keys), tt.wantKeys) {
				t.Errorf("claims: got %v, want %v", sorted(keys), tt.wantKeys)
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
