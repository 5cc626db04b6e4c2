package web_test

// Attacks from RFC 9700 (OAuth 2.0 Security Best Current Practice) and
// provider faults, over real HTTP: the app is web.NewServer with a real
// auth.Connector, the provider is internal/testprovider, and each browser
// is an http.Client with its own cookie jar. Every rejection is checked
// the same way: a sensible status, no session, the right counters at the
// provider, the reason in the log, and no secret in the log.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/internal/leakcheck"
	"github.com/okta-samples/okta-go-sample/internal/logbuf"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
	"github.com/okta-samples/okta-go-sample/session"
	"github.com/okta-samples/okta-go-sample/web"
)

// TestAttackBaselineLogin is the honest login every attack is measured
// against: it must work, and leave nothing secret in the log.
func TestAttackBaselineLogin(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	b := e.newBrowser(t)
	before := e.counts()
	b.mustLogin()
	e.wantNewRequests(t, before, 1, 1)
	e.wantCleanLogs(t)
}

// TestAttackCallbackCSRF: a callback carrying someone else's code and
// state, in a browser that has no pending login (login CSRF, RFC 9700
// 4.7), or a different pending login, is refused before any token request.
func TestAttackCallbackCSRF(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	attacker := e.newBrowser(t)
	// The attacker signs in as themself and keeps the callback URL.
	forged := attacker.authorize(attacker.startLogin(""), url.Values{"login_hint": {"00u-attacker"}})

	t.Run("victim has no pending login", func(t *testing.T) {
		victim := e.newBrowser(t)
		before := e.counts()
		res := victim.get(forged)
		victim.wantRejected(res, http.StatusUnauthorized, "", "no pending login for this state")
		e.wantNewRequests(t, before, 0, 0)
	})
	t.Run("victim has another pending login", func(t *testing.T) {
		victim := e.newBrowser(t)
		victim.startLogin("")
		before := e.counts()
		res := victim.get(forged)
		victim.wantRejected(res, http.StatusUnauthorized, "", "no pending login for this state")
		e.wantNewRequests(t, before, 0, 0)
	})
	e.wantCleanLogs(t)
}

// TestAttackCallbackOtherBrowser: a login's code and state delivered in
// another browser are refused with no token request, and do not burn the
// real login, which still completes in its own browser.
func TestAttackCallbackOtherBrowser(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	owner, other := e.newBrowser(t), e.newBrowser(t)
	cb := owner.authorize(owner.startLogin(""), nil)

	before := e.counts()
	res := other.get(cb)
	other.wantRejected(res, http.StatusUnauthorized, "", "no pending login for this state")
	e.wantNewRequests(t, before, 0, 0)

	res = owner.get(cb)
	if res.status != http.StatusFound || res.location() != atkProfilePath {
		t.Fatalf("owner's callback: got %d to %q, want 302 to the profile", res.status, res.location())
	}
	owner.wantSession()
	e.wantCleanLogs(t)
}

// TestAttackReplayedCallback: a callback works once. Replayed in the same
// browser, or with a copy of its transaction cookie in another, it is
// refused with no second token request.
func TestAttackReplayedCallback(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	b := e.newBrowser(t)
	cb := b.authorize(b.startLogin(""), nil)
	stolen := b.transactionCookies()
	if len(stolen) != 1 {
		t.Fatalf("got %d transaction cookies, want 1", len(stolen))
	}
	before := e.counts()
	if res := b.get(cb); res.status != http.StatusFound || res.location() != atkProfilePath {
		t.Fatalf("first callback: got %d to %q, want 302 to the profile", res.status, res.location())
	}
	e.wantNewRequests(t, before, 1, 1)

	t.Run("same browser", func(t *testing.T) {
		if got := b.transactionCookies(); len(got) != 0 {
			t.Errorf("transaction cookie still in the browser after use: %v", got)
		}
		before := e.counts()
		res := b.get(cb)
		if res.status != http.StatusUnauthorized {
			t.Errorf("replay: got %d, want 401", res.status)
		}
		e.wantNewRequests(t, before, 0, 0)
	})
	t.Run("copied cookie in another browser", func(t *testing.T) {
		thief := e.newBrowser(t)
		thief.setCookie(stolen[0].Name, stolen[0].Value, atkCallbackPath)
		before := e.counts()
		res := thief.get(cb)
		thief.wantRejected(res, http.StatusUnauthorized, "", "no pending login for this state")
		e.wantNewRequests(t, before, 0, 0)
	})
	e.wantCleanLogs(t)
}

