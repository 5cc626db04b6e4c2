package auth_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/leakcheck"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// TestBeginAuthorizationRequest checks what goes to the provider: a fresh
// state and nonce per login, an S256 PKCE challenge, the scopes; and what
// stays in the browser's sealed cookie: the verifier and the return-to.
func TestBeginAuthorizationRequest(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)

	seen := map[string]bool{}
	for range 3 {
		l, cookies, err := begin(rp, "/somewhere")
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		u, err := url.Parse(l.URL)
		if err != nil {
			t.Fatalf("authorize URL: %v", err)
		}
		if len(cookies) != 1 {
			t.Fatalf("Begin set %d cookies, want 1", len(cookies))
		}
		tx, err := rp.OpenTransactionCookie(cookies[0])
		if err != nil {
			t.Fatalf("opening the transaction cookie: %v", err)
		}
		q := u.Query()
		for name, want := range map[string]string{
			"response_type":         "code",
			"client_id":             op.ClientID(),
			"redirect_uri":          testRedirectURI,
			"scope":                 "openid email profile",
			"state":                 l.State,
			"nonce":                 l.Nonce,
			"code_challenge_method": "S256",
			"code_challenge":        l.CodeChallenge,
		} {
			if got := q.Get(name); got != want {
				t.Errorf("%s: got %q, want %q", name, got, want)
			}
		}
		if tx.State != l.State || tx.Nonce != l.Nonce || s256(tx.Verifier) != l.CodeChallenge {
			t.Errorf("cookie holds state %q nonce %q challenge %q; want the Login's %q %q %q",
				tx.State, tx.Nonce, s256(tx.Verifier), l.State, l.Nonce, l.CodeChallenge)
		}
		if q.Has("code_verifier") || strings.Contains(l.URL, tx.Verifier) || strings.Contains(cookies[0].Value, tx.Verifier) {
			t.Errorf("the PKCE verifier leaked into the authorize URL %q or the cookie in clear", l.URL)
		}
		if tx.ReturnTo != "/somewhere" {
			t.Errorf("ReturnTo: got %q, want %q", tx.ReturnTo, "/somewhere")
		}
		for _, v := range []string{tx.State, tx.Nonce, tx.Verifier} {
			if len(v) < 43 {
				t.Errorf("secret %q: got %d characters, want at least 43 (256 bits)", v, len(v))
			}
			if seen[v] {
				t.Errorf("secret %q repeated across logins", v)
			}
			seen[v] = true
		}
	}
}

// TestBeginDropsUnsafeReturnTo: a return-to that is not a path on this
// origin never reaches the cookie, so Identity.ReturnTo is empty.
func TestBeginDropsUnsafeReturnTo(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)
	for _, tt := range []struct{ name, in, want string }{
		{"path", "/p?x=1", "/p?x=1"},
		{"empty", "", ""},
		{"other origin", "https://evil.example/", ""},
		{"scheme-relative", "//evil.example", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, cookies, err := begin(rp, tt.in)
			if err != nil {
				t.Fatalf("Begin: %v", err)
			}
			id, _, err := finish(rp, authorize(t, l.URL), cookies...)
			if err != nil {
				t.Fatalf("Finish: %v", err)
			}
			if id.ReturnTo != tt.want {
				t.Errorf("Begin(%q): got ReturnTo %q, want %q", tt.in, id.ReturnTo, tt.want)
			}
		})
	}
}

// TestTokenRequest checks the exchange itself: client_secret_basic, the
// PKCE verifier matching the challenge, the registered redirect_uri, and
// userinfo called with the access token in the Authorization header.
func TestTokenRequest(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)

	id, err := login(t, rp)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	trs := op.TokenRequests()
	if len(trs) != 1 {
		t.Fatalf("got %d token requests, want 1", len(trs))
	}
	tr := trs[0]
	if tr.ClientAuth != "client_secret_basic" || !tr.SecretOK {
		t.Errorf("client authentication: got %q (secret ok %v), want client_secret_basic with the right secret", tr.ClientAuth, tr.SecretOK)
	}
	if tr.GrantType != "authorization_code" || tr.RedirectURI != testRedirectURI {
		t.Errorf("got grant_type %q redirect_uri %q, want authorization_code and %q", tr.GrantType, tr.RedirectURI, testRedirectURI)
	}
	if id.Grant != "authorization_code" || id.StartPath != testLoginPath {
		t.Errorf("identity: got grant %q start path %q, want authorization_code and %q", id.Grant, id.StartPath, testLoginPath)
	}
	authz := op.AuthorizeRequests()[0]
	if got, want := s256(tr.CodeVerifier), authz.Get("code_challenge"); tr.CodeVerifier == "" || got != want {
		t.Errorf("code_verifier: S256 got %q, want the challenge %q", got, want)
	}

	uis := op.UserInfoRequests()
	if len(uis) != 1 {
		t.Fatalf("got %d userinfo requests, want 1", len(uis))
	}
	if !uis[0].BearerValid || uis[0].TokenInQuery {
		t.Errorf("userinfo request: got %+v, want a valid Bearer header and no token in the URL", uis[0])
	}
	if id.UserInfoErr != nil || id.UserInfoClaims["zoneinfo"] != "Europe/Paris" {
		t.Errorf("userinfo claims: got %v (err %v), want the provider's, with zoneinfo", id.UserInfoClaims, id.UserInfoErr)
	}
	if id.RawIDToken == "" || id.IDTokenClaims["sub"] != testprovider.DefaultSubject {
		t.Errorf("id_token claims: got %v, want sub %q and the raw token kept", id.IDTokenClaims, testprovider.DefaultSubject)
	}
}

