package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/session"
)

// TestLogoutRevokesAtTheDevProvider: after the app's logout, the access
// token and the refresh token the session held no longer work at the
// development provider: userinfo refuses the one, the token endpoint the
// other. Before the logout both work, so the test can fail.
func TestLogoutRevokesAtTheDevProvider(t *testing.T) {
	t.Parallel()
	issuer := startDevProviderEngine(t, devprovider.EngineClassic)
	ctx := context.Background()
	rp, err := auth.New(ctx, auth.Config{
		Issuer: issuer, ClientID: "0oa-test", ClientSecret: testSecret, RedirectURL: testRedirectURI,
		Scopes:     []string{"openid", "email", "profile", "offline_access"},
		CookieKeys: [][]byte{testCookieKey()}, CookiePath: CookiePath("/authorization-code/callback"),
	})
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	sessions := session.New(session.Options{})
	h, err := NewServer(Deps{
		Config:   engineConfig(issuer, "classic"),
		Provider: readyProvider{rp},
		Sessions: sessions,
	})
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	b := &appBrowser{t: t, h: h, cookies: map[string]*http.Cookie{}}

	// Sign in: the login route, then the provider's /v1/authorize with a
	// session token from its Authentication API (no form to fill in).
	start := b.get(pathLogin)
	authorize, err := url.Parse(start.Header.Get("Location"))
	if err != nil || start.StatusCode != http.StatusFound {
		t.Fatalf("login: got %d to %q, want 302 to the provider", start.StatusCode, start.Header.Get("Location"))
	}
	q := authorize.Query()
	q.Set("sessionToken", sessionToken(t, orgURL(issuer), "bob@example.com", "Bob-demo-1"))
	authorize.RawQuery = q.Encode()
	noRedirects := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirects.Get(authorize.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(callback.String(), testRedirectURI+"?") {
		t.Fatalf("authorize: got %d to %q, want the callback", resp.StatusCode, resp.Header.Get("Location"))
	}
	if cb := b.get(callback.RequestURI()); cb.StatusCode != http.StatusFound || cb.Header.Get("Location") != pathProfile {
		t.Fatalf("callback: got %d to %q, want 302 to the profile", cb.StatusCode, cb.Header.Get("Location"))
	}

	// What the session keeps, read as the logout reads it.
	req := httptest.NewRequest(http.MethodGet, testAppOrigin+pathProfile, nil)
	req.AddCookie(b.cookies[sessions.CookieName()])
	u, ok, err := sessions.Current(req)
	if err != nil || !ok || u.AccessToken() == "" || u.RefreshToken() == "" {
		t.Fatalf("session: ok=%v err=%v, access token %t, refresh token %t; want both kept", ok, err, u.AccessToken() != "", u.RefreshToken() != "")
	}
	if got := devUserInfo(t, issuer, u.AccessToken()); got != http.StatusOK {
		t.Fatalf("userinfo before logout: got %d, want 200", got)
	}

	logout := httptest.NewRequest(http.MethodPost, testAppOrigin+pathLogout, nil)
	logout.Header.Set("Origin", testAppOrigin)
	logout.Header.Set("Sec-Fetch-Site", "same-origin")
	logout.AddCookie(b.cookies[sessions.CookieName()])
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, logout)
	if rec.Code != http.StatusFound || !strings.HasPrefix(rec.Header().Get("Location"), issuer+"/v1/logout?") {
		t.Fatalf("logout: got %d to %q, want 302 to the provider's end_session_endpoint", rec.Code, rec.Header().Get("Location"))
	}

	if got := devUserInfo(t, issuer, u.AccessToken()); got != http.StatusUnauthorized {
		t.Errorf("userinfo with the old access token after logout: got %d, want 401", got)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {u.RefreshToken()}}
	treq, err := http.NewRequest(http.MethodPost, issuer+"/v1/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	treq.SetBasicAuth("0oa-test", testSecret)
	tresp, err := http.DefaultClient.Do(treq)
	if err != nil {
		t.Fatal(err)
	}
	var terr struct {
		Error string `json:"error"`
	}
	err = json.NewDecoder(tresp.Body).Decode(&terr)
	tresp.Body.Close()
	if tresp.StatusCode != http.StatusBadRequest || err != nil || terr.Error != "invalid_grant" {
		t.Errorf("refresh with the old refresh token after logout: got %d %q (%v), want 400 invalid_grant", tresp.StatusCode, terr.Error, err)
	}
}

// sessionToken signs in at the development provider's Authentication API.
func sessionToken(t *testing.T, org, username, password string) string {
	t.Helper()
	body, err := json.Marshal(map[string]string{"username": username, "password": password})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(org+"/api/v1/authn", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var authn struct {
		SessionToken string `json:"sessionToken"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&authn); err != nil || authn.SessionToken == "" {
		t.Fatalf("authn: status %d, %v; want a session token", resp.StatusCode, err)
	}
	return authn.SessionToken
}

// devUserInfo calls the provider's userinfo endpoint with accessToken.
func devUserInfo(t *testing.T, issuer, accessToken string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, issuer+"/v1/userinfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
