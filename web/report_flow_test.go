package web_test

// The login report and the diagnosis of failed logins, through the whole
// app (web.NewServer with a real auth.Connector) against the adversarial
// test provider, with the harness of attack_test.go.

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/internal/logbuf"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
	"github.com/okta-samples/okta-go-sample/session"
	"github.com/okta-samples/okta-go-sample/web"
)

const atkReportPath = "/authorization-code/report"

// row is the HTML of the report's row for a check, such as
// "id_token-iss", or "" when the page has none.
func row(body, check string) string {
	i := strings.Index(body, `<tr id="check-`+check+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</tr>")
	if j < 0 {
		return ""
	}
	return body[i : i+j]
}

// rowClass is the class of a check's row: its result.
func rowClass(body, check string) string {
	m := regexp.MustCompile(`<tr id="check-` + regexp.QuoteMeta(check) + `" class="([a-z]+)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// text is s without tags, <wbr> included, and with entities decoded.
func text(s string) string {
	return html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, ""))
}

// wantNoSecretIn checks that page holds none of the login's secrets: the
// client secret, a code or token the provider issued, a session id, a PKCE
// verifier, or a whole state. (The nonce is in the ID token's decoded
// payload, as on the profile: it was single use.)
func (e *attackEnv) wantNoSecretIn(t *testing.T, what, page string) {
	t.Helper()
	e.mu.Lock()
	secrets := append([]string{e.op.ClientSecret()}, e.sessionCookies...)
	e.mu.Unlock()
	secrets = append(secrets, e.op.Issued()...)
	for _, tr := range e.op.TokenRequests() {
		secrets = append(secrets, tr.CodeVerifier)
	}
	for _, q := range e.op.AuthorizeRequests() {
		secrets = append(secrets, q.Get("state"))
	}
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(page, s) {
			t.Errorf("%s contains a secret %.12q…", what, s)
		}
	}
}

// TestReportPage: the report of a login shows each check with the values
// it compared, and the diagram; it holds no secret, and only the signed-in
// user sees it.
func TestReportPage(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	e.op.Misbehave(testprovider.Misbehaviour{Claims: func(c map[string]any) {
		c["nbf"] = time.Now().Add(-time.Minute).Unix()
		c["azp"] = e.op.ClientID()
	}})
	b := e.newBrowser(t)

	if res := b.get(e.appURL + atkReportPath); res.status != http.StatusFound || res.location() != atkLoginPath+"?return_to=%2Fauthorization-code%2Freport" {
		t.Fatalf("logged out: got %d to %q, want 302 to log in and come back", res.status, res.location())
	}
	b.mustLogin()
	profile := b.get(e.appURL + atkProfilePath)
	if !strings.Contains(profile.body, `<a id="report-link" href="/authorization-code/report">`) {
		t.Error("the profile does not link the report")
	}
	res := b.get(e.appURL + atkReportPath)
	if res.status != http.StatusOK {
		t.Fatalf("report: got %d, want 200", res.status)
	}
	nonce := e.op.AuthorizeRequests()[0].Get("nonce")
	for _, tc := range []struct {
		check, class string
		want         []string // in the row's text, in order: expected, then actual
	}{
		{"callback-state", "pass", []string{"…", "…", "used once"}},
		{"callback-iss", "pass", []string{e.op.Issuer(), e.op.Issuer()}},
		{"callback-code", "pass", []string{"code", "never shown"}},
		{"token-response", "pass", []string{"200", "200"}},
		{"id_token-alg", "pass", []string{"RS256", "RS256"}},
		{"id_token-signature", "pass", []string{"kid " + e.op.PublishedKID(), "verified"}},
		{"id_token-iss", "pass", []string{e.op.Issuer(), e.op.Issuer()}},
		{"id_token-aud", "pass", []string{e.op.ClientID(), e.op.ClientID()}},
		{"id_token-azp", "pass", []string{e.op.ClientID(), e.op.ClientID()}},
		{"id_token-exp", "pass", []string{"after ", "valid for "}},
		{"id_token-iat", "pass", []string{"before ", "ago", "clock skew seen: none"}},
		{"id_token-nbf", "pass", []string{"before "}},
		{"id_token-sub", "pass", []string{"present", testprovider.DefaultSubject}},
		{"id_token-nonce", "pass", []string{nonce[:8] + "…", nonce[:8] + "…", "matches"}},
		{"id_token-at_hash", "pass", []string{"SHA-256"}},
		{"userinfo-sub", "pass", []string{testprovider.DefaultSubject, testprovider.DefaultSubject}},
	} {
		r := text(row(res.body, tc.check))
		if got := rowClass(res.body, tc.check); got != tc.class {
			t.Errorf("%s: result %q, want %q", tc.check, got, tc.class)
		}
		rest := r
		for _, w := range tc.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: row %q lacks %q (in order)", tc.check, r, w)
				break
			}
			rest = rest[i+len(w):]
		}
	}
	// An hour's token, checked in the second it was made or the next.
	if r := text(row(res.body, "id_token-exp")); !regexp.MustCompile(`valid for (1 h|59 min) \(clock leeway 5 min\)`).MatchString(r) {
		t.Errorf("exp: %q, want valid for 1 h (or 59 min) and the leeway", r)
	}
	for _, want := range []string{`<svg class="sequence"`, `id="step-session"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, want := range []string{"POST /v1/token", "GET /v1/userinfo", "OIDC Core 3.1.3.7", "RFC 9207 2.4",
		"auth/idtoken.go checkClaims", `"sub": "` + testprovider.DefaultSubject + `"`} {
		if !strings.Contains(text(res.body), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(res.body, `class="fail"`) || strings.Contains(res.body, "✗") {
		t.Error("the report of a login that succeeded shows a failure")
	}
	e.wantNoSecretIn(t, "the report page", res.body)
	e.wantCleanLogs(t)

	// Another browser, signed in as someone else, sees its own login.
	other := e.newBrowser(t)
	other.get(other.authorize(other.startLogin(""), map[string][]string{"login_hint": {"00u-someone-else"}}))
	if r := other.get(e.appURL + atkReportPath); !strings.Contains(r.body, "00u-someone-else") || strings.Contains(r.body, testprovider.DefaultSubject) {
		t.Error("a browser's report shows another user's login")
	}
}

// TestReportPageUserInfoUnavailable: a login without userinfo says why in
// the report, and the rest of it stands.
func TestReportPageUserInfoUnavailable(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	e.op.Misbehave(testprovider.Misbehaviour{UserInfo: testprovider.UserInfoError})
	b := e.newBrowser(t)
	b.mustLogin()
	res := b.get(e.appURL + atkReportPath)
	if !strings.Contains(res.body, "it answered 500; the sign-in went on with the ID token") {
		t.Errorf("the report does not say why userinfo was not used: %s", text(res.body[strings.Index(res.body, `id="step-userinfo"`):][:600]))
	}
	if rowClass(res.body, "id_token-nonce") != "pass" {
		t.Error("the ID token's checks are missing")
	}
}

// diagnosisCase is a failed login and what its error page must say.
type diagnosisCase struct {
	name      string
	mis       testprovider.Misbehaviour
	status    int
	step      string // the id of the failed step
	check     string // the failed check's row, "" for none
	cause     string // in the diagnosis' title
	want, got string // the diagnosis' expected and actual values, "" to skip
	fix       string // in what to change
	logCause  string
}

// TestLoginDiagnosis: each common cause of a failed login, through the
// whole app: the error page names the cause, shows what was expected
// against what came and what to change, the report up to the failed step
// with the failed check's values; the log names the cause; neither holds a
// secret.
func TestLoginDiagnosis(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	issuer, clientID, org := e.op.Issuer(), e.op.ClientID(), e.op.URL()
	kid := e.op.PublishedKID()
	cases := []diagnosisCase{
		{name: "issuer: the org authorization server instead of the custom one",
			mis:    testprovider.Misbehaviour{Claims: func(c map[string]any) { c["iss"] = org }},
			status: http.StatusUnauthorized, step: "step-id-token", check: "id_token-iss",
			cause: "came from the org authorization server, but the app is configured for a custom one", want: issuer, got: org,
			fix: "OKTA_OAUTH2_ISSUER", logCause: "issuer-org-vs-custom"},
		{name: "issuer in the callback (RFC 9207): another provider",
			mis:    testprovider.Misbehaviour{Authorize: testprovider.AuthorizeWrongIss},
			status: http.StatusUnauthorized, step: "step-callback", check: "callback-iss",
			cause: "another org or another provider", want: issuer, got: testprovider.WrongIssuer,
			fix: "OKTA_OAUTH2_ISSUER", logCause: "issuer-other-host"},
		{name: "aud: another app's token",
			mis:    testprovider.Misbehaviour{Claims: func(c map[string]any) { c["aud"] = "0oa-another-app" }},
			status: http.StatusUnauthorized, step: "step-id-token", check: "id_token-aud",
			cause: "issued to another app", want: clientID, got: "0oa-another-app",
			fix: "OKTA_OAUTH2_CLIENT_ID", logCause: "aud-mismatch"},
		{name: "iat beyond the leeway: the provider's clock 10 minutes ahead",
			mis:    testprovider.Misbehaviour{ClockSkew: 10 * time.Minute},
			status: http.StatusUnauthorized, step: "step-id-token", check: "id_token-iat",
			cause: "issued in this server's future: the clocks differ by 10 min", fix: "NTP", logCause: "clock-skew"},
		{name: "exp beyond the leeway: the provider's clock 2 hours behind",
			mis:    testprovider.Misbehaviour{ClockSkew: -2 * time.Hour},
			status: http.StatusUnauthorized, step: "step-id-token", check: "id_token-exp",
			cause: "had expired: the clocks differ by 2 h", fix: "NTP", logCause: "clock-skew"},
		{name: "exp beyond the leeway, clocks in agreement",
			mis:    testprovider.Misbehaviour{Claims: func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }},
			status: http.StatusUnauthorized, step: "step-id-token", check: "id_token-exp",
			cause: "The ID token had expired", fix: "token lifetime", logCause: "expired"},
		{name: "unknown kid",
			mis:    testprovider.Misbehaviour{Signing: testprovider.SignOtherKey},
			status: http.StatusUnauthorized, step: "step-id-token", check: "id_token-signature",
			cause: "unknown kid", want: "one of " + kid, fix: "issuer", logCause: "unknown-kid"},
		{name: "invalid_client: a wrong client secret", mis: testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "invalid_client",
			TokenErrorDescription: "Invalid value for 'client_id' parameter."},
			status: http.StatusBadGateway, step: "step-token", check: "token-response",
			cause: "refused the app's client id or secret", fix: "Client secret", logCause: "invalid-client"},
		{name: "invalid_grant: a code used already or expired", mis: testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "invalid_grant",
			TokenErrorDescription: "The authorization code is invalid or has expired."},
			status: http.StatusUnauthorized, step: "step-token", check: "token-response",
			cause: "used already, expired", fix: "do not reload", logCause: "invalid-grant"},
		{name: "redirect URI reported on the callback",
			mis:    testprovider.Misbehaviour{Authorize: testprovider.AuthorizeRedirectURIError},
			status: http.StatusBadRequest, step: "step-callback", check: "callback-error",
			cause: "does not accept the app's redirect URI", got: e.appURL + atkCallbackPath,
			fix: "Sign-in redirect URIs", logCause: "redirect-uri"},
		{name: "redirect URI reported by the token endpoint", mis: testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "invalid_grant",
			TokenErrorDescription: "The 'redirect_uri' does not match the redirection URI used in the authorization request."},
			status: http.StatusUnauthorized, step: "step-token", check: "token-response",
			cause: "does not accept the app's redirect URI", fix: "Sign-in redirect URIs", logCause: "redirect-uri"},
		{name: "access_denied: the user is not assigned",
			mis:    testprovider.Misbehaviour{Authorize: testprovider.AuthorizeAccessDenied},
			status: http.StatusUnauthorized, step: "step-callback", check: "callback-error",
			cause: "not assigned to the app", got: "access_denied", fix: "Assignments", logCause: "access-denied"},
		{name: "nonce: made for another login",
			mis:    testprovider.Misbehaviour{Claims: func(c map[string]any) { c["nonce"] = "nonce-of-another-login" }},
			status: http.StatusUnauthorized, step: "step-id-token", check: "id_token-nonce",
			cause: "made for another login", got: "nonce-of… (shortened)", fix: "new login", logCause: "nonce-mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.op.Misbehave(tc.mis)
			t.Cleanup(func() { e.op.Misbehave(testprovider.Misbehaviour{}) })
			b := e.newBrowser(t)
			res := b.login()
			checkDiagnosis(t, e, res, tc)
			b.wantNoSession()
		})
	}
	e.wantCleanLogs(t)
}