// TestFinishOrder checks that everything that can be checked without the
// network is checked before the code is exchanged: RFC 9207 iss, a
// provider error, a missing code.
func TestFinishOrder(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)
	iss := op.Issuer()

	tests := []struct {
		name  string
		query func(state string) url.Values
		want  func(t *testing.T, err error)
	}{
		{
			name: "iss of another issuer",
			query: func(s string) url.Values {
				return url.Values{"state": {s}, "code": {"c"}, "iss": {testprovider.WrongIssuer}}
			},
			want: wantIssuerMismatch(false),
		},
		{
			name:  "iss empty",
			query: func(s string) url.Values { return url.Values{"state": {s}, "code": {"c"}, "iss": {""}} },
			want:  wantIssuerMismatch(false),
		},
		{
			name:  "iss missing while discovery advertises it",
			query: func(s string) url.Values { return url.Values{"state": {s}, "code": {"c"}} },
			want:  wantIssuerMismatch(true),
		},
		{
			name: "iss wrong and an error: the issuer is checked first",
			query: func(s string) url.Values {
				return url.Values{"state": {s}, "error": {"access_denied"}, "iss": {testprovider.WrongIssuer}}
			},
			want: wantIssuerMismatch(false),
		},
		{
			name: "provider error, with its description",
			query: func(s string) url.Values {
				return url.Values{"state": {s}, "error": {"access_denied"}, "error_description": {"User not \"assigned\"\n"}, "iss": {iss}}
			},
			want: func(t *testing.T, err error) {
				ae := wantError(t, err, "callback", "error")
				if ae.Code != "access_denied" || ae.Description != "User not \"assigned\"\n" {
					t.Fatalf("got Code %q Description %q, want access_denied and the description", ae.Code, ae.Description)
				}
				// The description reaches the log, escaped.
				if want := `error_description "User not \"assigned\"\n"`; !strings.Contains(err.Error(), want) {
					t.Fatalf("got error text %q, want it to contain %s", err, want)
				}
			},
		},
		{
			name:  "missing code",
			query: func(s string) url.Values { return url.Values{"state": {s}, "iss": {iss}} },
			want: func(t *testing.T, err error) {
				wantError(t, err, "callback", "code")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, cookies := mustBegin(t, rp)
			before := len(op.TokenRequests())
			id, _, err := finish(rp, tt.query(l.State), cookies...)
			if id != nil {
				t.Errorf("got identity %+v, want nil", id)
			}
			tt.want(t, err)
			if got := len(op.TokenRequests()) - before; got != 0 {
				t.Errorf("got %d token requests, want 0", got)
			}
		})
	}

	// The same through the provider's own redirects.
	for _, tc := range []struct {
		name string
		b    testprovider.AuthorizeBehaviour
		want func(t *testing.T, err error)
	}{
		{"provider sends a wrong iss", testprovider.AuthorizeWrongIss, wantIssuerMismatch(false)},
		{"provider omits the advertised iss", testprovider.AuthorizeNoIss, wantIssuerMismatch(true)},
		{"provider denies access", testprovider.AuthorizeAccessDenied, func(t *testing.T, err error) {
			ae := wantError(t, err, "callback", "error")
			if ae.Code != "access_denied" || ae.Description == "" {
				t.Fatalf("got Code %q Description %q, want access_denied with the provider's description", ae.Code, ae.Description)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op.Misbehave(testprovider.Misbehaviour{Authorize: tc.b})
			t.Cleanup(func() { op.Misbehave(testprovider.Misbehaviour{}) })
			before := len(op.TokenRequests())
			_, err := login(t, rp)
			tc.want(t, err)
			if got := len(op.TokenRequests()) - before; got != 0 {
				t.Errorf("got %d token requests, want 0", got)
			}
		})
	}
}

