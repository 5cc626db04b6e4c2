package doctor

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// TestDevProvider: against the development provider, registered for the
// app, every check passes, in both engines.
func TestDevProvider(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		engine       devprovider.Engine
		wantEngine   string
		wantInteract bool
	}{
		{"identity engine", devprovider.EngineIdentity, "Identity Engine", true},
		{"classic engine", devprovider.EngineClassic, "Classic Engine", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := devOP(t, tc.engine)
			rs := run(t, cfg)
			var got []string
			for _, r := range rs.list {
				got = append(got, r.Check)
				if r.Status != Pass {
					t.Errorf("%s: got %s, want PASS: %s | fix: %s", r.Check, r.Status, r.Detail, r.Fix)
				}
			}
			if !slices.Equal(got, allChecks()) {
				t.Errorf("checks: got %v, want %v", got, allChecks())
			}
			rs.check(t, CheckClient, expect{status: Pass, detail: "invalid_grant"})
			rs.check(t, CheckRedirectURI, expect{status: Pass, detail: "sign-in page"})
			rs.check(t, CheckEngine, expect{status: Pass, detail: tc.wantEngine})
			if got := strings.Contains(rs.by[CheckTrustedOrigin].Detail, "/v1/interact"); got != tc.wantInteract {
				t.Errorf("trusted-origin asks /v1/interact: got %v, want %v (%s)", got, tc.wantInteract, rs.by[CheckTrustedOrigin].Detail)
			}
			rs.noSecrets(t, cfg.ClientSecret)
		})
	}
}

