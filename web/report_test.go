package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/idxtest"
	"github.com/okta-samples/okta-go-sample/session"
)

// signInWidget signs b in through the custom login page against the
// development provider, the way the Sign-In Widget does in the page's
// mode, and follows the callback to the profile. It returns the
// interaction code or the code, which no page may show.
func signInWidget(t *testing.T, b *appBrowser, user, password string) string {
	t.Helper()
	getOnceProbed(t, b.h, "Detected:")
	wc := pageWidgetConfig(t, readBody(t, b.get(pathLoginCustom)))
	var cb url.Values
	switch wc.Engine {
	case "oie":
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		code, err := idxtest.SignIn(ctx, &http.Client{}, idxtest.Login{
			Issuer: wc.Issuer, ClientID: wc.ClientID, RedirectURI: wc.RedirectURI,
			State: wc.State, Nonce: wc.Nonce, CodeChallenge: wc.CodeChallenge, Username: user, Password: password,
		})
		if err != nil {
			t.Fatalf("IDX sign-in: %v", err)
		}
		cb = url.Values{"interaction_code": {code}, "state": {wc.State}}
	case "classic":
		cb = classicSignIn(t, wc, user, password).Query()
	default:
		t.Fatalf("widget engine %q", wc.Engine)
	}
	res := b.get("/authorization-code/callback?" + cb.Encode())
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != pathProfile {
		t.Fatalf("callback: got %d to %q, want 302 to the profile; page: %s", res.StatusCode, res.Header.Get("Location"), readBody(t, res))
	}
	return cb.Get("interaction_code") + cb.Get("code")
}

// TestReportFlows: against the development provider, the report of a
// login through the Sign-In Widget names its flow, draws it, shows the
// access token (a JWT there) decoded, and holds no secret.
func TestReportFlows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		engine      devprovider.Engine
		flow        string
		diagram     []string // labels of the diagram, in order
		notDiagram  string
		grantInPage string
	}{
		{devprovider.EngineIdentity, "Identity Engine", []string{"GET " + pathLoginCustom, "POST /v1/interact", "POST /idp/idx/",
			"GET /authorization-code/callback · interaction_code, state", "POST /v1/token"}, "/api/v1/authn", "interaction_code (Okta Identity Engine)"},
		{devprovider.EngineClassic, "Classic Engine", []string{"GET " + pathLoginCustom, "POST /api/v1/authn", "GET /v1/authorize · sessionToken",
			"GET /authorization-code/callback · code, state, iss", "POST /v1/token"}, "/v1/interact", "authorization_code"},
	} {
		t.Run(tc.flow, func(t *testing.T) {
			issuer := startDevProviderEngine(t, tc.engine, testAppOrigin)
			h := newTestServerFor(t, engineConfig(issuer, ""), CDNWidget(), nil)
			b := &appBrowser{t: t, h: h, cookies: map[string]*http.Cookie{}}
			code := signInWidget(t, b, "alice@example.com", "Alice-demo-1")
			page := readBody(t, b.get(pathReport))
			if !strings.Contains(page, `id="report-flow">Flow: <strong>Custom login: the Sign-In Widget`) || !strings.Contains(page, tc.flow) {
				t.Errorf("the report does not name the flow %s: %s", tc.flow, between(page, `id="report-flow"`, "</p>"))
			}
			svg := between(page, "<svg", "</svg>")
			rest := svg
			for _, want := range tc.diagram {
				i := strings.Index(rest, htmlEscaped(want))
				if i < 0 {
					t.Errorf("the diagram lacks %q (in order)", want)
					break
				}
				rest = rest[i:]
			}
			if strings.Contains(svg, tc.notDiagram) {
				t.Errorf("the diagram of this flow shows %s", tc.notDiagram)
			}
			if !strings.Contains(page, "<code>"+tc.grantInPage+"</code>") {
				t.Errorf("the token step does not name the grant %s", tc.grantInPage)
			}
			payload := between(page, `<h2 id="access-token">`, "</pre></div>\n</div>")
			for _, want := range []string{"&#34;scp&#34;", "&#34;cid&#34;: &#34;0oa-test&#34;", "at&#43;jwt"} {
				if !strings.Contains(payload, want) {
					t.Errorf("the decoded access token lacks %s", want)
				}
			}
			if strings.Contains(page, "✗") || strings.Contains(page, `class="fail"`) {
				t.Error("the report shows a failure")
			}
			secrets := []string{testSecret, code}
			for _, c := range b.cookies {
				secrets = append(secrets, c.Value)
			}
			for _, s := range secrets {
				if len(s) >= 8 && strings.Contains(page, s) {
					t.Errorf("the report shows a secret %.12q…", s)
				}
			}
		})
	}
}

