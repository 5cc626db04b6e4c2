package devprovider

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

// verifyAccessToken verifies raw against the published JWKS with go-jose,
// as a resource server does, checks its header, and returns its claims.
func (e *testEnv) verifyAccessToken(raw string) map[string]any {
	e.t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		e.t.Fatalf("parse access token: %v", err)
	}
	if len(tok.Headers) != 1 {
		e.t.Fatalf("access token: got %d signatures, want 1", len(tok.Headers))
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "at+jwt" {
		e.t.Errorf("access token typ: got %q, want at+jwt (RFC 9068 §2.1)", typ)
	}
	jwks := e.fetchJWKS()
	keys := jwks.Key(h.KeyID)
	if len(keys) != 1 {
		e.t.Fatalf("access token kid %q: got %d published keys, want 1", h.KeyID, len(keys))
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		e.t.Fatalf("verify access token: %v", err)
	}
	return claims
}

// TestAccessTokenJWT: access tokens are JWTs signed with the JWKS's keys,
// with Okta's claims, and work at userinfo until they expire.
func TestAccessTokenJWT(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		audience string
		ttl      time.Duration
		scope    string
		wantAud  string
		wantTTL  int64
		wantScp  []any
	}{
		{name: "defaults", wantAud: "api://default", wantTTL: 3600, scope: "openid profile email",
			wantScp: []any{"openid", "profile", "email"}},
		{name: "configured audience and lifetime", audience: "api://messages", ttl: 30 * time.Second, scope: "openid",
			wantAud: "api://messages", wantTTL: 30, wantScp: []any{"openid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvConfig(t, &testkeys.Source{}, func(cfg *Config) {
				cfg.AccessTokenAudience, cfg.AccessTokenTTL = tt.audience, tt.ttl
			})
			signInTime := e.clock.Now()
			code := e.signIn(map[string]string{"scope": tt.scope})
			e.clock.Advance(2 * time.Second)
			resp, tok := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("token: got %d %v", resp.StatusCode, tok)
			}
			if got := tok["expires_in"]; got != float64(tt.wantTTL) {
				t.Errorf("expires_in: got %v, want %d", got, tt.wantTTL)
			}
			if _, has := tok["refresh_token"]; has {
				t.Errorf("got a refresh token without offline_access")
			}
			raw := tok["access_token"].(string)
			claims := e.verifyAccessToken(raw)
			now := e.clock.Now().Unix()
			want := map[string]any{
				"ver": float64(1), "iss": e.issuer, "aud": tt.wantAud, "cid": testClientID, "uid": aliceSubject,
				"sub": aliceLogin, "scp": tt.wantScp, "iat": float64(now), "exp": float64(now + tt.wantTTL),
				"auth_time": float64(signInTime.Unix()),
			}
			for k, v := range want {
				if got := claims[k]; !reflect.DeepEqual(got, v) {
					t.Errorf("access token %s: got %v, want %v", k, got, v)
				}
			}
			if jti, _ := claims["jti"].(string); !strings.HasPrefix(jti, "AT.") || len(jti) < 20 {
				t.Errorf("access token jti: got %q, want AT. and a random id", jti)
			}
			if id, _ := e.verifyIDToken(tok["id_token"].(string)); id["at_hash"] != atHash(raw) {
				t.Errorf("id_token at_hash: got %v, want that of the JWT", id["at_hash"])
			}

			if got := userinfoStatus(t, e, raw); got != http.StatusOK {
				t.Errorf("userinfo: got %d, want 200", got)
			}
			e.clock.Advance(time.Duration(tt.wantTTL) * time.Second)
			if got := userinfoStatus(t, e, raw); got != http.StatusUnauthorized {
				t.Errorf("userinfo after exp: got %d, want 401", got)
			}
		})
	}
}

// TestUserinfoRefusesForgedAccessTokens: only the provider's own live
// access tokens pass at userinfo, not a JWT that looks like one.
func TestUserinfoRefusesForgedAccessTokens(t *testing.T) {
	t.Parallel()
	keys := &testkeys.Source{}
	e := newTestEnvKeys(t, keys)
	_, tok := e.tokenRequest(codeForm(e.signIn(nil)), testClientID, testClientSecret, true)
	raw := tok["access_token"].(string)
	stranger := newTestEnvKeys(t, keys)
	_, stok := stranger.tokenRequest(codeForm(stranger.signIn(nil)), testClientID, testClientSecret, true)
	logoutToken, err := e.p.mintLogoutToken(testClientID, aliceSubject, "sid")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(raw, ".")
	tests := []struct {
		name  string
		token string
	}{
		{name: "payload changed", token: parts[0] + "." + parts[1] + "x." + parts[2]},
		{name: "another provider's (other key)", token: stok["access_token"].(string)},
		{name: "ID Token", token: tok["id_token"].(string)},
		{name: "logout token", token: logoutToken},
		{name: "alg none", token: base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt"}`)) + "." + parts[1] + "."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := userinfoStatus(t, e, tt.token); got != http.StatusUnauthorized {
				t.Errorf("got %d, want 401", got)
			}
		})
	}
	if got := userinfoStatus(t, e, raw); got != http.StatusOK {
		t.Errorf("the real token: got %d, want 200", got)
	}
}

