package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/okta-samples/okta-go-sample/api"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/devprovider"
)

// bannerSPARE finds the single-page app's origin in the banner.
var bannerSPARE = regexp.MustCompile(`spa:\s+(http://\S+?)/ `)

// spaOrigin reads the single-page app's origin from a's banner.
func spaOrigin(t *testing.T, a *runningApp) string {
	t.Helper()
	m := bannerSPARE.FindStringSubmatch(a.Stdout.String())
	if m == nil {
		t.Fatalf("the banner names no single-page app:\n%s", a.Stdout.String())
	}
	return m[1]
}

// spaAccessToken signs user in at the development provider as the
// single-page app does (a public client, the authorization code flow
// with PKCE, the redirect to the SPA's callback) and returns the access
// token the token endpoint gives it.
func spaAccessToken(t *testing.T, a *runningApp, origin, username, password string) string {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	redirect := origin + devprovider.SPACallbackPath
	q := url.Values{
		"client_id":             {devprovider.DemoSPAClientID},
		"redirect_uri":          {redirect},
		"response_type":         {"code"},
		"scope":                 {"openid profile email"},
		"state":                 {"state-" + verifier[:8]},
		"nonce":                 {"nonce-" + verifier[8:16]},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(verifier)},
		"code_challenge_method": {"S256"},
	}
	b := newBrowser(t)
	atSPA := func(u *url.URL) bool { return strings.HasPrefix(u.String(), redirect) }
	p := b.follow(a.Issuer+"/v1/authorize?"+q.Encode(), atSPA)
	if p.Status != 0 {
		p = b.followFrom(b.submitSignIn(p, username, password), atSPA)
	}
	code := p.URL.Query().Get("code")
	if code == "" {
		t.Fatalf("no code at the SPA's callback: %s", p.URL.Redacted())
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirect},
		"client_id":     {devprovider.DemoSPAClientID},
		"code_verifier": {verifier},
	}
	tp := b.postForm(a.Issuer+"/v1/token", form, http.Header{"Origin": {origin}})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(tp.Body), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token response %d: %s", tp.Status, tp.Body)
	}
	return tok.AccessToken
}

// TestAPIWithTheDevProvidersTokens: an access token the development
// provider issued to the single-page app opens GET /api/messages from the
// SPA's origin, with CORS, through the app's middleware and access log.
func TestAPIWithTheDevProvidersTokens(t *testing.T) {
	a := startApp(t, nil)
	origin := spaOrigin(t, a)
	token := spaAccessToken(t, a, origin, "alice@example.com", "Alice-demo-1")

	call := func(method, authz string, header http.Header) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, a.URL+api.MessagesPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header.Clone()
		if req.Header == nil {
			req.Header = http.Header{}
		}
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(body)
	}

	fromSPA := http.Header{"Origin": {origin}}
	tests := []struct {
		name      string
		method    string
		authz     string
		header    http.Header
		status    int
		acao      string
		challenge string
	}{
		{name: "the SPA's token from the SPA's origin", method: http.MethodGet, authz: "Bearer " + token, header: fromSPA, status: http.StatusOK, acao: origin},
		{name: "preflight from the SPA's origin", method: http.MethodOptions, header: http.Header{"Origin": {origin},
			"Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"authorization"}}, status: http.StatusNoContent, acao: origin},
		{name: "no token", method: http.MethodGet, header: fromSPA, status: http.StatusUnauthorized, acao: origin, challenge: `Bearer realm="api"`},
		{name: "a forged token", method: http.MethodGet, authz: "Bearer " + token[:len(token)-4] + "AAAA", status: http.StatusUnauthorized,
			challenge: `Bearer realm="api", error="invalid_token"`},
		{name: "from another origin", method: http.MethodGet, authz: "Bearer " + token, header: http.Header{"Origin": {"https://evil.example"}}, status: http.StatusOK},
		{name: "POST is not a route", method: http.MethodPost, authz: "Bearer " + token, status: http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := call(tt.method, tt.authz, tt.header)
			if resp.StatusCode != tt.status {
				t.Fatalf("got %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.acao {
				t.Errorf("got Access-Control-Allow-Origin %q, want %q", got, tt.acao)
			}
			if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, tt.challenge) || (tt.challenge == "" && got != "") {
				t.Errorf("got WWW-Authenticate %q, want %q", got, tt.challenge)
			}
			if resp.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id: the API is not behind the app's middleware")
			}
			if tt.status == http.StatusOK && !strings.Contains(body, `"messages":[{"date":"`) {
				t.Errorf("got body %s, want the messages", body)
			}
		})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := a.Logs.WaitFor(ctx, func(s string) bool {
		return strings.Contains(s, "path="+api.MessagesPath+" status=200")
	}); err != nil {
		t.Errorf("the access log has no line for the API: %v\n%s", err, a.Logs)
	}
	if strings.Contains(a.Logs.String(), token) || strings.Contains(a.Stdout.String(), token) {
		t.Error("the log holds the access token")
	}
}

// TestMessagesPathsAgree: config names the API's route for the default
// messages URL; it must be the route the API serves.
func TestMessagesPathsAgree(t *testing.T) {
	if config.MessagesPath != api.MessagesPath {
		t.Errorf("config.MessagesPath %q, api.MessagesPath %q: want them equal", config.MessagesPath, api.MessagesPath)
	}
}

// TestAnotherFrontEndsOrigin: with the API allowed origins set to where
// Okta's React sample runs, that origin may call the API, the development
// provider lets its SPA client sign in there, and the SPA of this app is
// no longer allowed (the setting replaces the default).
func TestAnotherFrontEndsOrigin(t *testing.T) {
	const reactSample = "http://localhost:3000"
	a := startApp(t, map[string]string{"OKTA_SAMPLE_API_ALLOWED_ORIGINS": reactSample})
	token := spaAccessToken(t, a, reactSample, "bob@example.com", "Bob-demo-1")
	for _, tt := range []struct {
		origin, want string
	}{
		{reactSample, reactSample},
		{spaOrigin(t, a), ""},
	} {
		req, err := http.NewRequest(http.MethodGet, a.URL+api.MessagesPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Origin", tt.origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != tt.want {
			t.Errorf("from %s: got %d with Access-Control-Allow-Origin %q, want 200 with %q",
				tt.origin, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), tt.want)
		}
	}
}