func htmlEscaped(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

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

// TestReportWithoutOne: a session made without a report (one signed in
// before the app kept reports) gets a page that says so.
func TestReportWithoutOne(t *testing.T) {
	t.Parallel()
	e := newProfileEnv(t)
	c := e.signIn(t, session.Profile{Subject: "00u1", Claims: []auth.Claim{{Name: "sub", Value: "00u1", Source: "id_token"}}})
	resp := e.get(pathReport, c)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="no-report"`) {
		t.Errorf("got %d, want 200 saying there is no report", resp.StatusCode)
	}
}

// TestReportRulesNameRealCode: every source the report names is a file of
// the repository with that function in it, and every rule auth records has
// a description.
func TestReportRulesNameRealCode(t *testing.T) {
	t.Parallel()
	refs := []sourceRef{sourceBegin, sourceExchange, sourceKeys, sourceSession,
		{"auth/callback.go", "Finish"}, {"auth/callback.go", "userInfo"}, {"auth/idtoken.go", "verifyIDToken, checkClaims"}}
	for _, info := range reportRules {
		refs = append(refs, info.Source)
	}
	for _, ref := range refs {
		src, err := os.ReadFile(filepath.Join("..", ref.File))
		if err != nil {
			t.Errorf("%s: %v", ref, err)
			continue
		}
		for _, fn := range strings.Split(ref.Func, ", ") {
			if !regexp.MustCompile(`(?m)^func (\([^)]*\) )?` + regexp.QuoteMeta(fn) + `\(`).Match(src) {
				t.Errorf("%s has no function %s", ref.File, fn)
			}
		}
	}
	for step, rules := range reportRuleOrder {
		for _, rule := range rules {
			info, ok := reportRules[step+"/"+rule]
			if !ok || info.Title == "" || info.Rule == "" || len(info.Specs) == 0 {
				t.Errorf("%s/%s: no description, rule or specification", step, rule)
			}
			for _, sp := range info.Specs {
				if u, err := url.Parse(sp.URL); err != nil || u.Scheme != "https" || sp.Name == "" {
					t.Errorf("%s/%s: specification %+v is not a name and an https link", step, rule, sp)
				}
			}
		}
	}
}

// testReport is a successful login's report, as auth records it.
func testReport(grant, start string) *auth.Report {
	now := time.Date(2030, 6, 1, 12, 0, 0, 300_000_000, time.UTC)
	iss := "https://dev-1.okta.com/oauth2/default"
	rep := &auth.Report{
		Issuer: iss, Started: now.Add(-10 * time.Second), AuthorizationEndpoint: iss + "/v1/authorize", ClientID: "0oa1",
		RedirectURI: "http://localhost:8080/authorization-code/callback", Scope: "openid email profile",
		State: "AbCdEfGh…", Nonce: "NoNcE123…", CodeChallenge: "ChAlLeNg…", CodeChallengeMethod: "S256",
		Grant: grant, StartPath: start, IssAdvertised: true, TokenEndpoint: iss + "/v1/token", ClientAuth: "client_secret_basic",
		TokenStatus: 200, TokenTime: 12 * time.Millisecond, ProviderDate: now.Truncate(time.Second), TokenType: "Bearer",
		AccessTokenLifetime: time.Hour, JWKSURI: iss + "/v1/keys", KeyID: "kid-1", Alg: "RS256", KeysFetched: true,
		Checked: now, Leeway: 5 * time.Minute, IssuedAt: now.Truncate(time.Second).Add(-2 * time.Second), Expiry: now.Truncate(time.Second).Add(time.Hour - 2*time.Second),
		UserInfoEndpoint: iss + "/v1/userinfo", UserInfoStatus: 200, UserInfoTime: 3 * time.Millisecond,
	}
	return rep
}

// TestDiagram: the sequence diagram follows the flow, shows a key fetch
// only when there was one, ends at the failure in red, and is well-formed
// SVG.
func TestDiagram(t *testing.T) {
	t.Parallel()
	failed := func(step, rule, got string) *auth.Report {
		r := testReport("authorization_code", pathLogin)
		r.Failed = step
		r.KeysFetched = false
		r.Checks = []auth.ReportCheck{{Step: step, Rule: rule, Result: "fail", Want: "x", Got: got}}
		return r
	}
	tokenFail := failed("token", "response", "401 invalid_client")
	tokenFail.TokenStatus = 401
	for _, tc := range []struct {
		name   string
		rep    *auth.Report
		flow   string
		labels []string // in order
		last   string
		fails  int // rows drawn as failed
	}{
		{"redirect", testReport("authorization_code", pathLogin), flowRedirect,
			[]string{"GET /authorization-code/login", "302 to /v1/authorize", "code, state, iss", "POST /v1/token", "GET /v1/keys", "GET /v1/userinfo", "new session"},
			"302 to the page asked for · session cookie", 0},
		{"widget classic", testReport("authorization_code", pathLoginCustom), flowWidgetClassic,
			[]string{"POST /api/v1/authn", "sessionToken", "GET /v1/authorize · sessionToken", "POST /v1/token"},
			"302 to the page asked for · session cookie", 0},
		{"widget Identity Engine", testReport("interaction_code", pathLoginCustom), flowWidgetOIE,
			[]string{"POST /v1/interact", "POST /idp/idx/", "successWithInteractionCode", "interaction_code, state", "POST /v1/token"},
			"302 to the page asked for · session cookie", 0},
		{"provider error", failed("callback", "error", "access_denied"), flowRedirect,
			[]string{"error=access_denied", "GET /authorization-code/callback · error, state", "✗ callback: error"},
			"error page, with this report", 2},
		{"token refused", tokenFail, flowRedirect, []string{"POST /v1/token", "401 invalid_client", "✗ token: response"},
			"error page, with this report", 3},
		{"id_token refused", failed("id_token", "iss", "https://evil.example"), flowRedirect,
			[]string{"POST /v1/token", "200 · id_token, access_token", "✗ id_token: iss"}, "error page, with this report", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDiagram(tc.rep, tc.flow)
			var labels []string
			fails := 0
			for _, r := range d.Rows {
				labels = append(labels, r.Label)
				if strings.Contains(r.Class, "fail") {
					fails++
				}
			}
			all := strings.Join(labels, "\n")
			rest := all
			for _, want := range tc.labels {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Errorf("labels lack %q (in order):\n%s", want, all)
					break
				}
				rest = rest[i:]
			}
			if got := labels[len(labels)-1]; got != tc.last {
				t.Errorf("last message %q, want %q", got, tc.last)
			}
			if tc.rep.KeysFetched != strings.Contains(all, "GET /v1/keys") {
				t.Errorf("KeysFetched %v, but the diagram's key fetch is %v", tc.rep.KeysFetched, !tc.rep.KeysFetched)
			}
			if fails != tc.fails {
				t.Errorf("%d rows drawn as failed, want %d", fails, tc.fails)
			}
			if d.Height != diagramTop+rowHeight/2+len(d.Rows)*rowHeight+4 {
				t.Errorf("height %d does not fit %d rows", d.Height, len(d.Rows))
			}

			p, err := parsePages()
			if err != nil {
				t.Fatal(err)
			}
			svg, err := p.executeTemplate("report", "diagram", d)
			if err != nil {
				t.Fatal(err)
			}
			dec := xml.NewDecoder(bytes.NewReader(svg))
			for {
				_, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("the SVG is not well-formed: %v\n%s", err, svg)
				}
			}
			if bytes.Contains(svg, []byte("style=")) || bytes.Contains(svg, []byte("<script")) {
				t.Error("the SVG has a style attribute or a script, which the Content-Security-Policy blocks")
			}
		})
	}
}

func TestIssuerDiagnosis(t *testing.T) {
	t.Parallel()
	s := &Server{}
	for _, tc := range []struct{ configured, got, cause string }{
		{"https://dev-1.okta.com/oauth2/default", "https://dev-1.okta.com", "issuer-org-vs-custom"},
		{"https://dev-1.okta.com", "https://dev-1.okta.com/oauth2/default", "issuer-custom-vs-org"},
		{"https://dev-1.okta.com/oauth2/default", "https://dev-1.okta.com/oauth2/aus1abc", "issuer-other-server"},
		{"https://dev-1.okta.com/oauth2/default", "https://dev-1.okta.com/oauth2/default/", "issuer-trailing-slash"},
		{"https://dev-1.okta.com/oauth2/default", "https://dev-2.okta.com/oauth2/default", "issuer-other-host"},
		{"https://dev-1.okta.com/oauth2/default", "", "issuer-mismatch"},
	} {
		d := s.issuerDiagnosis(tc.configured, tc.got)
		if d.Cause != tc.cause {
			t.Errorf("%s against %s: cause %q, want %q", tc.got, tc.configured, d.Cause, tc.cause)
		}
		if d.Want != tc.configured || len(d.Fix) == 0 {
			t.Errorf("%s against %s: want %q, fix %q: want the configured issuer and a fix", tc.got, tc.configured, d.Want, d.Fix)
		}
	}
}

// TestDiscoveryProblem: the overview says in plain words why the provider
// cannot be reached.
func TestDiscoveryProblem(t *testing.T) {
	t.Parallel()
	s := &Server{cfg: config.Config{Issuer: "https://dev-1.okta.com/oauth2/default", ProviderTimeout: 10 * time.Second}}
	wrap := func(err error) error {
		return fmt.Errorf("%w: %w", auth.ErrNotReady, fmt.Errorf("auth: discovery at https://dev-1.okta.com/oauth2/default/.well-known/openid-configuration failed: %w", err))
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"issuer mismatch", &oidc.IssuerMismatchError{Provided: "https://dev-1.okta.com/oauth2/default", Discovered: "https://dev-1.okta.com"},
			"names the issuer https://dev-1.okta.com, but the app is configured with https://dev-1.okta.com/oauth2/default"},
		{"DNS", &url.Error{Op: "Get", URL: "x", Err: &net.DNSError{Err: "no such host", Name: "dev-1.okta.com", IsNotFound: true}}, "does not resolve"},
		{"refused", &url.Error{Op: "Get", URL: "x", Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}, "Nothing answers at dev-1.okta.com"},
		{"timeout", context.DeadlineExceeded, "did not answer within 10s"},
		{"not found", errors.New("404 Not Found: <html>"), "no discovery document"},
		{"not JSON", errors.New("oidc: failed to decode provider discovery object: invalid character"), "not with an OpenID provider's JSON"},
		{"anything else", errors.New("boom"), "the detail below"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.discoveryProblem(wrap(tc.err)); !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to say %q", got, tc.want)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{300 * time.Millisecond, "under a second"},
		{2 * time.Second, "2 s"},
		{59*time.Minute + 59*time.Second, "59 min"},
		{time.Hour, "1 h"},
		{time.Hour + 5*time.Minute, "1 h 5 min"},
		{-10 * time.Minute, "10 min"},
		{72 * time.Hour, "3 days"},
	} {
		if got := humanDuration(tc.d); got != tc.want {
			t.Errorf("humanDuration(%s): got %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestBreakable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"http://127.0.0.1:8081/oauth2/default", "http://127.0.0.1:8081/<wbr>oauth2/<wbr>default"},
		{"/v1/token", "/v1/<wbr>token"},
		{"a/", "a/"},
		{`<b>&"x"/y`, "&lt;b&gt;&amp;&#34;x&#34;/<wbr>y"},
		{"", ""},
	} {
		if got := string(breakable(tc.in)); got != tc.want {
			t.Errorf("breakable(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCleanDescription(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"User is not assigned.", "User is not assigned."},
		{"line\nbreak\x00 and \x7f", "line break  and"},
		{"\xff bad", "\uFFFD bad"},
		{strings.Repeat("é", 400), strings.Repeat("é", 300) + "…"},
	} {
		if got := cleanDescription(tc.in); got != tc.want {
			t.Errorf("cleanDescription(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
