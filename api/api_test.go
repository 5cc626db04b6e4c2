package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/api"
	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// The challenges of RFC 6750 3, exactly as the API sends them.
const (
	challengeOnly = `Bearer realm="api"`
	invalidToken  = `Bearer realm="api", error="invalid_token", error_description="`
	invalidReq    = `Bearer realm="api", error="invalid_request", error_description="`
	noScope       = `Bearer realm="api", error="insufficient_scope", error_description="the access token lacks the scope this API requires", scope="openid"`
)

// TestTokenRules sends one request per rule the API enforces, and checks
// the status, the challenge, the JSON error and that the answer never
// repeats the token.
func TestTokenRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	now := testNow()
	good := f.token(t, nil, testprovider.SignPublished, nil)
	unix := func(d time.Duration) int64 { return now.Add(d).Unix() }
	tok := func(edit func(map[string]any)) string { return f.token(t, edit, testprovider.SignPublished, nil) }
	signed := func(s testprovider.Signing) string { return f.token(t, nil, s, nil) }
	withHeader := func(edit func(*testprovider.Header)) string {
		return f.token(t, nil, testprovider.SignPublished, edit)
	}

	tests := []struct {
		name      string
		header    http.Header
		query     string
		status    int
		challenge string // exact, or a prefix when it ends with `="`
		errCode   string
		rule      string // the rule the log names
	}{
		{name: "good token", header: bearer("Bearer " + good), status: http.StatusOK},
		// RFC 9110 11.1: the scheme is case-insensitive.
		{name: "lowercase bearer", header: bearer("bearer " + good), status: http.StatusOK},
		{name: "uppercase bearer", header: bearer("BEARER " + good), status: http.StatusOK},
		{name: "two spaces after the scheme", header: bearer("Bearer  " + good), status: http.StatusOK},
		{name: "web app's client", header: bearer("Bearer " + tok(func(c map[string]any) { c["cid"] = webClient })), status: http.StatusOK},
		{name: "scp as one string", header: bearer("Bearer " + tok(func(c map[string]any) { c["scp"] = "profile openid" })), status: http.StatusOK},
		{name: "RFC 9068 scope and client_id", header: bearer("Bearer " + tok(func(c map[string]any) {
			delete(c, "scp")
			delete(c, "cid")
			c["scope"] = "openid email"
			c["client_id"] = spaClient
		})), status: http.StatusOK},
		{name: "typ at+jwt", header: bearer("Bearer " + withHeader(func(h *testprovider.Header) { h.Typ = "at+jwt" })), status: http.StatusOK},
		{name: "expired within the leeway", header: bearer("Bearer " + tok(func(c map[string]any) { c["exp"] = unix(-leeway + time.Second) })), status: http.StatusOK},
		{name: "nbf within the leeway", header: bearer("Bearer " + tok(func(c map[string]any) { c["nbf"] = unix(leeway - time.Second) })), status: http.StatusOK},

		{name: "missing header", header: nil, status: http.StatusUnauthorized, challenge: challengeOnly, errCode: "unauthorized", rule: "no_token"},
		{name: "another scheme", header: bearer("Basic YWxpY2U6cGFzc3dvcmQ="), status: http.StatusUnauthorized, challenge: challengeOnly, errCode: "unauthorized", rule: "other_scheme"},
		{name: "token without a scheme", header: bearer(good), status: http.StatusUnauthorized, challenge: challengeOnly, errCode: "unauthorized", rule: "other_scheme"},
		{name: "malformed: scheme alone", header: bearer("Bearer"), status: http.StatusBadRequest, challenge: invalidReq, errCode: "invalid_request", rule: "malformed_header"},
		{name: "malformed: scheme and a space", header: bearer("Bearer "), status: http.StatusBadRequest, challenge: invalidReq, errCode: "invalid_request", rule: "malformed_header"},
		{name: "malformed: two tokens", header: bearer("Bearer " + good + " " + good), status: http.StatusBadRequest, challenge: invalidReq, errCode: "invalid_request", rule: "malformed_header"},
		{name: "malformed: not a b64token", header: bearer(`Bearer "<script>"`), status: http.StatusBadRequest, challenge: invalidReq, errCode: "invalid_request", rule: "malformed_header"},
		{name: "two Authorization headers", header: http.Header{"Authorization": {"Bearer " + good, "Bearer " + good}}, status: http.StatusBadRequest, challenge: invalidReq, errCode: "invalid_request", rule: "several_headers"},
		{name: "token in the URL", query: "?access_token=" + good, status: http.StatusBadRequest, challenge: invalidReq, errCode: "invalid_request", rule: "token_in_url"},
		{name: "not a JWT", header: bearer("Bearer abc.def"), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "format"},
		{name: "huge header", header: bearer("Bearer " + strings.Repeat("A", 100<<10)), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "too_large"},

		{name: "alg none", header: bearer("Bearer " + signed(testprovider.SignNone)), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "alg"},
		{name: "HS256 keyed with the public key", header: bearer("Bearer " + signed(testprovider.SignHS256PublicKey)), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "alg"},
		{name: "HS256 keyed with the client secret", header: bearer("Bearer " + signed(testprovider.SignHS256ClientSecret)), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "alg"},
		{name: "RS512, not configured", header: bearer("Bearer " + withHeader(func(h *testprovider.Header) { h.Alg = "RS512" })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "alg"},
		{name: "wrong signature", header: bearer("Bearer " + signed(testprovider.SignCorrupted)), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "signature"},
		{name: "another key under the published kid", header: bearer("Bearer " + signed(testprovider.SignOtherKeySameKID)), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "signature"},
		{name: "unknown kid", header: bearer("Bearer " + signed(testprovider.SignOtherKey)), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "signature"},
		{name: "wrong iss", header: bearer("Bearer " + tok(func(c map[string]any) { c["iss"] = "https://evil.example/oauth2/default" })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "iss"},
		{name: "wrong aud", header: bearer("Bearer " + tok(func(c map[string]any) { c["aud"] = "api://other" })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "aud"},
		{name: "an ID token (aud is the client)", header: bearer("Bearer " + tok(func(c map[string]any) { c["aud"] = webClient })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "aud"},
		{name: "typ logout+jwt", header: bearer("Bearer " + withHeader(func(h *testprovider.Header) { h.Typ = "logout+jwt" })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "typ"},
		{name: "expired", header: bearer("Bearer " + tok(func(c map[string]any) { c["exp"] = unix(-leeway - time.Second) })), status: http.StatusUnauthorized, challenge: invalidToken + "the access token has expired\"", errCode: "invalid_token", rule: "exp"},
		{name: "no exp", header: bearer("Bearer " + tok(func(c map[string]any) { delete(c, "exp") })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "exp"},
		{name: "issued in the future", header: bearer("Bearer " + tok(func(c map[string]any) { c["iat"] = unix(leeway + time.Minute) })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "iat"},
		{name: "no iat", header: bearer("Bearer " + tok(func(c map[string]any) { delete(c, "iat") })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "iat"},
		{name: "not yet valid", header: bearer("Bearer " + tok(func(c map[string]any) { c["nbf"] = unix(leeway + time.Minute) })), status: http.StatusUnauthorized, challenge: invalidToken + "the access token is not valid yet\"", errCode: "invalid_token", rule: "nbf"},
		{name: "nbf not a number", header: bearer("Bearer " + tok(func(c map[string]any) { c["nbf"] = "soon" })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "format"},
		{name: "no sub", header: bearer("Bearer " + tok(func(c map[string]any) { delete(c, "sub") })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "sub"},
		{name: "unknown cid", header: bearer("Bearer " + tok(func(c map[string]any) { c["cid"] = "0oa-someone-else" })), status: http.StatusUnauthorized, challenge: invalidToken + "the access token was issued to a client this API does not serve\"", errCode: "invalid_token", rule: "cid"},
		{name: "no cid", header: bearer("Bearer " + tok(func(c map[string]any) { delete(c, "cid") })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "cid"},
		{name: "missing scope", header: bearer("Bearer " + tok(func(c map[string]any) { c["scp"] = []string{"profile", "email"} })), status: http.StatusForbidden, challenge: noScope, errCode: "insufficient_scope", rule: "scope"},
		{name: "no scopes at all", header: bearer("Bearer " + tok(func(c map[string]any) { delete(c, "scp") })), status: http.StatusForbidden, challenge: noScope, errCode: "insufficient_scope", rule: "scope"},
		// Dex's access tokens are signed like its ID tokens, with the same
		// claims: aud the client (here configured as the API's audience),
		// no cid or client_id, no scopes. Without a client claim the API
		// cannot tell which app the token was issued to.
		{name: "Dex-shaped access token", header: bearer("Bearer " + dexShaped(t, f)), status: http.StatusUnauthorized,
			challenge: invalidToken + "the access token was issued to a client this API does not serve\"", errCode: "invalid_token", rule: "cid"},
		{name: "scp of the wrong type", header: bearer("Bearer " + tok(func(c map[string]any) { c["scp"] = 42 })), status: http.StatusUnauthorized, challenge: invalidToken, errCode: "invalid_token", rule: "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.log.Reset()
			w := f.get(tt.header, tt.query)
			if w.Code != tt.status {
				t.Fatalf("got status %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("got Content-Type %q, want application/json", ct)
			}
			got := w.Header().Get("WWW-Authenticate")
			switch {
			case tt.challenge == "":
				if got != "" {
					t.Errorf("got WWW-Authenticate %q on a success", got)
				}
			case strings.HasSuffix(tt.challenge, `="`): // a prefix
				if !strings.HasPrefix(got, tt.challenge) {
					t.Errorf("got WWW-Authenticate %q, want it to start with %q", got, tt.challenge)
				}
			case got != tt.challenge:
				t.Errorf("got WWW-Authenticate %q, want %q", got, tt.challenge)
			}
			if log := f.log.String() + " "; tt.rule != "" && !strings.Contains(log, "rule="+tt.rule+" ") && !strings.Contains(log, "rule="+tt.rule+"\n") {
				t.Errorf("the log does not name rule %s:\n%s", tt.rule, f.log)
			}
			body := w.Body.String()
			if tt.status == http.StatusOK {
				checkMessages(t, w)
			} else {
				var e struct {
					Error       string `json:"error"`
					Description string `json:"error_description"`
				}
				if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
					t.Fatalf("body %q is not JSON: %v", body, err)
				}
				if e.Error != tt.errCode || e.Description == "" {
					t.Errorf("got error %q (%q), want %q with a description", e.Error, e.Description, tt.errCode)
				}
			}
			for _, vs := range tt.header {
				for _, v := range vs {
					_, tokenPart, _ := strings.Cut(v, " ")
					if len(tokenPart) > 20 && (strings.Contains(body, tokenPart) || strings.Contains(got, tokenPart)) {
						t.Errorf("the answer repeats the token")
					}
				}
			}
		})
	}
	if log := f.log.String(); strings.Contains(log, good) || strings.Contains(log, good[:40]) {
		t.Errorf("the log holds a token:\n%s", log)
	}
}

// checkMessages checks the answer Okta's front-end samples read:
// data.messages, each with an RFC 3339 date and a text.
func checkMessages(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	var got struct {
		Messages []struct {
			Date string `json:"date"`
			Text string `json:"text"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", w.Body, err)
	}
	if len(got.Messages) == 0 {
		t.Fatalf("got no messages in %s", w.Body)
	}
	for _, m := range got.Messages {
		d, err := time.Parse(time.RFC3339, m.Date)
		if err != nil {
			t.Errorf("date %q is not RFC 3339: %v", m.Date, err)
		}
		if d.Year() != testNow().Year() {
			t.Errorf("date %q: got year %d, want %d", m.Date, d.Year(), testNow().Year())
		}
		if m.Text == "" {
			t.Errorf("message dated %q has no text", m.Date)
		}
	}
}

// TestProviderNotReady: before discovery, tokens cannot be checked: 503,
// with Retry-After, never a 500 nor a success.
func TestProviderNotReady(t *testing.T) {
	t.Parallel()
	h, err := api.New(api.Config{Provider: downProvider{}, Audience: audience, ClientIDs: []string{spaClient}, RequiredScope: "openid"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, api.MessagesPath, nil)
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("got %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
}

// TestRequestWithBody: a GET with a body is refused without reading it.
func TestRequestWithBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	r := httptest.NewRequest(http.MethodGet, api.MessagesPath, strings.NewReader(strings.Repeat("x", 1<<20)))
	r.Header.Set("Authorization", "Bearer "+f.token(t, nil, testprovider.SignPublished, nil))
	w := httptest.NewRecorder()
	f.api.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest {
		t.Errorf("got %d, want 400", w.Code)
	}
}

// TestSharedKeySetRefetchLimit floods the API with tokens under unknown
// kids: the JWKS is fetched no more often than the login's limiter allows
// (auth.Config.JWKSRefetchBurst), because the API uses the login's key set,
// and a good token still works from the cache.
func TestSharedKeySetRefetchLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *auth.Config) { c.JWKSRefetchBurst = 2; c.JWKSRefetchEvery = time.Hour }, nil)
	good := f.token(t, nil, testprovider.SignPublished, nil)
	if w := f.get(bearer("Bearer "+good), ""); w.Code != http.StatusOK {
		t.Fatalf("good token: got %d, want 200", w.Code)
	}
	fetches := f.op.JWKSFetches()
	if fetches != 1 {
		t.Errorf("after the first token: got %d JWKS fetches, want 1", fetches)
	}
	var wg sync.WaitGroup
	for range 30 {
		forged := f.token(t, nil, testprovider.SignOtherKey, nil)
		wg.Go(func() {
			if w := f.get(bearer("Bearer "+forged), ""); w.Code != http.StatusUnauthorized {
				t.Errorf("forged token: got %d, want 401", w.Code)
			}
		})
	}
	wg.Wait()
	if got := f.op.JWKSFetches(); got > 2 {
		t.Errorf("got %d JWKS fetches after a flood of unknown kids, want at most the burst of 2", got)
	}
	if w := f.get(bearer("Bearer "+good), ""); w.Code != http.StatusOK {
		t.Errorf("good token after the flood: got %d, want 200", w.Code)
	}
}

// TestNewRefusesBadConfig: every missing or unsafe setting is reported.
func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	ok := api.Config{Provider: downProvider{}, Audience: audience, ClientIDs: []string{spaClient}, RequiredScope: "openid"}
	tests := []struct {
		name string
		edit func(*api.Config)
		want string
	}{
		{"no provider", func(c *api.Config) { c.Provider = nil }, "Provider"},
		{"no audience", func(c *api.Config) { c.Audience = "" }, "Audience"},
		{"no client", func(c *api.Config) { c.ClientIDs = nil }, "ClientIDs"},
		{"an empty client", func(c *api.Config) { c.ClientIDs = []string{""} }, "ClientIDs"},
		{"no scope", func(c *api.Config) { c.RequiredScope = "" }, "RequiredScope"},
		{"origin *", func(c *api.Config) { c.AllowedOrigins = []string{"*"} }, `"*"`},
		{"origin null", func(c *api.Config) { c.AllowedOrigins = []string{"null"} }, `"null"`},
		{"origin with a path", func(c *api.Config) { c.AllowedOrigins = []string{"http://localhost:8082/app"} }, "not an origin"},
		{"origin with a slash", func(c *api.Config) { c.AllowedOrigins = []string{"http://localhost:8082/"} }, "not an origin"},
		{"origin in upper case", func(c *api.Config) { c.AllowedOrigins = []string{"http://LOCALHOST:8082"} }, "lower case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			_, err := api.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}
	if _, err := api.New(ok); err != nil {
		t.Errorf("a good configuration: got %v", err)
	}
}

// TestHugeHeaderThroughAServer: a header beyond the server's
// MaxHeaderBytes never reaches the API; net/http answers 431.
func TestHugeHeaderThroughAServer(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	srv := httptest.NewUnstartedServer(f.api)
	srv.Config.MaxHeaderBytes = 64 << 10
	srv.Start()
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodGet, srv.URL+api.MessagesPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+strings.Repeat("A", 200<<10))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("got %d, want 431", resp.StatusCode)
	}
}

// dexShaped is an access token as Dex issues them, for an API configured
// with Dex's client id as its audience (RFC 9068 names no client claim
// Dex would set): aud the client, at_hash-less ID token claims, no cid,
// no scope.
func dexShaped(t *testing.T, f *fixture) string {
	t.Helper()
	now := testNow()
	tok, err := f.op.SignToken(map[string]any{
		"iss": f.op.Issuer(), "sub": "CiQwOGE4Njg0Yi1kYjg4LTRiNzMtOTBhOS0zY2QxNjYxZjU0NjYSBWxvY2Fs",
		"aud": audience, "exp": now.Add(24 * time.Hour).Unix(), "iat": now.Unix(), "jti": "dex-jti",
		"email": "alice@example.com", "email_verified": true, "name": "alice",
	}, testprovider.SignPublished, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestOtherMethods: the route answers GET, HEAD and OPTIONS only.
func TestOtherMethods(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		t.Run(m, func(t *testing.T) {
			w := httptest.NewRecorder()
			f.api.ServeHTTP(w, httptest.NewRequest(m, api.MessagesPath, nil))
			if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD, OPTIONS" {
				t.Errorf("got %d with Allow %q, want 405 with GET, HEAD, OPTIONS", w.Code, w.Header().Get("Allow"))
			}
		})
	}
}
