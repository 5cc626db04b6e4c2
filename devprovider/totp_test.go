package devprovider

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

const (
	bobLogin    = "bob@example.com"
	bobPassword = "Bob-demo-1"
	// rfc6238Secret is the SHA-1 seed of RFC 6238 Appendix B, the ASCII
	// "12345678901234567890", in base32.
	rfc6238Secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
)

// carolCode is the demo TOTP user's code at the test clock's time.
func carolCode(t *testing.T, e *testEnv) string {
	t.Helper()
	carol, _ := e.p.users.lookup(carolLogin)
	code, _, err := currentTOTP(carol, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// wrongCode is a well-formed code that is valid at no step the provider
// accepts now.
func wrongCode(t *testing.T, e *testEnv) string {
	t.Helper()
	carol, _ := e.p.users.lookup(carolLogin)
	valid := map[string]bool{}
	for _, d := range []time.Duration{-totpPeriod * time.Second, 0, totpPeriod * time.Second} {
		c, _, err := currentTOTP(carol, e.clock.Now().Add(d))
		if err != nil {
			t.Fatal(err)
		}
		valid[c] = true
	}
	for i := 0; ; i++ {
		if c := fmt.Sprintf("%06d", i); !valid[c] {
			return c
		}
	}
}

func httptestPost(p *Provider, target, contentType string, body io.Reader) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, target, body)
	req.Header.Set("Content-Type", contentType)
	p.ServeHTTP(rec, req)
	return rec
}

// TestTOTPVerify checks codes against RFC 6238 Appendix B (SHA-1, the last
// 6 of its 8 digits), one step of skew either way, and single use.
func TestTOTPVerify(t *testing.T) {
	t.Parallel()
	user := User{Subject: "u1", TOTPSecret: rfc6238Secret}
	tests := []struct {
		name string
		at   int64
		code string
		want bool
	}{
		{name: "vector 1111111109", at: 1111111109, code: "081804", want: true},
		{name: "vector 1111111111", at: 1111111111, code: "050471", want: true},
		{name: "vector 1234567890", at: 1234567890, code: "005924", want: true},
		{name: "vector 2000000000", at: 2000000000, code: "279037", want: true},
		{name: "one step late", at: 1234567890 + 30, code: "005924", want: true},
		{name: "one step early", at: 1234567890 - 30, code: "005924", want: true},
		{name: "two steps late", at: 1234567890 + 60, code: "005924"},
		{name: "two steps early", at: 1234567890 - 60, code: "005924"},
		{name: "wrong code", at: 1234567890, code: "005925"},
		{name: "spaces around", at: 1234567890, code: " 005924 ", want: true},
		{name: "too short", at: 1234567890, code: "05924"},
		{name: "eight digits", at: 1234567890, code: "89005924"},
		{name: "empty", at: 1234567890, code: ""},
		{name: "letters", at: 1234567890, code: "abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newTOTPGuard()
			if got := g.verify(user, tt.code, time.Unix(tt.at, 0)); got != tt.want {
				t.Errorf("verify(%q at %d): got %v, want %v", tt.code, tt.at, got, tt.want)
			}
		})
	}

	t.Run("each code once", func(t *testing.T) {
		g := newTOTPGuard()
		now := time.Unix(1234567890, 0)
		if !g.verify(user, "005924", now) {
			t.Fatalf("first use refused")
		}
		if g.verify(user, "005924", now) {
			t.Errorf("second use of the same code: accepted, want refused (RFC 6238 §5.2)")
		}
		// The code of an earlier step is refused too once a later one was used.
		if g.verify(user, "081804", time.Unix(1111111109, 0)) {
			t.Errorf("an older code: accepted after a newer one")
		}
		other := User{Subject: "u2", TOTPSecret: rfc6238Secret}
		if !g.verify(other, "005924", now) {
			t.Errorf("another user's use counts against this one")
		}
	})
	t.Run("no secret", func(t *testing.T) {
		if newTOTPGuard().verify(User{Subject: "u3"}, "005924", time.Unix(1234567890, 0)) {
			t.Errorf("a user without TOTP: code accepted")
		}
	})
}