// TestAttackCodeInjection: the attacker's own authorization code, pasted
// into the victim's callback with the victim's state (RFC 9700 4.5).
// PKCE stops it at an honest provider: the code was bound to the
// attacker's challenge. At a provider that ignores PKCE, the nonce stops
// it: the id_token carries the attacker's login's nonce.
func TestAttackCodeInjection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		ignorePKCE bool
		token      int
		check      string
		logReason  string
	}{
		{"caught by PKCE", false, 1, "", "invalid_grant"},
		{"caught by the nonce when the provider ignores PKCE", true, 1, "nonce", "nonce does not match this login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAttackEnv(t, testprovider.Config{})
			e.op.Misbehave(testprovider.Misbehaviour{IgnorePKCE: tc.ignorePKCE})
			attacker, victim := e.newBrowser(t), e.newBrowser(t)
			attackerCB, err := url.Parse(attacker.authorize(attacker.startLogin(""), url.Values{"login_hint": {"00u-attacker"}}))
			if err != nil {
				t.Fatal(err)
			}
			victimCB, err := url.Parse(victim.authorize(victim.startLogin(""), nil))
			if err != nil {
				t.Fatal(err)
			}
			// The victim's callback, with the attacker's code.
			q := victimCB.Query()
			q.Set("code", attackerCB.Query().Get("code"))
			victimCB.RawQuery = q.Encode()

			before := e.counts()
			res := victim.get(victimCB.String())
			victim.wantRejected(res, http.StatusUnauthorized, tc.check, tc.logReason)
			e.wantNewRequests(t, before, tc.token, 0)
			e.wantCleanLogs(t)
		})
	}
}

// TestAttackPKCEDowngrade: the app always sends code_challenge (S256) and
// always redeems with the verifier. It cannot see what the provider did
// with the challenge; what it can do is never let a downgrade pass
// silently at an honest provider:
//   - an attacker who strips code_challenge from the authorization request
//     gets a code minted without a challenge; the app still sends the
//     verifier, and a provider following RFC 9700 2.1.1 refuses the pair;
//   - a provider that ignores PKCE altogether accepts the code; the app
//     cannot detect that, and the nonce is then what binds the code to
//     this browser (see TestAttackCodeInjection).
func TestAttackPKCEDowngrade(t *testing.T) {
	t.Parallel()
	t.Run("challenge stripped, honest provider", func(t *testing.T) {
		e := newAttackEnv(t, testprovider.Config{})
		b := e.newBrowser(t)
		authURL, err := url.Parse(b.startLogin(""))
		if err != nil {
			t.Fatal(err)
		}
		q := authURL.Query()
		q.Del("code_challenge")
		q.Del("code_challenge_method")
		authURL.RawQuery = q.Encode()
		cb := b.authorize(authURL.String(), nil)

		before := e.counts()
		res := b.get(cb)
		b.wantRejected(res, http.StatusUnauthorized, "", "invalid_grant")
		e.wantNewRequests(t, before, 1, 0)
		if trs := e.op.TokenRequests(); trs[len(trs)-1].CodeVerifier == "" {
			t.Errorf("the app redeemed the code without a code_verifier")
		}
		e.wantCleanLogs(t)
	})
	t.Run("provider ignores PKCE", func(t *testing.T) {
		e := newAttackEnv(t, testprovider.Config{})
		e.op.Misbehave(testprovider.Misbehaviour{IgnorePKCE: true})
		b := e.newBrowser(t)
		b.mustLogin()
		authz := e.op.AuthorizeRequests()[0]
		tr := e.op.TokenRequests()[0]
		if authz.Get("code_challenge_method") != "S256" {
			t.Errorf("code_challenge_method: got %q, want S256", authz.Get("code_challenge_method"))
		}
		sum := sha256.Sum256([]byte(tr.CodeVerifier))
		if tr.CodeVerifier == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != authz.Get("code_challenge") {
			t.Errorf("the token request's code_verifier does not match the authorization request's S256 challenge")
		}
		e.wantCleanLogs(t)
	})
}