// TestTestProvider provokes each failure through the adversarial test
// provider, one change at a time from a provider and a configuration that
// pass every check.
func TestTestProvider(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		engine string // "idx" unless set; "-" for none
		edit   func(cfg *Config, op *testprovider.Provider)
		mis    testprovider.Misbehaviour
		want   map[string]expect // the others must pass
	}{
		{name: "correct", want: map[string]expect{
			CheckRedirectURI:   {status: Pass, detail: "back to the redirect URI"},
			CheckTrustedOrigin: {status: Pass, detail: "/v1/interact"},
		}},
		{name: "wrong secret", edit: func(cfg *Config, _ *testprovider.Provider) { cfg.ClientSecret = "wrong-secret-0123456789" },
			want: map[string]expect{CheckClient: {status: Fail, detail: "401 invalid_client", fix: "Client secret"}}},
		{name: "unknown client id", edit: func(cfg *Config, _ *testprovider.Provider) { cfg.ClientID = "0oa-unknown" },
			want: map[string]expect{
				CheckClient:      {status: Fail, detail: "were NOT accepted"},
				CheckRedirectURI: {status: Fail, detail: "400", fix: "0oa-unknown"},
			}},
		{name: "unregistered redirect URI", edit: func(cfg *Config, _ *testprovider.Provider) {
			cfg.RedirectURI = "http://localhost:8080/other/callback"
		}, want: map[string]expect{
			CheckRedirectURI: {status: Fail, detail: "refused the redirect URI", fix: "register exactly http://localhost:8080/other/callback"},
		}},
		{name: "no CORS", mis: testprovider.Misbehaviour{NoCORS: true}, want: map[string]expect{
			CheckTrustedOrigin: {status: Fail, detail: "403 without Access-Control-Allow-Origin", fix: "Trusted Origins → Add Origin: " + testAppOrigin},
		}},
		{name: "origin not trusted", edit: func(cfg *Config, _ *testprovider.Provider) { cfg.AppOrigin = "https://app.example.com" },
			want: map[string]expect{CheckTrustedOrigin: {status: Fail, detail: "origin https://app.example.com is not trusted", fix: "https://app.example.com"}}},
		{name: "issuer mismatch: the org server", edit: func(_ *Config, op *testprovider.Provider) {
			op.Misbehave(testprovider.Misbehaviour{DiscoveryIssuer: op.URL()})
		}, want: map[string]expect{
			CheckIssuer: {status: Fail, detail: "discovery names", fix: "org authorization server"},
		}},
		{name: "issuer mismatch: another host", mis: testprovider.Misbehaviour{DiscoveryIssuer: "https://login.example.com/oauth2/default"},
			want: map[string]expect{CheckIssuer: {status: Fail, detail: `"https://login.example.com/oauth2/default"`, fix: "another host name"}}},
		{name: "clock 10 minutes ahead", mis: testprovider.Misbehaviour{ClockSkew: 10 * time.Minute},
			want: map[string]expect{CheckClock: {status: Fail, detail: "ahead", fix: "synchronize"}}},
		{name: "clock 2 minutes behind", mis: testprovider.Misbehaviour{ClockSkew: -2 * time.Minute},
			want: map[string]expect{CheckClock: {status: Warn, detail: "behind", fix: "synchronize"}}},
		{name: "keys down", mis: testprovider.Misbehaviour{JWKS: testprovider.JWKSDown},
			want: map[string]expect{CheckKeys: {status: Fail, detail: "503"}}},
		{name: "keys garbage", mis: testprovider.Misbehaviour{JWKS: testprovider.JWKSGarbage},
			want: map[string]expect{CheckKeys: {status: Fail, detail: "not a JWK Set"}}},
		{name: "authorization code grant not allowed", mis: testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "unauthorized_client"},
			want: map[string]expect{CheckClient: {status: Fail, detail: "unauthorized_client", fix: "Authorization Code"}}},
		{name: "token endpoint answers HTML", mis: testprovider.Misbehaviour{Token: testprovider.TokenNotJSON},
			want: map[string]expect{CheckClient: {status: Fail, detail: "success but no tokens"}}},
		{name: "access denied at authorize", mis: testprovider.Misbehaviour{Authorize: testprovider.AuthorizeAccessDenied},
			want: map[string]expect{CheckRedirectURI: {status: Warn, detail: "registered", fix: "assignments"}}},
		{name: "classic engine", engine: "v1", want: map[string]expect{
			CheckEngine:        {status: Pass, detail: "Classic"},
			CheckTrustedOrigin: {status: Pass, detail: "/api/v1/authn with credentials"},
		}},
		{name: "not Okta", engine: "-", want: map[string]expect{
			CheckEngine:        {status: Skip, detail: "not Okta"},
			CheckTrustedOrigin: {status: Skip, detail: "do not apply"},
		}},
		{name: "issuer path typo", edit: func(cfg *Config, _ *testprovider.Provider) { cfg.Issuer += "x" }, want: map[string]expect{
			CheckDiscovery:     {status: Fail, detail: "404", fix: "typo"},
			CheckIssuer:        {status: Skip},
			CheckEndpoints:     {status: Skip},
			CheckKeys:          {status: Skip},
			CheckClock:         {status: Skip},
			CheckClient:        {status: Skip},
			CheckRedirectURI:   {status: Skip},
			CheckTrustedOrigin: {status: Fail, detail: "/oauth2/defaultx/v1/interact"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			engine := tc.engine
			switch engine {
			case "":
				engine = "idx"
			case "-":
				engine = ""
			}
			op := testprovider.New(t, testprovider.Config{RedirectURI: testRedirectURI, Engine: engine, TrustedOrigins: []string{testAppOrigin}})
			op.Misbehave(tc.mis)
			cfg := Config{
				Issuer: op.Issuer(), ClientID: op.ClientID(), ClientSecret: op.ClientSecret(), RedirectURI: testRedirectURI,
				OrgURL: op.URL(), AppOrigin: testAppOrigin, Leeway: 5 * time.Minute,
			}
			if tc.edit != nil {
				tc.edit(&cfg, op)
			}
			rs := run(t, cfg)
			for _, c := range allChecks() {
				want, ok := tc.want[c]
				if !ok {
					want = expect{status: Pass}
				}
				rs.check(t, c, want)
			}
			rs.noSecrets(t, append(op.Issued(), op.ClientSecret())...)

			// Nothing changed on the provider: at most one token request,
			// for a code it never issued, and no code redeemed.
			trs := op.TokenRequests()
			if len(trs) > 1 {
				t.Errorf("got %d token requests, want at most 1", len(trs))
			}
			for _, tr := range trs {
				if slices.Contains(op.Issued(), tr.Code) || tr.ClientAuth != "client_secret_basic" || tr.RedirectURI != cfg.RedirectURI {
					t.Errorf("token request: got code issued %v, auth %s, redirect_uri %q; want a made-up code, client_secret_basic, %q",
						slices.Contains(op.Issued(), tr.Code), tr.ClientAuth, tr.RedirectURI, cfg.RedirectURI)
				}
			}
			if got := len(op.UserInfoRequests()); got != 0 {
				t.Errorf("got %d userinfo requests, want 0", got)
			}
		})
	}
}

