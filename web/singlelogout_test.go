package web_test

// Single logout over real HTTP: the provider's back-channel logout tokens
// and front-channel iframes reach the app (web.NewServer with a real
// auth.Connector) from internal/testprovider, which signs the tokens as
// each test asks; and the app's own logout revokes the tokens.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

const (
	atkFrontchannelPath = "/authorization-code/frontchannel-logout"
	atkBackchannelPath  = "/authorization-code/backchannel-logout"
)

// TestLogoutPathsAreTheDevProviderDefaults: the routes are where the
// development provider sends its notices unless told otherwise.
func TestLogoutPathsAreTheDevProviderDefaults(t *testing.T) {
	t.Parallel()
	if atkFrontchannelPath != devprovider.FrontchannelLogoutPath || atkBackchannelPath != devprovider.BackchannelLogoutPath {
		t.Errorf("routes %s and %s, want the development provider's defaults %s and %s",
			atkFrontchannelPath, atkBackchannelPath, devprovider.FrontchannelLogoutPath, devprovider.BackchannelLogoutPath)
	}
}

// loginAs signs a new browser in as sub (login_hint; "" is the provider's
// default user) with an id_token whose sid is sid.
func (e *attackEnv) loginAs(t *testing.T, sub, sid string) *browser {
	t.Helper()
	e.op.Misbehave(testprovider.Misbehaviour{Claims: func(c map[string]any) { c["sid"] = sid }})
	defer e.op.Misbehave(testprovider.Misbehaviour{})
	b := e.newBrowser(t)
	var extra url.Values
	if sub != "" {
		extra = url.Values{"login_hint": {sub}}
	}
	res := b.get(b.authorize(b.startLogin(""), extra))
	if res.status != http.StatusFound || res.location() != atkProfilePath {
		t.Fatalf("login as %q: got %d to %q, want 302 to the profile; page: %s", sub, res.status, res.location(), errorText(res.body))
	}
	b.wantSession()
	return b
}

// postBackchannel POSTs body to the back-channel route as the provider's
// server would: no cookie, form-encoded, with extra headers.
func (e *attackEnv) postBackchannel(t *testing.T, body string, contentType string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.appURL+atkBackchannelPath, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header[k] = v
	}
	return e.newBrowser(t).do(req)
}

// logoutForm is the back channel's form with token.
func logoutForm(token string) string { return url.Values{"logout_token": {token}}.Encode() }

const formType = "application/x-www-form-urlencoded"