// TestAttackMixUp: an authorization response whose iss parameter names
// another issuer, or lacks the iss that discovery promises (RFC 9207), may
// come from another provider (RFC 9700 4.4); nothing is exchanged.
func TestAttackMixUp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		b         testprovider.AuthorizeBehaviour
		logReason string
	}{
		{"iss of another issuer", testprovider.AuthorizeWrongIss, "is not the issuer"},
		{"iss missing though advertised", testprovider.AuthorizeNoIss, "has no iss parameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newAttackEnv(t, testprovider.Config{})
			e.op.Misbehave(testprovider.Misbehaviour{Authorize: tc.b})
			b := e.newBrowser(t)
			before := e.counts()
			res := b.login()
			b.wantRejected(res, http.StatusUnauthorized, "", tc.logReason)
			e.wantNewRequests(t, before, 0, 0)
			e.wantCleanLogs(t)
		})
	}
}

// TestAttackOpenRedirect: whatever return_to a link carries, the login
// ends on a path of this app (RFC 9700 4.11).
func TestAttackOpenRedirect(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	const fallback = atkProfilePath
	for _, tc := range []struct{ name, returnTo, want string }{
		{"scheme-relative", "//evil.example", fallback},
		{"scheme-relative with path", "//evil.example/x", fallback},
		{"absolute https", "https://evil.example", fallback},
		{"scheme without slashes", "https:evil.example", fallback},
		{"backslash", `/\evil.example`, fallback},
		{"two backslashes", `\\evil.example`, fallback},
		{"encoded slashes", "%2F%2Fevil.example", fallback},
		{"slash and encoded slash", "/%2Fevil.example", fallback},
		{"encoded backslash", "/%5Cevil.example", fallback},
		{"lowercase encoded backslash", "/%5cevil.example", fallback},
		{"tab", "/\t/evil.example", fallback},
		{"newline", "/\n/evil.example", fallback},
		{"encoded CR LF", "/%0d%0aLocation:%20https://evil.example", fallback},
		{"javascript", "javascript:alert(1)", fallback},
		{"same-origin path with a query", "/authorization-code/profile?tab=claims", "/authorization-code/profile?tab=claims"},
		{"overview", "/", "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.newBrowser(t)
			res := b.get(b.authorize(b.startLogin(tc.returnTo), nil))
			if res.status != http.StatusFound {
				t.Fatalf("callback: got %d, want 302", res.status)
			}
			loc := res.location()
			if loc != tc.want {
				t.Errorf("return_to %q: got Location %q, want %q", tc.returnTo, loc, tc.want)
			}
			// Whatever it is, a browser resolves it to this app's origin.
			ref, err := url.Parse(loc)
			if err != nil {
				t.Fatalf("Location %q: %v", loc, err)
			}
			if got := res.url.ResolveReference(ref); got.Host != res.url.Host || got.Scheme != res.url.Scheme {
				t.Errorf("return_to %q led to %s, want this app's origin", tc.returnTo, got)
			}
		})
	}
}

// TestAttackCodeAndStateDoNotLeak: the callback answers with a redirect to
// a clean URL, so the code and state leave the address bar and history,
// and every page says Referrer-Policy: no-referrer (checked on every
// response by browser.do), so no Referer carries them (RFC 9700 4.2.4).
func TestAttackCodeAndStateDoNotLeak(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	b := e.newBrowser(t)
	cbURL, err := url.Parse(b.authorize(b.startLogin("/authorization-code/profile?tab=claims"), nil))
	if err != nil {
		t.Fatal(err)
	}
	code, state := cbURL.Query().Get("code"), cbURL.Query().Get("state")
	res := b.get(cbURL.String())
	if res.status != http.StatusFound {
		t.Fatalf("callback: got %d, want 302", res.status)
	}
	loc := res.location()
	if strings.Contains(loc, code) || strings.Contains(loc, state) || strings.Contains(loc, "code=") || strings.Contains(loc, "state=") {
		t.Errorf("callback redirects to %q, which carries the code or state", loc)
	}
	if strings.Contains(res.body, code) || strings.Contains(res.body, state) {
		t.Errorf("callback page repeats the code or state")
	}
	if cc := res.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("callback Cache-Control %q, want no-store", cc)
	}
	b.wantSession()
	e.wantCleanLogs(t, code, state)
}