// refreshForm is a refresh_token grant request.
func refreshForm(token string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}
}

// TestRefreshRotation: with offline_access, the code buys a refresh token;
// each use returns new tokens and a new refresh token, and the ID Token
// describes the original sign-in.
func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	signInTime := e.clock.Now()
	_, tok := e.tokenRequest(codeForm(e.signIn(map[string]string{"scope": "openid profile offline_access"})),
		testClientID, testClientSecret, true)
	rt, _ := tok["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("token response with offline_access: got no refresh_token in %v", tok)
	}
	first, _ := e.verifyIDToken(tok["id_token"].(string))

	seen := map[string]bool{rt: true}
	for i := range 3 {
		e.clock.Advance(10 * time.Minute)
		resp, next := e.tokenRequest(refreshForm(rt), testClientID, testClientSecret, i%2 == 0)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("refresh %d: got %d %v, want 200", i, resp.StatusCode, next)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("refresh Cache-Control: got %q, want no-store", got)
		}
		newRT, _ := next["refresh_token"].(string)
		if newRT == "" || seen[newRT] {
			t.Fatalf("refresh %d: got refresh token %q, want a new one", i, newRT)
		}
		seen[newRT] = true
		if got := next["scope"]; got != "openid profile offline_access" {
			t.Errorf("refresh %d scope: got %v, want the granted scope", i, got)
		}
		at := e.verifyAccessToken(next["access_token"].(string))
		if at["iat"] != float64(e.clock.Now().Unix()) || at["cid"] != testClientID || at["uid"] != aliceSubject {
			t.Errorf("refresh %d access token: got %v", i, at)
		}
		if got := userinfoStatus(t, e, next["access_token"].(string)); got != http.StatusOK {
			t.Errorf("refresh %d: userinfo got %d, want 200", i, got)
		}
		id, _ := e.verifyIDToken(next["id_token"].(string))
		for _, k := range []string{"iss", "sub", "aud", "sid"} {
			if id[k] != first[k] {
				t.Errorf("refresh %d id_token %s: got %v, want the original %v", i, k, id[k], first[k])
			}
		}
		if id["auth_time"] != float64(signInTime.Unix()) {
			t.Errorf("refresh %d id_token auth_time: got %v, want the sign-in's %d (OIDC Core §12.2)", i, id["auth_time"], signInTime.Unix())
		}
		if _, has := id["nonce"]; has {
			t.Errorf("refresh %d id_token has a nonce; OIDC Core §12.2 says it should not", i)
		}
		rt = newRT
	}
	for secret := range seen {
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("the log contains a refresh token")
		}
	}
}

// TestRefreshReuseRevokesChain: a rotated-out refresh token that comes
// back revokes the whole chain: the newest refresh token and every access
// token of the chain stop working.
func TestRefreshReuseRevokesChain(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, tok := e.tokenRequest(codeForm(e.signIn(map[string]string{"scope": "openid offline_access"})),
		testClientID, testClientSecret, true)
	rt1, at1 := tok["refresh_token"].(string), tok["access_token"].(string)
	_, next := e.tokenRequest(refreshForm(rt1), testClientID, testClientSecret, true)
	rt2, at2 := next["refresh_token"].(string), next["access_token"].(string)

	// An unrelated chain of the same user and client is not touched.
	_, other := e.tokenRequest(codeForm(e.signIn(map[string]string{"scope": "openid offline_access"})),
		testClientID, testClientSecret, true)

	resp, body := e.tokenRequest(refreshForm(rt1), testClientID, testClientSecret, true)
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("reused refresh token: got %d %v, want 400 invalid_grant", resp.StatusCode, body)
	}
	resp, body = e.tokenRequest(refreshForm(rt2), testClientID, testClientSecret, true)
	if resp.StatusCode != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("the chain's newest refresh token after the reuse: got %d %v, want 400 invalid_grant", resp.StatusCode, body)
	}
	for name, at := range map[string]string{"first": at1, "refreshed": at2} {
		if got := userinfoStatus(t, e, at); got != http.StatusUnauthorized {
			t.Errorf("the chain's %s access token: userinfo got %d, want 401", name, got)
		}
	}
	if got := userinfoStatus(t, e, other["access_token"].(string)); got != http.StatusOK {
		t.Errorf("another chain's access token: userinfo got %d, want 200", got)
	}
	if resp, body := e.tokenRequest(refreshForm(other["refresh_token"].(string)), testClientID, testClientSecret, true); resp.StatusCode != http.StatusOK {
		t.Errorf("another chain's refresh token: got %d %v, want 200", resp.StatusCode, body)
	}
	if !strings.Contains(e.logs.String(), "refresh token reused") {
		t.Errorf("the reuse is not logged")
	}
}