func wantIssuerMismatch(missing bool) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		ae := wantError(t, err, "callback", "iss")
		if got := strings.Contains(ae.Error(), "has no iss parameter"); got != missing {
			t.Fatalf("got %q: says the iss is missing %v, want %v", ae, got, missing)
		}
		if ae.Want == "" || ae.Got == ae.Want {
			t.Fatalf("got Got %q Want %q, want the configured issuer and something else", ae.Got, ae.Want)
		}
	}
}

// TestIssParameterNotAdvertised: a provider without RFC 9207 sends no iss,
// and the login works; one that sends a wrong iss anyway is still refused.
func TestIssParameterNotAdvertised(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{NoIssParameter: true})
	rp := newRP(t, op, nil)
	if _, err := login(t, rp); err != nil {
		t.Fatalf("login without iss from a provider that does not advertise it: got %v, want success", err)
	}
	op.Misbehave(testprovider.Misbehaviour{Authorize: testprovider.AuthorizeWrongIss})
	_, err := login(t, rp)
	wantIssuerMismatch(false)(t, err)
}

// TestExchangeErrors drives the token endpoint's failures. Each ends in a
// token *auth.Error within bounded time, makes no userinfo call, puts neither
// the code nor the client secret in the error text, and leaks no
// goroutine.
func TestExchangeErrors(t *testing.T) {
	op := newProvider(t, testprovider.Config{})
	// A short client timeout bounds the hanging endpoint.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Timeout: time.Second, Transport: tr}
	rp := newRP(t, op, func(c *auth.Config) { c.HTTPClient = client })
	if _, err := login(t, rp); err != nil { // warm up: discovery, keys, connections
		t.Fatalf("warm-up login: %v", err)
	}
	before := leakcheck.Settled(tr.CloseIdleConnections)

	tests := []struct {
		name      string
		mis       testprovider.Misbehaviour
		wantOAuth string
	}{
		{name: "OAuth error invalid_grant", mis: testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "invalid_grant"}, wantOAuth: "invalid_grant"},
		{name: "OAuth error invalid_client", mis: testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "invalid_client"}, wantOAuth: "invalid_client"},
		{name: "not JSON", mis: testprovider.Misbehaviour{Token: testprovider.TokenNotJSON}},
		{name: "20 MB body", mis: testprovider.Misbehaviour{Token: testprovider.TokenHuge}},
		{name: "hang", mis: testprovider.Misbehaviour{Token: testprovider.TokenHang}},
		{name: "no id_token", mis: testprovider.Misbehaviour{Token: testprovider.TokenNoIDToken}},
		{name: "token_type MAC", mis: testprovider.Misbehaviour{TokenType: "MAC"}},
		{name: "token_type blank", mis: testprovider.Misbehaviour{TokenType: " "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op.Misbehave(tt.mis)
			tokenBefore, uiBefore := len(op.TokenRequests()), len(op.UserInfoRequests())
			start := time.Now()
			id, err := login(t, rp)
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("Finish took %s, want it bounded by the client timeout (well under 10s)", elapsed)
			}
			check := "response"
			if tt.wantOAuth != "" {
				check = "error"
			}
			ae := wantError(t, err, "token", check)
			if id != nil {
				t.Errorf("got identity %+v, want nil", id)
			}
			if ae.Code != tt.wantOAuth {
				t.Errorf("Code: got %q, want %q", ae.Code, tt.wantOAuth)
			}
			if got := len(op.TokenRequests()) - tokenBefore; got != 1 {
				t.Errorf("got %d token requests, want 1", got)
			}
			if got := len(op.UserInfoRequests()) - uiBefore; got != 0 {
				t.Errorf("got %d userinfo requests, want 0", got)
			}
			code := op.TokenRequests()[len(op.TokenRequests())-1].Code
			for _, secret := range []string{code, op.ClientSecret()} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error text %q contains a secret %q", err, secret)
				}
			}
		})
	}
	op.Misbehave(testprovider.Misbehaviour{})
	if _, err := login(t, rp); err != nil {
		t.Fatalf("login after the faults: got %v, want success", err)
	}
	leakcheck.Check(t, before, tr.CloseIdleConnections)
}