// TestAttackSessionFixation: a session id planted before login is not the
// one after; the planted id gives its planter nothing.
func TestAttackSessionFixation(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	const planted = "attacker-chosen-session-id-0123456789ab"

	victim := e.newBrowser(t)
	victim.setCookie(session.CookieName, planted, "/")
	victim.mustLogin()
	if got := victim.sessionID(); got == planted || got == "" {
		t.Fatalf("session id after login: got %q, want a new one", got)
	}

	attacker := e.newBrowser(t)
	attacker.setCookie(session.CookieName, planted, "/")
	attacker.wantNoSession()

	// The same with an id the app itself issued before the login.
	victim2 := e.newBrowser(t)
	victim2.mustLogin()
	before := victim2.sessionID()
	victim2.mustLogin()
	if after := victim2.sessionID(); after == before {
		t.Errorf("session id not renewed at a second login: %q", after)
	}
	stale := e.newBrowser(t)
	stale.setCookie(session.CookieName, before, "/")
	stale.wantNoSession()
	e.wantCleanLogs(t, planted)
}

// postLogout posts the logout form with the headers a browser sends from
// origin (site is Sec-Fetch-Site).
func (b *browser) postLogout(origin, site string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.env.appURL+atkLogoutPath, strings.NewReader(""))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", site)
	return b.do(req)
}

// TestAttackLogoutReplay: after logout, the old session cookie opens
// nothing, and the browser is sent to the provider's end_session_endpoint.
func TestAttackLogoutReplay(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	b := e.newBrowser(t)
	b.mustLogin()
	old := b.sessionID()

	res := b.postLogout(e.appURL, "same-origin")
	if res.status != http.StatusFound || !strings.HasPrefix(res.location(), e.op.Issuer()+"/v1/logout?") {
		t.Fatalf("logout: got %d to %q, want 302 to the provider's end_session_endpoint", res.status, res.location())
	}
	end, err := url.Parse(res.location())
	if err != nil {
		t.Fatal(err)
	}
	if q := end.Query(); q.Get("id_token_hint") == "" || q.Get("post_logout_redirect_uri") != e.appURL+"/" || q.Get("state") == "" {
		t.Errorf("end_session parameters: got %v, want id_token_hint, post_logout_redirect_uri %s/ and state", q, e.appURL)
	}
	b.wantNoSession()

	replay := e.newBrowser(t)
	replay.setCookie(session.CookieName, old, "/")
	replay.wantNoSession()
	e.wantCleanLogs(t)
}

// TestAttackLogoutCSRF: a cross-site POST to logout is refused (Go's
// http.CrossOriginProtection), and a GET changes nothing.
func TestAttackLogoutCSRF(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	b := e.newBrowser(t)
	b.mustLogin()

	for _, tc := range []struct{ name, origin, site string }{
		{"cross-site", "https://evil.example", "cross-site"},
		{"same-site, other origin", "http://sub.127.0.0.1.example", "same-site"},
		{"Origin only", "https://evil.example", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := b.postLogout(tc.origin, tc.site)
			if res.status != http.StatusForbidden {
				t.Errorf("got %d, want 403", res.status)
			}
			b.wantSession()
		})
	}
	if res := b.get(e.appURL + atkLogoutPath); res.status != http.StatusOK {
		t.Errorf("GET logout: got %d, want 200 (a confirmation page)", res.status)
	}
	b.wantSession()
	e.wantCleanLogs(t)
}

// TestAttackRejectedIDTokens: through the web layer, a rejected id_token
// gives 401 with the failed check named, no session, and no userinfo call.
func TestAttackRejectedIDTokens(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	for _, tc := range []struct {
		name  string
		mis   testprovider.Misbehaviour
		check string
	}{
		{"alg none", testprovider.Misbehaviour{Signing: testprovider.SignNone}, "alg"},
		{"HS256 with the client secret", testprovider.Misbehaviour{Signing: testprovider.SignHS256ClientSecret}, "alg"},
		{"other key under the published kid", testprovider.Misbehaviour{Signing: testprovider.SignOtherKeySameKID}, "signature"},
		{"jku to the attacker", testprovider.Misbehaviour{Signing: testprovider.SignOtherKey, Header: func(h *testprovider.Header) {
			h.JKU = e.op.AttackerURL() + "/jwks.json"
		}}, "signature"},
		{"iss wrong", testprovider.Misbehaviour{Claims: func(c map[string]any) { c["iss"] = testprovider.WrongIssuer }}, "iss"},
		{"aud wrong", testprovider.Misbehaviour{Claims: func(c map[string]any) { c["aud"] = "someone-else" }}, "aud"},
		{"expired", testprovider.Misbehaviour{Claims: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }}, "exp"},
		{"nonce wrong", testprovider.Misbehaviour{Claims: func(c map[string]any) { c["nonce"] = "other" }}, "nonce"},
		{"at_hash wrong", testprovider.Misbehaviour{Claims: func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }}, "at_hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.op.Misbehave(tc.mis)
			b := e.newBrowser(t)
			before := e.counts()
			res := b.login()
			b.wantRejected(res, http.StatusUnauthorized, tc.check, "check="+tc.check)
			e.wantNewRequests(t, before, 1, 0)
		})
	}
	if got := e.op.AttackerHits(); got != 0 {
		t.Errorf("got %d requests to the attacker's server, want 0", got)
	}
	e.wantCleanLogs(t)
}