// wantBackchannel checks the back channel's answer: status, and for an
// error the OAuth error JSON (Back-Channel Logout 1.0, 2.8); never cached.
func wantBackchannel(t *testing.T, res response, status int, errCode string) {
	t.Helper()
	if res.status != status {
		t.Errorf("got %d, want %d; body %s", res.status, status, res.body)
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	if errCode == "" {
		return
	}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil || body.Error != errCode || body.Description == "" {
		t.Errorf("body %s: want JSON with error %q and an error_description", res.body, errCode)
	}
}

// TestBackchannelLogoutTokenRules: each broken logout token gets 400 with
// invalid_request, and ends no session; so do bodies that carry no token.
// Then a valid token ends the session its sid names.
func TestBackchannelLogoutTokenRules(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	const sid = "sid-of-the-victim"
	victim := e.loginAs(t, "", sid)
	sub := testprovider.DefaultSubject
	claims := func(edit func(c map[string]any)) testprovider.Misbehaviour {
		return testprovider.Misbehaviour{Claims: edit}
	}

	// A token the app has accepted once, for a sid nobody has.
	replayed := e.op.LogoutToken(t, sub, "sid-of-nobody", testprovider.Misbehaviour{})
	wantBackchannel(t, e.postBackchannel(t, logoutForm(replayed), formType, nil), http.StatusOK, "")
	victim.wantSession()

	tests := []struct {
		name  string
		token string
	}{
		{"bad signature", e.op.LogoutToken(t, sub, sid, testprovider.Misbehaviour{Signing: testprovider.SignCorrupted})},
		{"signed by another key", e.op.LogoutToken(t, sub, sid, testprovider.Misbehaviour{Signing: testprovider.SignOtherKey})},
		{"wrong iss", e.op.LogoutToken(t, sub, sid, claims(func(c map[string]any) { c["iss"] = testprovider.WrongIssuer }))},
		{"wrong aud", e.op.LogoutToken(t, sub, sid, claims(func(c map[string]any) { c["aud"] = "another-client" }))},
		{"missing events", e.op.LogoutToken(t, sub, sid, claims(func(c map[string]any) { delete(c, "events") }))},
		{"nonce present", e.op.LogoutToken(t, sub, sid, claims(func(c map[string]any) { c["nonce"] = "n-0S6_WzA2Mj" }))},
		{"neither sub nor sid", e.op.LogoutToken(t, "", "", testprovider.Misbehaviour{})},
		{"replayed jti", replayed},
		{"iat outside the leeway", e.op.LogoutToken(t, sub, sid, claims(func(c map[string]any) {
			c["iat"] = c["iat"].(int64) - 3600
		}))},
		{"alg none", e.op.LogoutToken(t, sub, sid, testprovider.Misbehaviour{Signing: testprovider.SignNone})},
		{"HS256 keyed with the client secret", e.op.LogoutToken(t, sub, sid, testprovider.Misbehaviour{Signing: testprovider.SignHS256ClientSecret})},
		{"HS256 keyed with the public key", e.op.LogoutToken(t, sub, sid, testprovider.Misbehaviour{Signing: testprovider.SignHS256PublicKey})},
		{"not a JWT", "not-a-jwt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.postBackchannel(t, logoutForm(tt.token), formType, nil)
			wantBackchannel(t, res, http.StatusBadRequest, "invalid_request")
			victim.wantSession()
		})
	}

	// Bodies without a usable token.
	for _, tt := range []struct {
		name, body, contentType string
	}{
		{"no logout_token", "", formType},
		{"a JSON body", `{"logout_token":"` + e.op.LogoutToken(t, sub, sid, testprovider.Misbehaviour{}) + `"}`, "application/json"},
		{"a body over 16 KiB", logoutForm(strings.Repeat("A", 17<<10)), formType},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := e.postBackchannel(t, tt.body, tt.contentType, nil)
			wantBackchannel(t, res, http.StatusBadRequest, "invalid_request")
			victim.wantSession()
		})
	}
	if got := e.logs.String(); !strings.Contains(got, "back-channel logout refused") {
		t.Errorf("the log does not record the refusals:\n%s", got)
	}

	// The control: a valid token for the victim's sid ends the session.
	wantBackchannel(t, e.postBackchannel(t, logoutForm(e.op.LogoutToken(t, sub, sid, testprovider.Misbehaviour{})), formType, nil), http.StatusOK, "")
	victim.wantNoSession()
	e.wantCleanLogs(t)
}

// TestBackchannelLogoutEndsBySIDOrSubject: a token with a sid ends that
// provider session's app sessions only; one with a sub and no sid ends
// every session of the user; other users keep theirs. The route takes
// the provider's POST from any origin: it is server to server, and the
// token's signature is the proof.
func TestBackchannelLogoutEndsBySIDOrSubject(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	const alice, bob = "00u-alice", "00u-bob"
	alice1 := e.loginAs(t, alice, "sid-alice-1")
	alice2 := e.loginAs(t, alice, "sid-alice-2")
	bob1 := e.loginAs(t, bob, "sid-bob-1")
	crossSite := http.Header{"Origin": {"https://provider.example"}, "Sec-Fetch-Site": {"cross-site"}}

	res := e.postBackchannel(t, logoutForm(e.op.LogoutToken(t, alice, "sid-alice-1", testprovider.Misbehaviour{})), formType, crossSite)
	wantBackchannel(t, res, http.StatusOK, "")
	alice1.wantNoSession()
	alice2.wantSession()
	bob1.wantSession()

	res = e.postBackchannel(t, logoutForm(e.op.LogoutToken(t, alice, "", testprovider.Misbehaviour{})), formType, crossSite)
	wantBackchannel(t, res, http.StatusOK, "")
	alice2.wantNoSession()
	bob1.wantSession()
	if got := e.logs.String(); !strings.Contains(got, "signed out by the provider (back channel)") || strings.Contains(got, "sid-alice") {
		t.Errorf("log: want the back-channel sign-outs, and never a sid:\n%s", got)
	}
	e.wantCleanLogs(t)
}