// TestRefreshErrors: refresh requests that must fail, one rule each.
func TestRefreshErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		form      func(rt string) url.Values
		clientID  string
		secret    string
		prepare   func(e *testEnv, rt string)
		wantError string
		wantScope string // on success
	}{
		{name: "narrower scope is fine", form: func(rt string) url.Values {
			f := refreshForm(rt)
			f.Set("scope", "openid")
			return f
		}, wantScope: "openid"},
		{name: "wider scope", form: func(rt string) url.Values {
			f := refreshForm(rt)
			f.Set("scope", "openid email offline_access")
			return f
		}, wantError: "invalid_scope"},
		{name: "another client's refresh token", clientID: otherClientID, secret: otherClientSecret, wantError: "invalid_grant"},
		{name: "no client authentication", clientID: "-", wantError: "invalid_client"},
		{name: "no refresh_token", form: func(string) url.Values { return url.Values{"grant_type": {"refresh_token"}} },
			wantError: "invalid_request"},
		{name: "unknown refresh token", form: func(string) url.Values { return refreshForm("RT.made-up") }, wantError: "invalid_grant"},
		{name: "expired", prepare: func(e *testEnv, _ string) { e.clock.Advance(10 * time.Second) }, wantError: "invalid_grant"},
		{name: "revoked at /v1/revoke", prepare: func(e *testEnv, rt string) {
			if status, code := e.revokeRequest(url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}},
				testClientID, testClientSecret, true); status != http.StatusOK {
				e.t.Fatalf("revoke: got %d %s", status, code)
			}
		}, wantError: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvConfig(t, &testkeys.Source{}, func(cfg *Config) { cfg.RefreshTokenTTL = 10 * time.Second })
			_, tok := e.tokenRequest(codeForm(e.signIn(map[string]string{"scope": "openid profile offline_access"})),
				testClientID, testClientSecret, true)
			rt := tok["refresh_token"].(string)
			if tt.prepare != nil {
				tt.prepare(e, rt)
			}
			form := refreshForm(rt)
			if tt.form != nil {
				form = tt.form(rt)
			}
			id, secret := testClientID, testClientSecret
			if tt.clientID != "" {
				id, secret = tt.clientID, tt.secret
			}
			if id == "-" {
				id, secret = "", ""
			}
			resp, body := e.tokenRequest(form, id, secret, id != "")
			if tt.wantError == "" {
				if resp.StatusCode != http.StatusOK || body["scope"] != tt.wantScope {
					t.Fatalf("got %d %v, want 200 with scope %q", resp.StatusCode, body, tt.wantScope)
				}
				return
			}
			if body["error"] != tt.wantError {
				t.Fatalf("got %d %v, want error %s", resp.StatusCode, body, tt.wantError)
			}
			if tt.name == "revoked at /v1/revoke" {
				if got := userinfoStatus(t, e, tok["access_token"].(string)); got != http.StatusUnauthorized {
					t.Errorf("the chain's access token after revoking the refresh token: got %d, want 401 (RFC 7009 §2.1)", got)
				}
			}
		})
	}
}

// TestCodeReplayRevokesRefreshChain: a code used twice revokes what it
// bought, the refresh chain included (RFC 6749 §4.1.2).
func TestCodeReplayRevokesRefreshChain(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	code := e.signIn(map[string]string{"scope": "openid offline_access"})
	_, tok := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
	if resp, _ := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed code: got %d, want 400", resp.StatusCode)
	}
	if resp, body := e.tokenRequest(refreshForm(tok["refresh_token"].(string)), testClientID, testClientSecret, true); body["error"] != "invalid_grant" {
		t.Errorf("refresh token bought by a replayed code: got %d %v, want invalid_grant", resp.StatusCode, body)
	}
	if got := userinfoStatus(t, e, tok["access_token"].(string)); got != http.StatusUnauthorized {
		t.Errorf("access token bought by a replayed code: got %d, want 401", got)
	}
}