// TestTOTPURI checks the otpauth:// URI that the banner prints, by reading
// it back with the library an authenticator app would use.
func TestTOTPURI(t *testing.T) {
	t.Parallel()
	var carol User
	for _, u := range DemoUsers() {
		if u.Login == carolLogin {
			carol = u
		}
	}
	raw, err := carol.TOTPURI()
	if err != nil {
		t.Fatalf("TOTPURI: %v", err)
	}
	key, err := otp.NewKeyFromURL(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	for name, c := range map[string][2]any{
		"type":      {key.Type(), "totp"},
		"secret":    {key.Secret(), DemoTOTPSecret},
		"account":   {key.AccountName(), carolLogin},
		"issuer":    {key.Issuer(), totpIssuer},
		"period":    {key.Period(), uint64(30)},
		"digits":    {key.Digits(), otp.DigitsSix},
		"algorithm": {key.Algorithm(), otp.AlgorithmSHA1},
	} {
		if !reflect.DeepEqual(c[0], c[1]) {
			t.Errorf("%s: got %v, want %v", name, c[0], c[1])
		}
	}
	if got, err := (User{Login: "x"}).TOTPURI(); got != "" || err != nil {
		t.Errorf("user without TOTP: got %q, %v; want \"\", nil", got, err)
	}
	if _, err := (User{Login: "x", TOTPSecret: "not base32!"}).TOTPURI(); err == nil {
		t.Errorf("bad secret: got no error")
	}
}

func TestTOTPSecretConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secret  string
		wantErr string
	}{
		{name: "RFC 6238 seed", secret: rfc6238Secret},
		{name: "lower case", secret: strings.ToLower(rfc6238Secret)},
		{name: "padded", secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ===="[:32]},
		{name: "too short", secret: "GEZDGNBVGY3TQOJQ", wantErr: "at least 16"},
		{name: "not base32", secret: "GEZDGNBVGY3TQOJ1GEZDGNBVGY3TQOJQ", wantErr: "base32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{Issuer: "http://127.0.0.1:8081/oauth2/default",
				Clients:       []Client{{ID: "c", Secret: "s", RedirectURIs: []string{"http://localhost/cb"}}},
				Users:         []User{{Subject: "u", Login: "u@example.com", Password: "p", TOTPSecret: tt.secret}},
				NewSigningKey: (&testkeys.Source{}).Next})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "Users[0].TOTPSecret")):
				t.Errorf("New: got %v, want an error naming Users[0].TOTPSecret with %q", err, tt.wantErr)
			}
		})
	}
}

var otpRequestRE = regexp.MustCompile(`name="request" value="([^"]+)"`)

// postOTP submits the hosted page's one-time code form.
func (e *testEnv) postOTP(requestID, code string) (*http.Response, string) {
	e.t.Helper()
	form := url.Values{"request": {requestID}, "code": {code}}
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/v1/login/otp", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

// otpRequestID checks that resp is the code page and returns its id.
func (e *testEnv) otpRequestID(resp *http.Response, body string, wantStatus int) string {
	e.t.Helper()
	if resp.StatusCode != wantStatus {
		e.t.Fatalf("got %d, want %d with the code page; Location=%q", resp.StatusCode, wantStatus, resp.Header.Get("Location"))
	}
	for _, id := range []string{`id="otp-code"`, `id="otp-submit"`, `autocomplete="one-time-code"`} {
		if !strings.Contains(body, id) {
			e.t.Fatalf("code page: missing %s", id)
		}
	}
	m := otpRequestRE.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("code page: no request id")
	}
	return m[1]
}

// TestHostedSignInTOTP covers the hosted sign-in page for the TOTP user:
// the code page after the password, a wrong code, the right one.
func TestHostedSignInTOTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, body := e.get(e.authorizeURL(nil))
	resp, _ = e.postLogin(e.signInRequestID(resp, body), carolLogin, carolPassword)
	// The code page is a page of its own: reloading it posts no password.
	resp, body, _ = e.followToStepPage(resp, "/v1/login/otp", "")
	id := e.otpRequestID(resp, body, http.StatusOK)
	checkHTMLHeaders(t, resp)
	if !strings.Contains(body, carolLogin) {
		t.Errorf("code page: does not say who is signing in")
	}
	if !strings.Contains(body, e.srv.URL+TOTPPagePath) {
		t.Errorf("code page: no link to the demo code page")
	}
	// No session yet: the password alone signs nobody in.
	resp, _ = e.get(e.authorizeURL(map[string]string{"prompt": "none"}))
	if got := e.redirectError(resp); got != "login_required" {
		t.Errorf("prompt=none after the password alone: got %q, want login_required", got)
	}

	resp, _ = e.postOTP(id, wrongCode(t, e))
	resp, body, _ = e.followToStepPage(resp, "/v1/login/otp", id)
	if got := e.otpRequestID(resp, body, http.StatusOK); got != id {
		t.Errorf("after a wrong code: the form changed its id; want the same sign-in")
	}
	if got := pageError(body); got != msgBadCode {
		t.Errorf("after a wrong code: error %q, want %q", got, msgBadCode)
	}

	resp, _ = e.postOTP(id, carolCode(t, e))
	code := e.codeFromRedirect(resp, testRedirectURI, "state-123")
	tresp, tok := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
	if tresp.StatusCode != http.StatusOK {
		t.Fatalf("token: got %d %v", tresp.StatusCode, tok)
	}
	claims, _ := e.verifyIDToken(tok["id_token"].(string))
	if got := claims["amr"]; !reflect.DeepEqual(got, []any{"pwd", "otp"}) {
		t.Errorf("amr: got %v, want [pwd otp]", got)
	}
	if got := claims["sub"]; got != carolSubject {
		t.Errorf("sub: got %v, want %s", got, carolSubject)
	}

	// The form is spent, and SSO carries the methods along.
	e.clock.Advance(totpPeriod * time.Second)
	if resp, body := e.postOTP(id, carolCode(t, e)); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Sign-in expired") {
		t.Errorf("second post of the code form: got %d, want 400 Sign-in expired", resp.StatusCode)
	}
	resp, _ = e.get(e.authorizeURL(map[string]string{"prompt": "none"}))
	code = e.codeFromRedirect(resp, testRedirectURI, "state-123")
	_, tok = e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
	claims, _ = e.verifyIDToken(tok["id_token"].(string))
	if got := claims["amr"]; !reflect.DeepEqual(got, []any{"pwd", "otp"}) {
		t.Errorf("amr by SSO: got %v, want [pwd otp]", got)
	}
}