// TestTokenTypeCaseInsensitive: RFC 6749 7.1 token types are
// case-insensitive, so "bearer" is Bearer.
func TestTokenTypeCaseInsensitive(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	op.Misbehave(testprovider.Misbehaviour{TokenType: "bearer"})
	if _, err := login(t, newRP(t, op, nil)); err != nil {
		t.Fatalf("token_type bearer: got %v, want success", err)
	}
}

// TestUserInfo covers the userinfo call: another user's sub is fatal (OIDC
// Core 5.3.2); an error or a hang is not, and leaves the id_token claims.
func TestUserInfo(t *testing.T) {
	op := newProvider(t, testprovider.Config{})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Timeout: time.Second, Transport: tr}
	rp := newRP(t, op, func(c *auth.Config) { c.HTTPClient = client })
	if _, err := login(t, rp); err != nil {
		t.Fatalf("warm-up login: %v", err)
	}
	before := leakcheck.Settled(tr.CloseIdleConnections)

	t.Run("sub differs", func(t *testing.T) {
		op.Misbehave(testprovider.Misbehaviour{UserInfo: testprovider.UserInfoOtherSubject})
		id, err := login(t, rp)
		ae := wantError(t, err, "userinfo", "sub")
		if id != nil {
			t.Errorf("got identity %+v, want nil: no session for a mismatched userinfo", id)
		}
		if ae.Want != testprovider.DefaultSubject || ae.Got == ae.Want {
			t.Errorf("got Got %q Want %q, want the two different subjects", ae.Got, ae.Want)
		}
	})
	for _, tc := range []struct {
		name string
		b    testprovider.UserInfoBehaviour
	}{
		{"error", testprovider.UserInfoError},
		{"hang", testprovider.UserInfoHang},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op.Misbehave(testprovider.Misbehaviour{UserInfo: tc.b})
			start := time.Now()
			id, err := login(t, rp)
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("Finish took %s, want it bounded by the client timeout", elapsed)
			}
			if err != nil {
				t.Fatalf("got %v, want a login with id_token claims only", err)
			}
			if id.UserInfoErr == nil || id.UserInfoClaims != nil {
				t.Errorf("got UserInfoErr %v claims %v, want an error and no claims", id.UserInfoErr, id.UserInfoClaims)
			}
			if id.IDTokenClaims["email"] == nil {
				t.Errorf("got id_token claims %v, want them kept", id.IDTokenClaims)
			}
			for _, c := range id.Claims() {
				if c.Source != "id_token" {
					t.Errorf("claim %s: got source %q, want %q", c.Name, c.Source, "id_token")
				}
			}
		})
	}
	op.Misbehave(testprovider.Misbehaviour{})
	leakcheck.Check(t, before, tr.CloseIdleConnections)
}

// TestReplayedCallback: a callback is finished once. Replayed by the same
// browser (whose cookie Finish deleted), or with a copy of the cookie, it
// is refused before any token request; many copies at once let exactly
// one through.
func TestReplayedCallback(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)
	l, cookies := mustBegin(t, rp)
	q := authorize(t, l.URL)
	_, set, err := finish(rp, q, cookies...)
	if err != nil {
		t.Fatalf("first Finish: %v", err)
	}
	if len(set) != 1 || set[0].Name != cookies[0].Name || set[0].MaxAge >= 0 {
		t.Errorf("Finish set cookies %v, want %s deleted", set, cookies[0].Name)
	}
	before := len(op.TokenRequests())
	for _, tt := range []struct {
		name    string
		cookies []*http.Cookie
	}{
		{"same browser, cookie deleted", nil},
		{"copy of the cookie", cookies},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := finish(rp, q, tt.cookies...); !errors.Is(err, auth.ErrUnknownTransaction) {
				t.Fatalf("replay: got %v, want ErrUnknownTransaction", err)
			}
		})
	}
	if got := len(op.TokenRequests()) - before; got != 0 {
		t.Errorf("replays made %d token requests, want 0", got)
	}

	t.Run("copies at once", func(t *testing.T) {
		l, cookies := mustBegin(t, rp)
		q := authorize(t, l.URL)
		const copies = 8
		errs := make(chan error, copies)
		var wg sync.WaitGroup
		for range copies {
			wg.Go(func() {
				_, _, err := finish(rp, q, cookies...)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		var ok, refused int
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, auth.ErrUnknownTransaction):
				refused++
			default:
				t.Errorf("got %v, want success or ErrUnknownTransaction", err)
			}
		}
		if ok != 1 || refused != copies-1 {
			t.Errorf("got %d logins and %d refusals, want 1 and %d", ok, refused, copies-1)
		}
	})
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