// TestAttackUserInfo: userinfo about another user is fatal (no session);
// a failing or hanging userinfo leaves a session with the id_token's
// claims and a note.
func TestAttackUserInfo(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	// The hang waits out a shorter provider timeout, in an app of its own.
	hangEnv := newAttackEnvTimeout(t, testprovider.Config{}, atkHangTimeout)
	t.Run("sub differs", func(t *testing.T) {
		e.op.Misbehave(testprovider.Misbehaviour{UserInfo: testprovider.UserInfoOtherSubject})
		b := e.newBrowser(t)
		before := e.counts()
		res := b.login()
		b.wantRejected(res, http.StatusUnauthorized, "", "userinfo sub does not match")
		e.wantNewRequests(t, before, 1, 1)
	})
	for _, tc := range []struct {
		name string
		b    testprovider.UserInfoBehaviour
		env  *attackEnv
	}{
		{"error", testprovider.UserInfoError, e},
		{"hang", testprovider.UserInfoHang, hangEnv},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.env
			e.op.Misbehave(testprovider.Misbehaviour{UserInfo: tc.b})
			b := e.newBrowser(t)
			start := time.Now()
			b.mustLogin()
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("login took %s, want it bounded by the provider timeout", elapsed)
			}
			res := b.get(e.appURL + atkProfilePath)
			if !strings.Contains(res.body, `id="userinfo-note"`) {
				t.Errorf("profile does not explain that userinfo was unavailable")
			}
			if !strings.Contains(e.logs.String(), "userinfo unavailable") {
				t.Errorf("log does not record that userinfo was unavailable")
			}
		})
	}
	e.wantCleanLogs(t)
	hangEnv.wantCleanLogs(t)
}

// TestAttackProviderError: error=access_denied gives a clear 401 page and
// no token request.
func TestAttackProviderError(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	e.op.Misbehave(testprovider.Misbehaviour{Authorize: testprovider.AuthorizeAccessDenied})
	b := e.newBrowser(t)
	before := e.counts()
	res := b.login()
	b.wantRejected(res, http.StatusUnauthorized, "", `provider returned error \"access_denied\"`)
	if !strings.Contains(res.body, "access_denied") {
		t.Errorf("page does not name access_denied: %s", errorText(res.body))
	}
	e.wantNewRequests(t, before, 0, 0)
	e.wantCleanLogs(t)
}