// TestBackchannelLogoutRateLimited: one address that floods the route
// meets the token bucket, with 429, the OAuth error and Retry-After.
func TestBackchannelLogoutRateLimited(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	for i := range 500 {
		res := e.postBackchannel(t, logoutForm("junk"), formType, nil)
		if res.status == http.StatusTooManyRequests {
			wantBackchannel(t, res, http.StatusTooManyRequests, "temporarily_unavailable")
			if res.header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			if i < 20 {
				t.Errorf("limited after %d requests, want a burst of at least 20", i)
			}
			return
		}
		if res.status != http.StatusBadRequest {
			t.Fatalf("request %d: got %d, want 400 for junk", i, res.status)
		}
	}
	t.Fatal("500 requests from one address in a row were never rate limited")
}

// TestFrontchannelLogout: the provider's iframe URL ends every session of
// its sid, without any cookie; a wrong iss or no sid ends nothing (400),
// and a sid the app does not know is harmless (200).
func TestFrontchannelLogout(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	const sid = "sid-front-1"
	b1 := e.loginAs(t, "", sid)
	b2 := e.loginAs(t, "", sid) // the same provider session, in another browser profile
	other := e.loginAs(t, "", "sid-front-2")
	iframe := func(q url.Values) response {
		return e.newBrowser(t).get(e.appURL + atkFrontchannelPath + "?" + q.Encode())
	}

	for _, tt := range []struct {
		name   string
		q      url.Values
		status int
	}{
		{"wrong iss", url.Values{"iss": {testprovider.WrongIssuer}, "sid": {sid}}, http.StatusBadRequest},
		{"iss with a trailing slash", url.Values{"iss": {e.op.Issuer() + "/"}, "sid": {sid}}, http.StatusBadRequest},
		{"no iss", url.Values{"sid": {sid}}, http.StatusBadRequest},
		{"no sid", url.Values{"iss": {e.op.Issuer()}}, http.StatusBadRequest},
		{"sid too long", url.Values{"iss": {e.op.Issuer()}, "sid": {strings.Repeat("s", 300)}}, http.StatusBadRequest},
		{"unknown sid", url.Values{"iss": {e.op.Issuer()}, "sid": {"sid-nobody-has"}}, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := iframe(tt.q)
			if res.status != tt.status {
				t.Errorf("got %d, want %d", res.status, tt.status)
			}
			if got := res.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			b1.wantSession()
			b2.wantSession()
		})
	}

	// A cookie of another user's session does not matter: only iss and sid do.
	req, err := http.NewRequest(http.MethodGet, e.appURL+atkFrontchannelPath+"?"+url.Values{"iss": {e.op.Issuer()}, "sid": {sid}}.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	res := other.do(req)
	if res.status != http.StatusOK || !strings.Contains(res.body, "Signed out") {
		t.Fatalf("front-channel logout: got %d %q, want 200 and the tiny page", res.status, res.body)
	}
	b1.wantNoSession()
	b2.wantNoSession()
	other.wantSession()
	if got := e.logs.String(); strings.Contains(got, sid) {
		t.Errorf("the log contains the sid:\n%s", got)
	}
	e.wantCleanLogs(t)
}

// TestFramingPolicy: the front-channel page may be framed by the
// provider's origin and nobody else (its CSP's frame-ancestors, and no
// X-Frame-Options, which cannot name an origin); every other page keeps
// frame-ancestors 'none' and X-Frame-Options DENY.
func TestFramingPolicy(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	b := e.newBrowser(t)
	b.mustLogin()

	for _, q := range []url.Values{
		{"iss": {e.op.Issuer()}, "sid": {"sid-nobody-has"}},
		{"iss": {testprovider.WrongIssuer}, "sid": {"x"}},
	} {
		res := b.get(e.appURL + atkFrontchannelPath + "?" + q.Encode())
		csp := cspDirectivesOf(res.header.Get("Content-Security-Policy"))
		if got := csp["frame-ancestors"]; got != e.op.URL() {
			t.Errorf("front channel (%d): frame-ancestors %q, want only the provider's origin %q", res.status, got, e.op.URL())
		}
		if got := csp["default-src"]; got != "'none'" {
			t.Errorf("front channel: default-src %q, want 'none'", got)
		}
		if got := res.header.Values("X-Frame-Options"); len(got) != 0 {
			t.Errorf("front channel: X-Frame-Options %q, want none", got)
		}
	}

	for _, p := range []struct{ method, path string }{
		{http.MethodGet, "/"},
		{http.MethodGet, atkProfilePath},
		{http.MethodGet, atkLogoutPath},
		{http.MethodGet, "/authorization-code/login-redirect"},
		{http.MethodGet, "/no-such-page"},
		{http.MethodGet, atkBackchannelPath},
		{http.MethodPost, atkBackchannelPath},
		{http.MethodGet, atkFrontchannelPath + "/more"},
	} {
		req, err := http.NewRequest(p.method, e.appURL+p.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res := b.do(req)
		if got := cspDirectivesOf(res.header.Get("Content-Security-Policy"))["frame-ancestors"]; got != "'none'" {
			t.Errorf("%s %s (%d): frame-ancestors %q, want 'none'", p.method, p.path, res.status, got)
		}
		if got := res.header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("%s %s: X-Frame-Options %q, want DENY", p.method, p.path, got)
		}
	}
}