func checkDiagnosis(t *testing.T, e *attackEnv, res response, tc diagnosisCase) {
	t.Helper()
	if res.status != tc.status {
		t.Errorf("status %d, want %d", res.status, tc.status)
	}
	page := text(res.body)
	if !strings.Contains(text(between(res.body, `id="error-cause"`, "</p>")), tc.cause) {
		t.Errorf("the page's cause is %q, want it to say %q", text(between(res.body, `id="error-cause"`, "</p>")), tc.cause)
	}
	if !strings.Contains(res.body, `<li class="report-step failed" id="`+tc.step+`"><details open>`) {
		t.Errorf("step %s is not the failed one, shown open", tc.step)
	}
	for _, id := range []string{"diagnosis-want", "diagnosis-got"} {
		want := map[string]string{"diagnosis-want": tc.want, "diagnosis-got": tc.got}[id]
		if got := text(between(res.body, `id="`+id+`">`, "</code>")); want != "" && got != want {
			t.Errorf("%s: got %q, want %q", id, got, want)
		}
	}
	if fix := text(between(res.body, `id="diagnosis-fix"`, "</ol>")); !strings.Contains(fix, tc.fix) {
		t.Errorf("what to change %q lacks %q", fix, tc.fix)
	}
	if tc.check != "" {
		r := row(res.body, tc.check)
		if rowClass(res.body, tc.check) != "fail" {
			t.Errorf("the row of %s is not marked failed: %q", tc.check, text(r))
		}
		// The failed check shows both values, expected then actual.
		cells := regexp.MustCompile(`<td class="(want|got)[^"]*">([^<]*(?:<wbr>[^<]*)*)`).FindAllStringSubmatch(r, -1)
		if len(cells) != 2 || (cells[0][2] == "" && cells[1][2] == "") {
			t.Errorf("the failed row %s does not show expected and actual values: %q", tc.check, text(r))
		}
	}
	if !strings.Contains(res.body, `class="label fail"`) {
		t.Error("the diagram does not show the failure")
	}
	if !strings.Contains(e.logs.String(), "cause="+tc.logCause) {
		t.Errorf("the log does not name the cause %s", tc.logCause)
	}
	if strings.Contains(page, "✗") && !strings.Contains(page, "This login, up to where it failed") {
		t.Error("the report is not introduced")
	}
	e.wantNoSecretIn(t, "the error page", res.body)
}