// TestAttackTokenEndpointFaults: each fault of the token endpoint gives a
// clear error page with a sensible status within bounded time; the app
// stays healthy and leaks no goroutine.
func TestAttackTokenEndpointFaults(t *testing.T) {
	e := newAttackEnv(t, testprovider.Config{})
	// The hang waits out a shorter provider timeout, in an app of its own.
	hangEnv := newAttackEnvTimeout(t, testprovider.Config{}, atkHangTimeout)
	for _, e := range []*attackEnv{e, hangEnv} {
		warm := e.newBrowser(t)
		warm.mustLogin() // discovery, keys, connections
	}
	before := leakcheck.Settled(e.closeIdle, hangEnv.closeIdle)

	for _, tc := range []struct {
		name      string
		mis       testprovider.Misbehaviour
		status    int
		logReason string
	}{
		{"OAuth error invalid_grant", testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "invalid_grant"}, http.StatusUnauthorized, `refused with \"invalid_grant\"`},
		{"OAuth error invalid_client", testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "invalid_client"}, http.StatusBadGateway, `refused with \"invalid_client\"`},
		{"OAuth error server_error", testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "server_error"}, http.StatusBadGateway, `refused with \"server_error\"`},
		{"not JSON", testprovider.Misbehaviour{Token: testprovider.TokenNotJSON}, http.StatusBadGateway, "token request failed"},
		{"20 MB body", testprovider.Misbehaviour{Token: testprovider.TokenHuge}, http.StatusBadGateway, "token request failed"},
		{"hang", testprovider.Misbehaviour{Token: testprovider.TokenHang}, http.StatusBadGateway, "timed out waiting for the provider"},
		{"no id_token", testprovider.Misbehaviour{Token: testprovider.TokenNoIDToken}, http.StatusBadGateway, "no id_token"},
		{"token_type MAC", testprovider.Misbehaviour{TokenType: "MAC"}, http.StatusBadGateway, "is not Bearer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e
			if tc.mis.Token == testprovider.TokenHang {
				e = hangEnv
			}
			e.op.Misbehave(tc.mis)
			b := e.newBrowser(t)
			cb := b.authorize(b.startLogin(""), nil)
			before := e.counts()
			start := time.Now()
			res := b.get(cb)
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("callback took %s, want it bounded by the provider timeout", elapsed)
			}
			b.wantRejected(res, tc.status, "", tc.logReason)
			if !strings.Contains(res.body, `id="error-message"`) {
				t.Errorf("no explanation on the error page")
			}
			e.wantNewRequests(t, before, 1, 0)
			e.healthy(t)
		})
	}
	e.op.Misbehave(testprovider.Misbehaviour{})
	after := e.newBrowser(t)
	after.mustLogin()
	e.wantCleanLogs(t)
	hangEnv.wantCleanLogs(t)
	leakcheck.Check(t, before, e.closeIdle, hangEnv.closeIdle)
}

// ---- The test harness: the app, the browsers, the checks. ----

// Paths of the app under attack.
const (
	atkCallbackPath = "/authorization-code/callback"
	atkLoginPath    = "/authorization-code/login"
	atkProfilePath  = "/authorization-code/profile"
	atkLogoutPath   = "/authorization-code/logout"
)

// atkClientTimeout bounds each call from the app to the provider in these
// tests, so hangs end quickly; the assertions use generous bounds.
const atkClientTimeout = 2 * time.Second

// atkHangTimeout is atkClientTimeout for an app that waits out a provider
// that never answers: the hang only has to end, and what the tests check is
// that it does, well under 10s. It still bounds the calls that are
// answered before the hang (a login's token request before a hanging
// userinfo), so it leaves room for a loaded machine; apps that wait out no
// hang keep the longer timeout.
const atkHangTimeout = time.Second

// attackEnv is the real app (web.NewServer with a real auth.Connector)
// served by httptest, signing in against the adversarial test provider.
type attackEnv struct {
	op      *testprovider.Provider
	app     *httptest.Server
	appURL  string
	handler http.Handler
	logs    *logbuf.Buffer
	// transport carries the app's calls to the provider.
	transport *http.Transport

	mu             sync.Mutex
	sessionCookies []string          // every session id handed to any browser
	browsers       []*http.Transport // every browser's transport
}

// closeIdle closes every idle connection of the app and the browsers, so
// that only goroutines doing work remain.
func (e *attackEnv) closeIdle() {
	e.transport.CloseIdleConnections()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, tr := range e.browsers {
		tr.CloseIdleConnections()
	}
}

// newAttackEnv starts the provider and the app. opcfg configures the
// provider; its RedirectURI is filled in.
func newAttackEnv(t testing.TB, opcfg testprovider.Config) *attackEnv {
	t.Helper()
	return newAttackEnvTimeout(t, opcfg, atkClientTimeout)
}