// TestOddProviders provokes what neither provider can be made to do, with
// a small provider whose routes each case replaces.
func TestOddProviders(t *testing.T) {
	t.Parallel()
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const token = "eyJhbGciOiJSUzI1NiJ9.made-up-token.signature"
	status := func(code int, header map[string]string, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for k, v := range header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body)) // test server
		}
	}
	dated := func(skew time.Duration) func(f *fakeOP) {
		return func(f *fakeOP) {
			disc := f.routes["GET /oauth2/default/.well-known/openid-configuration"]
			f.routes["GET /oauth2/default/.well-known/openid-configuration"] = func(w http.ResponseWriter, r *http.Request) {
				if skew == 0 {
					w.Header()["Date"] = nil // net/http then sends none
				} else {
					w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
				}
				disc(w, r)
			}
		}
	}
	for _, tc := range []struct {
		name   string
		leeway time.Duration // 5m unless set
		edit   func(f *fakeOP)
		want   map[string]expect // the others must pass
	}{
		{name: "correct", want: map[string]expect{CheckEndpoints: {status: Pass, detail: "end_session_endpoint"}}},
		{name: "no usable key", edit: func(f *fakeOP) {
			pub := func(k any, kid, alg, use string) jose.JSONWebKey {
				return jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: alg, Use: use}
			}
			rsaKey := &short.PublicKey
			set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
				pub(&ec.PublicKey, "ec", "ES256", "sig"),
				pub(rsaKey, "enc", "RSA-OAEP", "enc"),
				pub(rsaKey, "ps", "PS256", "sig"),
				pub(rsaKey, "", "RS256", "sig"),
				pub(rsaKey, "short", "RS256", "sig"),
			}}
			f.routes["GET /oauth2/default/v1/keys"] = func(w http.ResponseWriter, r *http.Request) { writeJSON(t, w, 200, set) }
		}, want: map[string]expect{CheckKeys: {status: Fail,
			detail: `5 keys at http://127.0.0.1:`,
			fix:    "RS256"}}},
		{name: "no keys", edit: func(f *fakeOP) {
			f.routes["GET /oauth2/default/v1/keys"] = status(200, nil, `{"keys":[]}`)
		}, want: map[string]expect{CheckKeys: {status: Fail, detail: "0 keys"}}},
		{name: "no token endpoint", edit: func(f *fakeOP) { delete(f.disc, "token_endpoint") }, want: map[string]expect{
			CheckEndpoints: {status: Fail, detail: "missing: token_endpoint"},
			CheckClient:    {status: Skip, detail: "no token_endpoint"},
		}},
		{name: "no userinfo", edit: func(f *fakeOP) { delete(f.disc, "userinfo_endpoint") },
			want: map[string]expect{CheckEndpoints: {status: Warn, detail: "no userinfo_endpoint"}}},
		{name: "no end_session", edit: func(f *fakeOP) { delete(f.disc, "end_session_endpoint") },
			want: map[string]expect{CheckEndpoints: {status: Pass, detail: "note: no end_session_endpoint"}}},
		{name: "no client_secret_basic", edit: func(f *fakeOP) {
			f.disc["token_endpoint_auth_methods_supported"] = []string{"private_key_jwt"}
		}, want: map[string]expect{CheckEndpoints: {status: Fail, detail: "leaves out client_secret_basic"}}},
		{name: "discovery is a web page", edit: func(f *fakeOP) {
			f.routes["GET /oauth2/default/.well-known/openid-configuration"] = status(200, map[string]string{"Content-Type": "text/html"}, "<html>hello</html>")
		}, want: map[string]expect{
			CheckDiscovery: {status: Fail, detail: "not a discovery document"},
			CheckIssuer:    {status: Skip}, CheckEndpoints: {status: Skip}, CheckKeys: {status: Skip},
			CheckClock: {status: Skip}, CheckClient: {status: Skip}, CheckRedirectURI: {status: Skip},
		}},
		{name: "discovery redirects", edit: func(f *fakeOP) {
			f.routes["GET /oauth2/default/.well-known/openid-configuration"] = status(302, map[string]string{"Location": "/login"}, "")
		}, want: map[string]expect{
			CheckDiscovery: {status: Fail, detail: "302 Found (no Content-Type) to /login"},
			CheckIssuer:    {status: Skip}, CheckEndpoints: {status: Skip}, CheckKeys: {status: Skip},
			CheckClock: {status: Skip}, CheckClient: {status: Skip}, CheckRedirectURI: {status: Skip},
		}},
		{name: "Okta's redirect_uri error page", edit: func(f *fakeOP) {
			f.routes["GET /oauth2/default/v1/authorize"] = status(400, map[string]string{"Content-Type": "text/html"},
				`<html><p>Identity Provider: Unknown</p><p>Error Code: invalid_request</p><p>Description: The &#39;redirect_uri&#39; parameter must be a Login redirect URI in the client app settings</p></html>`)
		}, want: map[string]expect{CheckRedirectURI: {status: Fail, detail: "refused the redirect URI", fix: "Sign-in redirect URI"}}},
		{name: "redirect to an error page", edit: func(f *fakeOP) {
			f.routes["GET /oauth2/default/v1/authorize"] = status(302, map[string]string{
				"Location": "/oauth2/v1/error?error=invalid_request&error_description=The+redirect_uri+is+not+registered"}, "")
		}, want: map[string]expect{CheckRedirectURI: {status: Fail, detail: "error=invalid_request The redirect_uri is not registered", fix: "Sign-in redirect URI"}}},
		{name: "unknown client at authorize", edit: func(f *fakeOP) {
			f.routes["GET /oauth2/default/v1/authorize"] = status(400, map[string]string{"Content-Type": "text/html"},
				`<html>Invalid value for 'client_id' parameter.</html>`)
		}, want: map[string]expect{CheckRedirectURI: {status: Fail, detail: "refused the client id", fix: "does not know the client id " + fakeClientID}}},
		{name: "redirect to the sign-in page", edit: func(f *fakeOP) {
			f.routes["GET /oauth2/default/v1/authorize"] = status(302, map[string]string{"Location": "/login/login.htm?fromURI=%2Fsecret-looking"}, "")
			f.routes["GET /login/login.htm"] = status(200, map[string]string{"Content-Type": "text/html"}, "<html>sign in</html>")
		}, want: map[string]expect{CheckRedirectURI: {status: Pass, detail: "/login/login.htm, then 200, the provider shows its sign-in page"}}},
		{name: "redirect to another origin", edit: func(f *fakeOP) {
			f.routes["GET /oauth2/default/v1/authorize"] = status(302, map[string]string{"Location": "https://idp.example.com/login?fromURI=secret-looking"}, "")
		}, want: map[string]expect{CheckRedirectURI: {status: Pass, detail: "302 on to sign in at https://idp.example.com/login"}}},
		{name: "refused on the page it redirects to, as Dex does", edit: func(f *fakeOP) {
			f.routes["GET /oauth2/default/v1/authorize"] = status(302, map[string]string{"Location": "/oauth2/default/auth/local?req=abc"}, "")
			f.routes["GET /oauth2/default/auth/local"] = status(400, map[string]string{"Content-Type": "text/html"},
				`<html>Bad Request: Unregistered redirect_uri ("http://localhost:8080/authorization-code/callback").</html>`)
		}, want: map[string]expect{CheckRedirectURI: {status: Fail, detail: "/auth/local, then 400 Bad Request", fix: "Sign-in redirect URI"}}},
		{name: "redirects without end", edit: func(f *fakeOP) {
			f.routes["GET /oauth2/default/v1/authorize"] = status(302, map[string]string{"Location": "/oauth2/default/v1/authorize"}, "")
		}, want: map[string]expect{CheckRedirectURI: {status: Warn, detail: "stopped after 6 redirects"}}},
		{name: "401 without an error object", edit: func(f *fakeOP) {
			f.routes["POST /oauth2/default/v1/token"] = status(401, nil, "")
		}, want: map[string]expect{CheckClient: {status: Fail, detail: "answered 401: the client id and secret were NOT accepted"}}},
		{name: "tokens for a made-up code", edit: func(f *fakeOP) {
			f.routes["POST /oauth2/default/v1/token"] = status(200, map[string]string{"Content-Type": "application/json"},
				`{"access_token":"`+token+`","token_type":"Bearer","id_token":"`+token+`"}`)
		}, want: map[string]expect{CheckClient: {status: Fail, detail: "answered a made-up authorization code with tokens"}}},
		{name: "an error that echoes the secret", edit: func(f *fakeOP) {
			f.routes["POST /oauth2/default/v1/token"] = status(400, map[string]string{"Content-Type": "application/json"},
				`{"error":"invalid_grant","error_description":"bad code for secret `+fakeSecret+`"}`)
		}, want: map[string]expect{CheckClient: {status: Pass, detail: "bad code for secret [client secret]"}}},
		{name: "control characters in an error", edit: func(f *fakeOP) {
			f.routes["POST /oauth2/default/v1/token"] = status(400, map[string]string{"Content-Type": "application/json"},
				`{"error":"invalid_grant","error_description":"bad\u001b[2J\nPASS  fake"}`)
		}, want: map[string]expect{CheckClient: {status: Pass, detail: "bad?[2J?PASS  fake"}}},
		{name: "unknown pipeline", edit: func(f *fakeOP) {
			f.routes["GET /.well-known/okta-organization"] = status(200, nil, `{"pipeline":"v9"}`)
		}, want: map[string]expect{CheckEngine: {status: Warn, detail: `pipeline "v9"`}}},
		{name: "organization document fails", edit: func(f *fakeOP) {
			f.routes["GET /.well-known/okta-organization"] = status(503, nil, "")
		}, want: map[string]expect{
			CheckEngine:        {status: Fail, detail: "503"},
			CheckTrustedOrigin: {status: Skip, detail: "needs the engine"},
		}},
		{name: "wildcard origin", edit: func(f *fakeOP) {
			f.routes["OPTIONS /api/v1/authn"] = status(204, map[string]string{"Access-Control-Allow-Origin": "*"}, "")
		}, want: map[string]expect{CheckTrustedOrigin: {status: Fail, detail: `Access-Control-Allow-Origin "*", not the app's origin`}}},
		{name: "origin without credentials", edit: func(f *fakeOP) {
			f.routes["OPTIONS /api/v1/authn"] = status(204, map[string]string{"Access-Control-Allow-Origin": testAppOrigin}, "")
		}, want: map[string]expect{CheckTrustedOrigin: {status: Fail, detail: "not credentials"}}},
		{name: "no Date header", edit: dated(0), want: map[string]expect{CheckClock: {status: Skip, detail: "no Date header"}}},
		{name: "clock 20 s ahead", edit: dated(20 * time.Second), want: map[string]expect{CheckClock: {status: Pass, detail: "ahead"}}},
		{name: "clock 45 s behind", edit: dated(-45 * time.Second), want: map[string]expect{CheckClock: {status: Warn, detail: "behind"}}},
		{name: "clock 20 s ahead, leeway 10 s", leeway: 10 * time.Second, edit: dated(20 * time.Second),
			want: map[string]expect{CheckClock: {status: Fail, detail: "beyond the leeway of 10s"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeOP(t)
			if tc.edit != nil {
				tc.edit(f)
			}
			cfg := f.config()
			if tc.leeway != 0 {
				cfg.Leeway = tc.leeway
			}
			rs := run(t, cfg)
			for _, c := range allChecks() {
				want, ok := tc.want[c]
				if !ok {
					want = expect{status: Pass}
				}
				rs.check(t, c, want)
			}
			rs.noSecrets(t, fakeSecret, token, "\x1b", "\n", "secret-looking")
		})
	}
}

