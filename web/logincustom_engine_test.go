package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/idxtest"
	"github.com/okta-samples/okta-go-sample/internal/logbuf"
)

// engineMarker is in the page once it says which engine it uses.
const engineMarker = `id="widget-engine"`

// TestLoginCustomEngine: the page runs the widget in the mode that fits
// the org, or the one the setting forces, and says which and why; its
// side panel explains that mode's steps.
func TestLoginCustomEngine(t *testing.T) {
	t.Parallel()
	idx := startDevProviderEngine(t, devprovider.EngineIdentity, testAppOrigin)
	v1 := startDevProviderEngine(t, devprovider.EngineClassic, testAppOrigin)
	tests := []struct {
		name       string
		issuer     string
		setting    config.WidgetEngine
		wantEngine string
		wantWhy    []string
	}{
		{"Identity Engine org, auto", idx, "", "oie",
			[]string{"Identity Engine mode.", "Detected:", orgURL(idx) + "/.well-known/okta-organization", `"pipeline": "idx"`}},
		{"Identity Engine org, auto by name", idx, config.WidgetEngineAuto, "oie", []string{"Identity Engine mode.", "Detected:"}},
		{"Classic org, auto", v1, "", "classic",
			[]string{"Classic Engine mode.", "Detected:", `"pipeline": "v1"`}},
		{"Identity Engine org, classic forced", idx, config.WidgetEngineClassic, "classic",
			[]string{"Classic Engine mode.", "Chosen by the setting", "OKTA_SAMPLE_WIDGET_ENGINE", "<code>classic</code>", "the org was not asked"}},
		{"Classic org, oie forced", v1, config.WidgetEngineOIE, "oie",
			[]string{"Identity Engine mode.", "Chosen by the setting", "<code>oie</code>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestServerFor(t, engineConfig(tt.issuer, tt.setting), CDNWidget(), nil)
			// The first render may come before the org answered (a page
			// waits 1.5 s at most); what matters is the answer.
			marker := "Detected:"
			if tt.setting == config.WidgetEngineOIE || tt.setting == config.WidgetEngineClassic {
				marker = engineMarker
			}
			resp, body := getOnceProbed(t, h, marker)
			if got := pageWidgetConfig(t, body).Engine; got != tt.wantEngine {
				t.Errorf("widget engine: got %q, want %q", got, tt.wantEngine)
			}
			why := textOf(t, body, engineMarker)
			for _, want := range tt.wantWhy {
				if !strings.Contains(why, want) {
					t.Errorf("#widget-engine %q lacks %q", why, want)
				}
			}
			panel := body[strings.Index(body, `<aside`):]
			oieSteps, classicSteps := strings.Contains(panel, "/v1/interact"), strings.Contains(panel, "session token")
			if oieSteps != (tt.wantEngine == "oie") || classicSteps != (tt.wantEngine == "classic") {
				t.Errorf("side panel: explains /v1/interact %v and the session token %v; want the %s steps only", oieSteps, classicSteps, tt.wantEngine)
			}
			policy := resp.Header.Get("Content-Security-Policy")
			if strings.Contains(policy, "unsafe-inline") || strings.Contains(policy, "unsafe-eval") {
				t.Errorf("CSP allows unsafe code: %s", policy)
			}
		})
	}
}