// TestSecondFactorLockout checks that wrong codes lock the code step, and
// that entering the correct password again does not reset that count.
func TestSecondFactorLockout(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, body := e.get(e.authorizeURL(nil))
	resp, _ = e.postLogin(e.signInRequestID(resp, body), carolLogin, carolPassword)
	resp, body, _ = e.followToStepPage(resp, "/v1/login/otp", "")
	id := e.otpRequestID(resp, body, http.StatusOK)
	for range freeFailures {
		e.postOTP(id, wrongCode(t, e))
	}
	// The password again, on a new sign-in: the code count stays.
	resp, body = e.get(e.authorizeURL(nil))
	resp, _ = e.postLogin(e.signInRequestID(resp, body), carolLogin, carolPassword)
	resp, body, _ = e.followToStepPage(resp, "/v1/login/otp", "")
	id = e.otpRequestID(resp, body, http.StatusOK)
	resp, _ = e.postOTP(id, carolCode(t, e))
	resp, body, _ = e.followToStepPage(resp, "/v1/login/otp", id)
	e.otpRequestID(resp, body, http.StatusOK)
	if got := pageError(body); got != msgCodeLockedOut {
		t.Errorf("right code while locked out: error %q, want %q", got, msgCodeLockedOut)
	}
	e.clock.Advance(lockoutBase)
	resp, _ = e.postOTP(id, carolCode(t, e))
	e.codeFromRedirect(resp, testRedirectURI, "state-123")
}