// TestUnusableKeys: each key that cannot verify an RS256 id_token says why.
func TestUnusableKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, jwk, want string }{
		{"EC", `{"kty":"EC","kid":"a","crv":"P-256","x":"x","y":"y"}`, `kty "EC", not RSA`},
		{"encryption", `{"kty":"RSA","kid":"a","use":"enc","n":"AQAB","e":"AQAB"}`, `use "enc", not sig`},
		{"PS256", `{"kty":"RSA","kid":"a","alg":"PS256","n":"AQAB","e":"AQAB"}`, `alg "PS256", not RS256`},
		{"no kid", `{"kty":"RSA","n":"AQAB","e":"AQAB"}`, "no kid"},
		{"short", `{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB"}`, "17 bits, shorter than 2048"},
		{"broken", `{"kty":"RSA","kid":"a","n":"!!","e":"AQAB"}`, "does not parse"},
		{"not an object", `[1]`, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := usableKey([]byte(tc.jwk)); !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

// TestIssuerMismatchFix: the fix names the kind of difference.
func TestIssuerMismatchFix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, want, got, fix string }{
		{"custom vs org server", "https://dev-1.okta.com/oauth2/default", "https://dev-1.okta.com", "org authorization server"},
		{"org vs custom server", "https://dev-1.okta.com", "https://dev-1.okta.com/oauth2/default", "org authorization server"},
		{"trailing slash", "https://idp.example/", "https://idp.example", "trailing slash"},
		{"scheme", "http://127.0.0.1:9/dex", "https://127.0.0.1:9/dex", "scheme"},
		{"host", "https://login.example.com/oauth2/default", "https://dev-1.okta.com/oauth2/default", "another host name"},
		{"server", "https://dev-1.okta.com/oauth2/default", "https://dev-1.okta.com/oauth2/aus1", "different authorization servers"},
		{"none", "https://dev-1.okta.com/oauth2/default", "", "no issuer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fix := issuerMismatchFix(tc.want, tc.got)
			if !strings.Contains(fix, tc.fix) {
				t.Errorf("got %q, want it to contain %q", fix, tc.fix)
			}
			if tc.got != "" && !strings.Contains(fix, `"`+tc.got+`"`) {
				t.Errorf("got %q, want it to name the issuer to set, %q", fix, tc.got)
			}
		})
	}
}

// TestInteractURL: where the widget starts an Identity Engine interaction.
func TestInteractURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ issuer, want string }{
		{"https://dev-1.okta.com/oauth2/default", "https://dev-1.okta.com/oauth2/default/v1/interact"},
		{"https://dev-1.okta.com", "https://dev-1.okta.com/oauth2/v1/interact"},
	} {
		if got := interactURL(tc.issuer); got != tc.want {
			t.Errorf("interactURL(%q): got %q, want %q", tc.issuer, got, tc.want)
		}
	}
}

// TestClean: provider text is one printable line, cut to length.
func TestClean(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 10, "plain"},
		{"a\nb\rc\x1b[0m\u202e", 20, "a?b?c?[0m?"},
		{"abcdef", 3, "abc…"},
		{"été", 2, "ét…"},
	} {
		if got := clean(tc.in, tc.max); got != tc.want {
			t.Errorf("clean(%q, %d): got %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}