// TestLoginCustomNotOkta: a provider without Okta's organization document
// gets the explanation and the link to the redirect flow, naming what is
// missing; with the classic mode forced, the missing Authentication API;
// with the Identity Engine mode forced, the widget all the same.
func TestLoginCustomNotOkta(t *testing.T) {
	t.Parallel()
	issuer := startPlainProvider(t)
	tests := []struct {
		name        string
		setting     config.WidgetEngine
		wantMissing string // "" for the widget
	}{
		{"auto", config.WidgetEngineAuto, issuer + "/.well-known/okta-organization"},
		{"classic forced", config.WidgetEngineClassic, issuer + "/api/v1/authn"},
		{"oie forced", config.WidgetEngineOIE, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestServerFor(t, engineConfig(issuer, tt.setting), CDNWidget(), nil)
			if tt.wantMissing == "" {
				_, body := getOnceProbed(t, h, engineMarker)
				if strings.Contains(body, `id="not-okta"`) || pageWidgetConfig(t, body).Engine != "oie" {
					t.Errorf("forced Identity Engine mode: want the widget in oie mode and no not-Okta note")
				}
				return
			}
			resp, body := getOnceProbed(t, h, `id="not-okta"`)
			if alert := textOf(t, body, `id="not-okta"`); !strings.Contains(alert, tt.wantMissing) || !strings.Contains(alert, "not Okta-compatible") {
				t.Errorf("#not-okta %q, want it to name %s", alert, tt.wantMissing)
			}
			if strings.Contains(body, `id="widget-config"`) || len(resp.Cookies()) > 0 {
				t.Errorf("a page without the widget shows a widget config or sets cookies %v", resp.Cookies())
			}
		})
	}
}

// textOf returns the element of page whose opening tag contains attr, up
// to the first closing tag of its kind (the page's notes nest no element
// of their own kind).
func textOf(t *testing.T, page, attr string) string {
	t.Helper()
	i := strings.Index(page, attr)
	open := strings.LastIndex(page[:max(i, 0)], "<")
	if i < 0 || open < 0 {
		t.Fatalf("page has no element with %s", attr)
	}
	tag, _, _ := strings.Cut(page[open+1:i], " ")
	rest := page[open:]
	if j := strings.Index(rest, "</"+tag+">"); j >= 0 {
		return rest[:j]
	}
	return rest
}

func orgURL(issuer string) string { return config.Config{Issuer: issuer}.OrgURL() }

// engineConfig is the test server's configuration for a provider at
// issuer, with the widget engine setting.
func engineConfig(issuer string, engine config.WidgetEngine) config.Config {
	return config.Config{Issuer: issuer, ClientID: "0oa-test", ClientSecret: testSecret, RedirectURI: testRedirectURI, WidgetEngine: engine}
}

// appBrowser is one browser of the app's handler: it keeps the cookies the
// app sets and follows nothing.
type appBrowser struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]*http.Cookie
}

func (b *appBrowser) get(path string) *http.Response {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodGet, testAppOrigin+path, nil)
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return rec.Result()
}