// cspDirectivesOf splits a Content-Security-Policy into its directives.
func cspDirectivesOf(policy string) map[string]string {
	out := map[string]string{}
	for d := range strings.SplitSeq(policy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		if name != "" {
			out[name] = value
		}
	}
	return out
}

// TestLogoutRevokesTokens: the app's logout revokes the session's access
// token at the provider before it redirects to end_session_endpoint; when
// revocation fails or hangs, the logout completes all the same (within
// the provider timeout), the failure is logged, and no token reaches the
// log.
func TestLogoutRevokesTokens(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		revoke  testprovider.RevokeBehaviour
		wantLog string
	}{
		{"revoked", testprovider.RevokeOK, ""},
		{"revocation fails", testprovider.RevokeError, "token revocation failed; signed out anyway"},
		{"revocation hangs", testprovider.RevokeHang, "token revocation failed; signed out anyway"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			timeout := atkClientTimeout
			if tt.revoke == testprovider.RevokeHang {
				timeout = atkHangTimeout // the logout waits it out
			}
			e := newAttackEnvTimeout(t, testprovider.Config{}, timeout)
			b := e.newBrowser(t)
			b.mustLogin()
			e.op.Misbehave(testprovider.Misbehaviour{Revoke: tt.revoke})

			res := b.postLogout(e.appURL, "same-origin")
			if res.status != http.StatusFound || !strings.HasPrefix(res.location(), e.op.Issuer()+"/v1/logout?") {
				t.Fatalf("logout: got %d to %q, want 302 to the provider's end_session_endpoint", res.status, res.location())
			}
			b.wantNoSession()
			accessToken := issuedAccessToken(t, e.op)
			revokes := e.op.RevokeRequests()
			if len(revokes) != 1 || revokes[0].Token != accessToken || revokes[0].TokenTypeHint != "access_token" || !revokes[0].SecretOK {
				t.Errorf("got %d revocation requests, want one for the session's access token, hinted, client authenticated", len(revokes))
			}
			logs := e.logs.String()
			if tt.wantLog != "" && !strings.Contains(logs, tt.wantLog) {
				t.Errorf("the log does not say %q:\n%s", tt.wantLog, logs)
			}
			if tt.wantLog == "" && strings.Contains(logs, "revocation failed") {
				t.Errorf("the log reports a failed revocation:\n%s", logs)
			}
			e.op.Misbehave(testprovider.Misbehaviour{})
			want := http.StatusOK // the provider never revoked it
			if tt.revoke == testprovider.RevokeOK {
				want = http.StatusUnauthorized
			}
			if got := userInfoStatus(t, e.op.Issuer(), accessToken); got != want {
				t.Errorf("userinfo with the old access token after logout: got %d, want %d", got, want)
			}
			e.wantCleanLogs(t)
		})
	}
}

// issuedAccessToken is the one access token op has issued.
func issuedAccessToken(t *testing.T, op *testprovider.Provider) string {
	t.Helper()
	var found []string
	for _, s := range op.Issued() {
		if strings.HasPrefix(s, "tp-at-") {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("the provider issued %d access tokens, want 1", len(found))
	}
	return found[0]
}

// userInfoStatus calls the userinfo endpoint under issuer with accessToken.
func userInfoStatus(t *testing.T, issuer, accessToken string) int {
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