// newAttackEnvTimeout is newAttackEnv with timeout, instead of
// atkClientTimeout, as the app's provider timeout.
func newAttackEnvTimeout(t testing.TB, opcfg testprovider.Config, timeout time.Duration) *attackEnv {
	t.Helper()
	app := httptest.NewUnstartedServer(nil)
	appURL := "http://" + app.Listener.Addr().String()
	redirect := appURL + atkCallbackPath
	opcfg.RedirectURI = redirect
	op := testprovider.New(t, opcfg)

	logs := &logbuf.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tr := http.DefaultTransport.(*http.Transport).Clone()
	client := &http.Client{Timeout: timeout, Transport: tr}

	connector := auth.NewConnector(auth.Config{
		Issuer:       op.Issuer(),
		ClientID:     op.ClientID(),
		ClientSecret: op.ClientSecret(),
		RedirectURL:  redirect,
		CookiePath:   web.CookiePath(atkCallbackPath),
		Leeway:       config.DefaultLeeway,
		HTTPClient:   client,
		Timeout:      timeout,
	}, logger)
	// Run returns once discovery has succeeded, or when its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	connector.Run(ctx)
	cancel()
	if _, err := connector.RelyingParty(); err != nil {
		t.Fatalf("discovery of the test provider did not succeed within 10s: %v", err)
	}

	handler, err := web.NewServer(web.Deps{
		Config: config.Config{
			Issuer:          op.Issuer(),
			ClientID:        op.ClientID(),
			ClientSecret:    op.ClientSecret(),
			RedirectURI:     redirect,
			Leeway:          config.DefaultLeeway,
			ProviderTimeout: timeout,
		},
		Logger:     logger,
		Provider:   connector,
		Sessions:   session.New(session.Options{}),
		HTTPClient: client,
	})
	if err != nil {
		t.Fatalf("web.NewServer: %v", err)
	}
	app.Config.Handler = handler
	app.Start()
	t.Cleanup(app.Close)
	t.Cleanup(tr.CloseIdleConnections)
	return &attackEnv{op: op, app: app, appURL: appURL, handler: handler, logs: logs, transport: tr}
}

// response is one answer, read in full.
type response struct {
	status int
	header http.Header
	body   string
	url    *url.URL
}

func (r response) location() string { return r.header.Get("Location") }

// browser is one user agent with its own cookie jar. It never follows
// redirects by itself, so each hop can be inspected.
type browser struct {
	t   testing.TB
	env *attackEnv
	c   *http.Client
}

func (e *attackEnv) newBrowser(t testing.TB) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	e.mu.Lock()
	e.browsers = append(e.browsers, tr)
	e.mu.Unlock()
	return &browser{t: t, env: e, c: &http.Client{
		Jar:           jar,
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends req. Every answer from the app must carry
// Referrer-Policy: no-referrer (RFC 9700 4.2.4); every session id handed
// out is remembered, so tests can check it never reaches a log.
func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		b.t.Fatalf("reading %s: %v", req.URL, err)
	}
	if strings.HasPrefix(req.URL.String(), b.env.appURL) {
		if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
			b.t.Errorf("%s %s: Referrer-Policy %q, want no-referrer", req.Method, req.URL.Path, got)
		}
		for _, c := range resp.Cookies() {
			if c.Name == session.CookieName && c.Value != "" {
				b.env.mu.Lock()
				b.env.sessionCookies = append(b.env.sessionCookies, c.Value)
				b.env.mu.Unlock()
			}
		}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body), url: req.URL}
}

func (b *browser) get(u string) response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// startLogin asks the app for a login and returns the authorize URL it
// redirects to.
func (b *browser) startLogin(returnTo string) string {
	b.t.Helper()
	u := b.env.appURL + atkLoginPath
	if returnTo != "" {
		u += "?" + url.Values{"return_to": {returnTo}}.Encode()
	}
	res := b.get(u)
	if res.status != http.StatusFound || !strings.HasPrefix(res.location(), b.env.op.Issuer()+"/v1/authorize?") {
		b.t.Fatalf("start login: got %d to %q, want 302 to the provider's authorize endpoint", res.status, res.location())
	}
	return res.location()
}

// authorize visits the provider's authorize URL, adding extra parameters
// (such as login_hint to sign in as someone else), and returns the
// callback URL the provider redirects to.
func (b *browser) authorize(authURL string, extra url.Values) string {
	b.t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		b.t.Fatal(err)
	}
	q := u.Query()
	for k, v := range extra {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	res := b.get(u.String())
	if res.status != http.StatusFound || !strings.HasPrefix(res.location(), b.env.appURL+atkCallbackPath+"?") {
		b.t.Fatalf("authorize: got %d to %q, want 302 to the app's callback", res.status, res.location())
	}
	return res.location()
}

// login runs a whole login and returns the callback's answer.
func (b *browser) login() response {
	b.t.Helper()
	return b.get(b.authorize(b.startLogin(""), nil))
}