// TestLoginCustomIdentityEngineLogin runs the whole Identity Engine login
// through the app's handler: the page's values, the IDX API as the widget
// uses it, and the callback with the interaction code, to the profile.
func TestLoginCustomIdentityEngineLogin(t *testing.T) {
	t.Parallel()
	issuer := startDevProviderEngine(t, devprovider.EngineIdentity, testAppOrigin)
	carol := devprovider.DemoUsers()[2]
	tests := []struct {
		name, user, password, email string
		otp                         func() (string, error)
	}{
		{"password", "alice@example.com", "Alice-demo-1", "alice@example.com", nil},
		{"password and TOTP", carol.Login, carol.Password, carol.Email, func() (string, error) {
			return totp.GenerateCode(carol.TOTPSecret, time.Now())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logbuf.Buffer{}
			h := newTestServerFor(t, engineConfig(issuer, ""), CDNWidget(), slog.New(slog.NewTextHandler(logs, nil)))
			b := &appBrowser{t: t, h: h, cookies: map[string]*http.Cookie{}}
			// Wait for the engine, then render the page this browser uses.
			getOnceProbed(t, h, "Detected:")
			wc := pageWidgetConfig(t, readBody(t, b.get(pathLoginCustom)))
			if wc.Engine != "oie" {
				t.Fatalf("widget engine %q, want oie", wc.Engine)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			code, err := idxtest.SignIn(ctx, &http.Client{}, idxtest.Login{
				Issuer: wc.Issuer, ClientID: wc.ClientID, RedirectURI: wc.RedirectURI,
				State: wc.State, Nonce: wc.Nonce, CodeChallenge: wc.CodeChallenge,
				Username: tt.user, Password: tt.password, OTP: tt.otp,
			})
			if err != nil {
				t.Fatalf("IDX sign-in: %v", err)
			}

			cb := b.get("/authorization-code/callback?" + url.Values{"interaction_code": {code}, "state": {wc.State}}.Encode())
			if cb.StatusCode != http.StatusFound || cb.Header.Get("Location") != pathProfile {
				t.Fatalf("callback: got %d to %q, want 302 to the profile; page: %s", cb.StatusCode, cb.Header.Get("Location"), readBody(t, cb))
			}
			profile := readBody(t, b.get(pathProfile))
			if !strings.Contains(profile, tt.email) {
				t.Errorf("profile does not show %s", tt.email)
			}
			if log := logs.String(); !strings.Contains(log, "flow=widget-oie") || strings.Contains(log, code) {
				t.Errorf("log: want flow=widget-oie and never the interaction code:\n%s", log)
			}
		})
	}
}

// TestLoginCustomClassicLogin runs the classic mode's login through the
// app's handler: the Authentication API, /authorize with the session
// token, the callback with the code.
func TestLoginCustomClassicLogin(t *testing.T) {
	t.Parallel()
	issuer := startDevProviderEngine(t, devprovider.EngineClassic, testAppOrigin)
	logs := &logbuf.Buffer{}
	h := newTestServerFor(t, engineConfig(issuer, ""), CDNWidget(), slog.New(slog.NewTextHandler(logs, nil)))
	b := &appBrowser{t: t, h: h, cookies: map[string]*http.Cookie{}}
	getOnceProbed(t, h, "Detected:")
	wc := pageWidgetConfig(t, readBody(t, b.get(pathLoginCustom)))
	if wc.Engine != "classic" {
		t.Fatalf("widget engine %q, want classic", wc.Engine)
	}

	loc := classicSignIn(t, wc, "bob@example.com", "Bob-demo-1")
	cb := b.get(loc.RequestURI())
	if cb.StatusCode != http.StatusFound || cb.Header.Get("Location") != pathProfile {
		t.Fatalf("callback: got %d to %q, want 302 to the profile", cb.StatusCode, cb.Header.Get("Location"))
	}
	if log := logs.String(); !strings.Contains(log, "flow=widget-classic") {
		t.Errorf("log: want flow=widget-classic:\n%s", log)
	}
}

func TestLoginFlow(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		grant, start, want string
	}{
		{"interaction_code", pathLoginCustom, "widget-oie"},
		{"authorization_code", pathLoginCustom, "widget-classic"},
		{"authorization_code", pathLogin, "redirect"},
		{"authorization_code", "", "redirect"},
	} {
		if got := loginFlow(&auth.Identity{Grant: tt.grant, StartPath: tt.start}); got != tt.want {
			t.Errorf("loginFlow(%s, %q): got %q, want %q", tt.grant, tt.start, got, tt.want)
		}
	}
}

// classicSignIn does what the Sign-In Widget does in Classic Engine mode
// with the page's widget configuration wc: POST /api/v1/authn for a
// sessionToken, then /v1/authorize with it and the page's state, nonce
// and code challenge. It returns where the provider sends the browser:
// the app's callback, with the code.
func classicSignIn(t *testing.T, wc widgetConfig, user, password string) *url.URL {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, err := json.Marshal(map[string]string{"username": user, "password": password})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Post(wc.BaseURL+"/api/v1/authn", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var authn struct {
		SessionToken string `json:"sessionToken"`
	}
	err = json.NewDecoder(resp.Body).Decode(&authn)
	resp.Body.Close()
	if err != nil || authn.SessionToken == "" {
		t.Fatalf("authn: status %d, %v; want a session token", resp.StatusCode, err)
	}
	q := url.Values{
		"client_id": {wc.ClientID}, "redirect_uri": {wc.RedirectURI}, "response_type": {"code"}, "scope": {strings.Join(wc.Scopes, " ")},
		"state": {wc.State}, "nonce": {wc.Nonce}, "code_challenge": {wc.CodeChallenge}, "code_challenge_method": {"S256"},
		"sessionToken": {authn.SessionToken},
	}
	resp, err = c.Get(wc.Issuer + "/v1/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), testRedirectURI+"?") {
		t.Fatalf("authorize: got %d to %q, want the callback", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc
}