// between is the part of s after the first from, up to the next to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// TestLoginDiagnosisWrongSecret: an app configured with a wrong client
// secret is told so, by the provider's own refusal, and the secret is in
// neither the page nor the log.
func TestLoginDiagnosisWrongSecret(t *testing.T) {
	t.Parallel()
	const wrong = "wrong-secret-0123456789abcdef"
	app := httptest.NewUnstartedServer(nil)
	appURL := "http://" + app.Listener.Addr().String()
	op := testprovider.New(t, testprovider.Config{RedirectURI: appURL + atkCallbackPath})
	logs := &logbuf.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	connector := auth.NewConnector(auth.Config{Issuer: op.Issuer(), ClientID: op.ClientID(), ClientSecret: wrong,
		RedirectURL: appURL + atkCallbackPath, CookiePath: web.CookiePath(atkCallbackPath), Timeout: atkClientTimeout}, logger)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	connector.Run(ctx)
	cancel()
	h, err := web.NewServer(web.Deps{
		Config: config.Config{Issuer: op.Issuer(), ClientID: op.ClientID(), ClientSecret: wrong,
			RedirectURI: appURL + atkCallbackPath, Leeway: config.DefaultLeeway, ProviderTimeout: atkClientTimeout},
		Logger: logger, Provider: connector, Sessions: session.New(session.Options{}),
	})
	if err != nil {
		t.Fatal(err)
	}
	app.Config.Handler = h
	app.Start()
	t.Cleanup(app.Close)
	e := &attackEnv{op: op, app: app, appURL: appURL, handler: h, logs: logs, transport: http.DefaultTransport.(*http.Transport)}
	b := e.newBrowser(t)
	res := b.login()
	checkDiagnosis(t, e, res, diagnosisCase{status: http.StatusBadGateway, step: "step-token", check: "token-response",
		cause: "refused the app's client id or secret", got: "invalid_client", fix: "OKTA_OAUTH2_CLIENT_SECRET", logCause: "invalid-client"})
	if trs := op.TokenRequests(); len(trs) != 1 || trs[0].SecretOK || trs[0].ClientAuth != "client_secret_basic" {
		t.Errorf("token requests %+v, want one with client_secret_basic and a secret the provider refused", trs)
	}
	e.wantCleanLogs(t, wrong)
	if strings.Contains(res.body, wrong) {
		t.Error("the error page shows the configured secret")
	}
}