// TestClassicMFA covers the second factor in the classic Authentication
// API: MFA_REQUIRED, the factor's verify link, then SUCCESS.
func TestClassicMFA(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, body := e.authn(credentials(carolLogin, carolPassword), testTrustedOrigin)
	if resp.StatusCode != http.StatusOK || body["status"] != "MFA_REQUIRED" {
		t.Fatalf("authn: got %d %v, want 200 MFA_REQUIRED", resp.StatusCode, body)
	}
	if _, ok := body["sessionToken"]; ok {
		t.Fatalf("MFA_REQUIRED with a sessionToken: the password alone would sign in")
	}
	stateToken, _ := body["stateToken"].(string)
	if stateToken == "" {
		t.Fatalf("no stateToken in %v", body)
	}
	factor := jget(body, "_embedded", "factors", 0)
	for k, want := range map[string]any{"factorType": "token:software:totp", "provider": "GOOGLE"} {
		if got := jget(factor, k); got != want {
			t.Errorf("factor %s: got %v, want %v", k, got, want)
		}
	}
	verify, _ := jget(factor, "_links", "verify", "href").(string)
	if want := e.srv.URL + "/api/v1/authn/factors/" + jget(factor, "id").(string) + "/verify"; verify != want {
		t.Fatalf("verify href: got %q, want %q", verify, want)
	}
	if got := jget(body, "_links", "cancel", "href"); got != e.srv.URL+"/api/v1/authn/cancel" {
		t.Errorf("cancel href: got %v", got)
	}

	post := func(u, body string) (*http.Response, map[string]any) {
		req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", testTrustedOrigin)
		resp, raw := e.do(req)
		return resp, decodeObject(t, raw)
	}
	verifyBody := func(token, code string) string {
		return fmt.Sprintf(`{"stateToken":%q,"passCode":%q}`, token, code)
	}

	tests := []struct {
		name       string
		url, body  string
		wantStatus int
		wantCode   string
	}{
		{name: "wrong code", url: verify, body: verifyBody(stateToken, wrongCode(t, e)), wantStatus: 403, wantCode: "E0000068"},
		{name: "unknown stateToken", url: verify, body: verifyBody("nope", carolCode(t, e)), wantStatus: 401, wantCode: "E0000011"},
		{name: "another factor", url: e.srv.URL + "/api/v1/authn/factors/uftother/verify", body: verifyBody(stateToken, carolCode(t, e)),
			wantStatus: 404, wantCode: "E0000007"},
		{name: "no code", url: verify, body: verifyBody(stateToken, ""), wantStatus: 400, wantCode: "E0000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(tt.url, tt.body)
			if resp.StatusCode != tt.wantStatus || body["errorCode"] != tt.wantCode {
				t.Errorf("got %d %v, want %d %s", resp.StatusCode, body, tt.wantStatus, tt.wantCode)
			}
		})
	}

	resp, body = post(verify, verifyBody(stateToken, carolCode(t, e)))
	if resp.StatusCode != http.StatusOK || body["status"] != "SUCCESS" {
		t.Fatalf("verify: got %d %v, want SUCCESS", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != testTrustedOrigin {
		t.Errorf("verify: Access-Control-Allow-Origin: got %q", got)
	}
	token := body["sessionToken"].(string)
	resp, _ = e.get(e.authorizeURL(map[string]string{"sessionToken": token}))
	code := e.codeFromRedirect(resp, testRedirectURI, "state-123")
	_, tok := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
	claims, _ := e.verifyIDToken(tok["id_token"].(string))
	if got := claims["amr"]; !reflect.DeepEqual(got, []any{"pwd", "otp"}) {
		t.Errorf("amr: got %v, want [pwd otp]", got)
	}

	e.clock.Advance(totpPeriod * time.Second)
	if resp, body := post(verify, verifyBody(stateToken, carolCode(t, e))); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("stateToken reused after SUCCESS: got %d %v, want 401", resp.StatusCode, body)
	}

	t.Run("cancel", func(t *testing.T) {
		_, body := e.authn(credentials(carolLogin, carolPassword), testTrustedOrigin)
		st := body["stateToken"].(string)
		if resp, body := post(e.srv.URL+"/api/v1/authn/cancel", fmt.Sprintf(`{"stateToken":%q}`, st)); resp.StatusCode != http.StatusOK {
			t.Fatalf("cancel: got %d %v", resp.StatusCode, body)
		}
		if resp, _ := post(verify, verifyBody(st, carolCode(t, e))); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("verify after cancel: got %d, want 401", resp.StatusCode)
		}
	})
	t.Run("expired stateToken", func(t *testing.T) {
		_, body := e.authn(credentials(carolLogin, carolPassword), testTrustedOrigin)
		e.clock.Advance(mfaPendingTTL)
		if resp, _ := post(verify, verifyBody(body["stateToken"].(string), carolCode(t, e))); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("verify after %v: got %d, want 401", mfaPendingTTL, resp.StatusCode)
		}
	})
}

// TestTOTPPage checks the dev-only page with the demo codes, and that it
// does not exist for any other users.
func TestTOTPPage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	if got := e.p.TOTPPageURL(); got != e.srv.URL+TOTPPagePath {
		t.Errorf("TOTPPageURL: got %q", got)
	}
	if e.clock.Now().Unix()%totpPeriod != 0 {
		t.Fatalf("the test clock starts inside a TOTP step; this test expects 30 s to the next")
	}
	resp, body := e.get(e.srv.URL + TOTPPagePath)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d, want 200", resp.StatusCode)
	}
	checkHTMLHeaders(t, resp)
	want := fmt.Sprintf(`data-login="%s">%s<`, carolLogin, carolCode(t, e))
	if !strings.Contains(body, want) {
		t.Errorf("page: no %q in %s", want, body)
	}
	if !strings.Contains(body, `<meta http-equiv="refresh" content="30">`) {
		t.Errorf("page: no refresh when the code changes")
	}
	if !strings.Contains(body, "Development only") {
		t.Errorf("page: not labelled development only")
	}
	for _, other := range []string{aliceLogin, bobLogin} {
		if strings.Contains(body, other) {
			t.Errorf("page lists %s, who has no TOTP", other)
		}
	}

	p, err := New(Config{Issuer: "http://127.0.0.1:8081/oauth2/default",
		Clients:       []Client{{ID: "c", Secret: "s", RedirectURIs: []string{"http://localhost/cb"}}},
		Users:         []User{{Subject: "u", Login: "u@example.com", Password: "p", TOTPSecret: rfc6238Secret}},
		NewSigningKey: (&testkeys.Source{}).Next})
	if err != nil {
		t.Fatal(err)
	}
	if rec := serve(p, "GET", "http://127.0.0.1:8081"+TOTPPagePath, nil); rec.Code != http.StatusNotFound {
		t.Errorf("custom users: got %d, want 404: their codes are their second factor", rec.Code)
	}
	if got := p.TOTPPageURL(); got != "" {
		t.Errorf("custom users: TOTPPageURL %q, want none", got)
	}
}