// mustLogin logs in and checks the profile shows the user.
func (b *browser) mustLogin() {
	b.t.Helper()
	res := b.login()
	if res.status != http.StatusFound || res.location() != atkProfilePath {
		b.t.Fatalf("login: got %d to %q, want 302 to %s; page: %s", res.status, res.location(), atkProfilePath, errorText(res.body))
	}
	b.wantSession()
}

// wantSession checks the profile page shows a signed-in user.
func (b *browser) wantSession() {
	b.t.Helper()
	res := b.get(b.env.appURL + atkProfilePath)
	if res.status != http.StatusOK || !strings.Contains(res.body, `id="claim-sub"`) {
		b.t.Fatalf("profile: got %d, want 200 with the claims table", res.status)
	}
}

// wantNoSession checks the profile sends this browser to log in.
func (b *browser) wantNoSession() {
	b.t.Helper()
	res := b.get(b.env.appURL + atkProfilePath)
	if res.status != http.StatusFound || !strings.HasPrefix(res.location(), atkLoginPath) {
		b.t.Fatalf("profile: got %d to %q, want 302 to %s: no session", res.status, res.location(), atkLoginPath)
	}
}

// sessionID is this browser's session cookie for the app, or "".
func (b *browser) sessionID() string {
	u, _ := url.Parse(b.env.appURL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == session.CookieName {
			return c.Value
		}
	}
	return ""
}

// setCookie plants a cookie for the app in this browser.
func (b *browser) setCookie(name, value, path string) {
	u, _ := url.Parse(b.env.appURL + path)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: path}})
}

// transactionCookies are this browser's pending-login cookies.
func (b *browser) transactionCookies() []*http.Cookie {
	u, _ := url.Parse(b.env.appURL + atkCallbackPath)
	var out []*http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if strings.HasPrefix(c.Name, "oidc_tx_") {
			out = append(out, c)
		}
	}
	return out
}

// wantRejected checks a refused callback: the status, the failed check
// when the page names one, the reason in the log, and no session.
func (b *browser) wantRejected(res response, status int, check, logReason string) {
	b.t.Helper()
	if res.status != status {
		b.t.Errorf("got status %d, want %d; page: %s", res.status, status, errorText(res.body))
	}
	if check != "" && !strings.Contains(res.body, `<code id="error-check">`+check+`</code>`) {
		b.t.Errorf("page does not name the failed check %q; page: %s", check, errorText(res.body))
	}
	if logReason != "" && !strings.Contains(b.env.logs.String(), logReason) {
		b.t.Errorf("log does not record the reason %q; log:\n%s", logReason, b.env.logs.String())
	}
	b.wantNoSession()
}

// errorText is the visible part of an error page, for failure messages.
func errorText(body string) string {
	i := strings.Index(body, `id="error-title"`)
	if i < 0 {
		if len(body) > 300 {
			return body[:300]
		}
		return body
	}
	j := min(len(body), i+600)
	return body[i:j]
}

// wantCleanLogs checks that no secret reached the log: the client secret,
// any code or token the provider issued, any session id, and extra.
func (e *attackEnv) wantCleanLogs(t testing.TB, extra ...string) {
	t.Helper()
	logs := e.logs.String()
	e.mu.Lock()
	secrets := append([]string{e.op.ClientSecret()}, e.sessionCookies...)
	e.mu.Unlock()
	secrets = append(secrets, e.op.Issued()...)
	secrets = append(secrets, extra...)
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("the log contains a secret %.24q…", s)
		}
	}
}

// counts are the provider's request counters at one moment.
type counts struct{ token, userinfo int }

func (e *attackEnv) counts() counts {
	return counts{token: len(e.op.TokenRequests()), userinfo: len(e.op.UserInfoRequests())}
}

// wantNewRequests checks how many token and userinfo requests were made
// since before.
func (e *attackEnv) wantNewRequests(t testing.TB, before counts, token, userinfo int) {
	t.Helper()
	now := e.counts()
	if got := now.token - before.token; got != token {
		t.Errorf("got %d token requests, want %d", got, token)
	}
	if got := now.userinfo - before.userinfo; got != userinfo {
		t.Errorf("got %d userinfo requests, want %d", got, userinfo)
	}
}

// healthy checks /healthz answers 200.
func (e *attackEnv) healthy(t testing.TB) {
	t.Helper()
	resp, err := http.Get(e.appURL + "/healthz")
	if err != nil {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: got %d, want 200", resp.StatusCode)
	}
}