// TestErrorDescriptionShown: the provider's error_description is on the
// page, escaped and cut short, and in the log.
func TestErrorDescriptionShown(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	b := e.newBrowser(t)
	authURL := b.startLogin("")
	state := between(authURL, "state=", "&")
	long := `<script>alert("x")</script> ` + strings.Repeat("very long ", 60)
	res := b.get(e.appURL + atkCallbackPath + "?error=server_error&iss=" + e.op.Issuer() + "&state=" + state +
		"&error_description=" + strings.NewReplacer("<", "%3C", ">", "%3E", " ", "+", `"`, "%22", "(", "%28", ")", "%29").Replace(long))
	desc := between(res.body, `id="error-description">`, "</p>")
	if !strings.Contains(desc, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") || strings.Contains(res.body, "<script>alert") {
		t.Errorf("the description is not shown escaped: %q", desc)
	}
	if n := len([]rune(text(between(desc, "<q>", "</q>")))); n > 301 {
		t.Errorf("the description shown has %d characters, want it cut at 300", n)
	}
	if !strings.Contains(e.logs.String(), `error_description="<script>alert(\"x\")</script> very long`) {
		t.Errorf("the log lacks the error_description:\n%s", e.logs.String())
	}
}

// TestLogoutSignedOut: after logout the provider sends the browser back
// with the state the app sent; the app checks it against the browser's
// logout cookie and shows "You are signed out" once, at a clean URL. A
// state that is not the browser's shows the overview without it.
func TestLogoutSignedOut(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	logout := func(b *browser) (toProvider string) {
		t.Helper()
		b.mustLogin()
		res := b.postLogout(e.appURL, "same-origin")
		if res.status != http.StatusFound || !strings.HasPrefix(res.location(), e.op.Issuer()+"/v1/logout?") {
			t.Fatalf("logout: got %d to %q, want 302 to the provider's logout", res.status, res.location())
		}
		return res.location()
	}

	t.Run("the browser's own state", func(t *testing.T) {
		b := e.newBrowser(t)
		back := b.get(logout(b))
		if back.status != http.StatusFound || !strings.HasPrefix(back.location(), e.appURL+"/?state=") {
			t.Fatalf("provider logout: got %d to %q, want 302 back to the app with the state", back.status, back.location())
		}
		clean := b.get(back.location())
		if clean.status != http.StatusSeeOther || clean.location() != "/" {
			t.Fatalf("return: got %d to %q, want 303 to / (a clean URL)", clean.status, clean.location())
		}
		home := b.get(e.appURL + "/")
		if !strings.Contains(home.body, `id="signed-out"`) || !strings.Contains(home.body, "You are signed out") {
			t.Error("the overview does not say You are signed out")
		}
		if again := b.get(e.appURL + "/"); strings.Contains(again.body, `id="signed-out"`) {
			t.Error("the message shows again on the next visit; want it once")
		}
		b.wantNoSession()
	})
	t.Run("another state", func(t *testing.T) {
		b := e.newBrowser(t)
		logout(b)
		clean := b.get(e.appURL + "/?state=not-this-browsers")
		if clean.status != http.StatusSeeOther || clean.location() != "/" {
			t.Fatalf("return: got %d to %q, want 303 to /", clean.status, clean.location())
		}
		if home := b.get(e.appURL + "/"); strings.Contains(home.body, `id="signed-out"`) {
			t.Error("a state that is not this browser's shows You are signed out")
		}
	})
	t.Run("no logout in this browser", func(t *testing.T) {
		b := e.newBrowser(t)
		clean := b.get(e.appURL + "/?state=anything")
		if clean.status != http.StatusSeeOther || clean.location() != "/" {
			t.Fatalf("return: got %d to %q, want 303 to /", clean.status, clean.location())
		}
		if home := b.get(e.appURL + "/"); strings.Contains(home.body, `id="signed-out"`) {
			t.Error("a browser that did not log out is told it is signed out")
		}
	})
	e.wantCleanLogs(t)
}

// TestCrossOriginLogoutPage: a logout posted from another site gets the
// app's own error page, not a bare text/plain 403, and a log line that
// says why.
func TestCrossOriginLogoutPage(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	b := e.newBrowser(t)
	b.mustLogin()
	res := b.postLogout("https://evil.example", "cross-site")
	if res.status != http.StatusForbidden || !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		t.Fatalf("got %d %s, want 403 text/html", res.status, res.header.Get("Content-Type"))
	}
	if !strings.Contains(res.body, `<h1 id="error-title">Request from another site refused</h1>`) {
		t.Errorf("not the app's error page: %s", errorText(res.body))
	}
	if log := e.logs.String(); !strings.Contains(log, `cross-origin POST: Origin \"https://evil.example\"`) || !strings.Contains(log, "status=403") {
		t.Errorf("the log does not say why:\n%s", log)
	}
	b.wantSession()
}
