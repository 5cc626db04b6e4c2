package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/logbuf"
)

const testSecret = "dev-secret-0123456789-abcdefghijklmnop"

// announcer records what is written and closes seen once the output
// contains want, so a test waits for the banner instead of polling.
type announcer struct {
	logbuf.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func newAnnouncer(want string) *announcer {
	return &announcer{want: want, seen: make(chan struct{})}
}

func (a *announcer) Write(p []byte) (int, error) {
	n, err := a.Buffer.Write(p)
	if strings.Contains(a.String(), a.want) {
		a.once.Do(func() { close(a.seen) })
	}
	return n, err
}

var issuerRE = regexp.MustCompile(`issuer:\s+(http://\S+)`)

// startProvider runs the command on a free port with env, and returns its
// issuer once the banner is out. It stops it when the test ends.
func startProvider(t *testing.T, env map[string]string, args ...string) (issuer string, stdout *announcer, stderr *logbuf.Buffer) {
	t.Helper()
	stdout, stderr = newAnnouncer("demo users:"), &logbuf.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, stdout, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	select {
	case <-stdout.seen:
	case err := <-done:
		t.Fatalf("run returned before serving: %v\nstderr:\n%s", err, stderr.String())
	}
	return issuerRE.FindStringSubmatch(stdout.String())[1], stdout, stderr
}

func TestProviderRegistersTheApp(t *testing.T) {
	t.Parallel()
	const public = "https://localhost:8443"
	issuer, stdout, stderr := startProvider(t, map[string]string{
		"OKTA_OAUTH2_CLIENT_SECRET": testSecret,
		"OKTA_SAMPLE_PUBLIC_URL":    public + "/",
	})
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/oauth2/default$`).MatchString(issuer) {
		t.Fatalf("issuer: got %q, want http://127.0.0.1:PORT/oauth2/default", issuer)
	}
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	resp, err := client.Get(issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var disc struct{ Issuer string }
	err = json.NewDecoder(resp.Body).Decode(&disc)
	resp.Body.Close()
	if err != nil || disc.Issuer != issuer {
		t.Errorf("discovery issuer: got %q, %v; want %q", disc.Issuer, err, issuer)
	}

	authorize := func(clientID, redirectURI string) string {
		return issuer + "/v1/authorize?" + url.Values{
			"client_id":             {clientID},
			"redirect_uri":          {redirectURI},
			"response_type":         {"code"},
			"scope":                 {"openid profile"},
			"state":                 {"state-0123456789"},
			"nonce":                 {"nonce-0123456789"},
			"code_challenge":        {strings.Repeat("A", 43)},
			"code_challenge_method": {"S256"},
		}.Encode()
	}
	tests := []struct {
		name       string
		method     string
		url        string
		header     http.Header
		wantStatus int
		wantACAO   string // Access-Control-Allow-Origin, for preflights
	}{
		{
			name:       "sign-in for the registered redirect URI, derived from the public URL",
			method:     http.MethodGet,
			url:        authorize(defaultClientID, public+callbackPath),
			wantStatus: http.StatusOK,
		},
		{
			name:       "another redirect URI",
			method:     http.MethodGet,
			url:        authorize(defaultClientID, "https://evil.example"+callbackPath),
			wantStatus: http.StatusBadRequest,
		},
		{
			name:       "another client",
			method:     http.MethodGet,
			url:        authorize("someone-else", public+callbackPath),
			wantStatus: http.StatusBadRequest,
		},
		{
			name:   "widget preflight from the app's origin",
			method: http.MethodOptions,
			url:    strings.TrimSuffix(issuer, "/oauth2/default") + "/api/v1/authn",
			header: http.Header{"Origin": {public}, "Access-Control-Request-Method": {"POST"},
				"Access-Control-Request-Headers": {"content-type"}},
			wantStatus: http.StatusNoContent,
			wantACAO:   public,
		},
		{
			name:   "widget preflight from a foreign origin",
			method: http.MethodOptions,
			url:    strings.TrimSuffix(issuer, "/oauth2/default") + "/api/v1/authn",
			header: http.Header{"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"POST"},
				"Access-Control-Request-Headers": {"content-type"}},
			wantStatus: http.StatusForbidden,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = tt.header
			if req.Header == nil {
				req.Header = http.Header{}
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
				t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, tt.wantACAO)
			}
		})
	}

	for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
		if strings.Contains(out, testSecret) {
			t.Errorf("%s contains the client secret", name)
		}
	}
	if want := "alice@example.com      password Alice-demo-1"; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout lacks the demo user line %q:\n%s", want, stdout.String())
	}
}

func TestConfigurationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantConfig bool     // errConfig rather than errUsage
		wantErr    []string // each in the message
	}{
		{
			name:       "nothing set",
			env:        map[string]string{},
			wantConfig: true,
			wantErr:    []string{"OKTA_OAUTH2_CLIENT_SECRET is not set", "neither OKTA_OAUTH2_REDIRECT_URI nor OKTA_SAMPLE_PUBLIC_URL"},
		},
		{
			name:       "public URL with a path",
			env:        map[string]string{"OKTA_OAUTH2_CLIENT_SECRET": testSecret, "OKTA_SAMPLE_PUBLIC_URL": "https://localhost:8443/app"},
			wantConfig: true,
			wantErr:    []string{"OKTA_SAMPLE_PUBLIC_URL", "want an origin"},
		},
		{
			name:       "relative redirect URI",
			env:        map[string]string{"OKTA_OAUTH2_CLIENT_SECRET": testSecret, "OKTA_OAUTH2_REDIRECT_URI": "/authorization-code/callback"},
			wantConfig: true,
			wantErr:    []string{"OKTA_OAUTH2_REDIRECT_URI", "absolute"},
		},
		{
			name:       "off loopback",
			args:       []string{"-addr", "0.0.0.0:0"},
			env:        map[string]string{"OKTA_OAUTH2_CLIENT_SECRET": testSecret, "OKTA_SAMPLE_PUBLIC_URL": "https://localhost:8443"},
			wantConfig: true,
			wantErr:    []string{"loopback only"},
		},
		{
			name:    "-app with a path",
			args:    []string{"-app", "http://localhost:8082/app"},
			env:     map[string]string{},
			wantErr: []string{"usage"},
		},
		{
			name:    "-spa with a query",
			args:    []string{"-spa", "http://localhost:8083/?x=1"},
			env:     map[string]string{},
			wantErr: []string{"usage"},
		},
		{
			name:    "stray argument",
			args:    []string{"serve"},
			env:     map[string]string{},
			wantErr: []string{"usage"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr logbuf.Buffer
			err := run(t.Context(), tt.args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if err == nil {
				t.Fatalf("run: got nil, want an error; stdout:\n%s", stdout.String())
			}
			if got := errors.Is(err, errConfig); got != tt.wantConfig {
				t.Errorf("errors.Is(err, errConfig): got %v, want %v (err %v)", got, tt.wantConfig, err)
			}
			if got, want := exitCode(err), 2; got != want {
				t.Errorf("exit code: got %d, want %d", got, want)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error()+stdout.String()+stderr.String(), testSecret) {
				t.Error("the client secret was printed")
			}
		})
	}
}

// TestAnotherApp: -app registers a second copy of the app as a demo client
// of its own, printed with the secret that authenticates it.
func TestAnotherApp(t *testing.T) {
	t.Parallel()
	const public, second = "https://localhost:8443", "http://localhost:8082"
	issuer, stdout, _ := startProvider(t, map[string]string{
		"OKTA_OAUTH2_CLIENT_SECRET": testSecret,
		"OKTA_SAMPLE_PUBLIC_URL":    public,
	}, "-app", second)
	m := regexp.MustCompile(`another app:\s+client id (\S+)\s+client secret (\S+)\s+redirect URI (\S+)`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("the second app is not printed:\n%s", stdout.String())
	}
	if m[1] != "0oa-okta-go-sample-dev-2" || m[3] != second+callbackPath || len(m[2]) < 32 {
		t.Errorf("second app: got id %q, secret of %d characters, redirect URI %q; want 0oa-okta-go-sample-dev-2, a long secret, %s",
			m[1], len(m[2]), m[3], second+callbackPath)
	}
	if !strings.Contains(stdout.String(), "/dev/sessions") {
		t.Errorf("the sign-out-everywhere page is not printed:\n%s", stdout.String())
	}

	// The second app's client is registered: its authorize shows the
	// sign-in page, and its secret authenticates it at the token endpoint
	// (a made-up code, so invalid_grant, not invalid_client).
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {m[1]}, "redirect_uri": {m[3]}, "response_type": {"code"}, "scope": {"openid"}, "state": {"s"}}
	resp, err := client.Get(issuer + "/v1/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("authorize for the second app: got %d, want 200 with the sign-in page", resp.StatusCode)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {"made-up"}, "redirect_uri": {m[3]}}
	req, err := http.NewRequest(http.MethodPost, issuer+"/v1/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(m[1]), url.QueryEscape(m[2]))
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Error string }
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || body.Error != "invalid_grant" {
		t.Errorf("token with the printed secret: got %d %q (%v), want invalid_grant", resp.StatusCode, body.Error, err)
	}
}

// TestSPA: -spa registers a single-page app as a public client, printed
// without a secret, whose origin may call the token endpoint.
func TestSPA(t *testing.T) {
	t.Parallel()
	const spa = "http://localhost:8083"
	issuer, stdout, _ := startProvider(t, map[string]string{
		"OKTA_OAUTH2_CLIENT_SECRET": testSecret,
		"OKTA_SAMPLE_PUBLIC_URL":    "https://localhost:8443",
	}, "-spa", spa)
	want := "single-page app (public, PKCE): client id 0oa-okta-go-sample-spa\n                redirect URI " + spa + "/login/callback\n"
	if !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
	}
	req, err := http.NewRequest(http.MethodOptions, issuer+"/v1/token", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", spa)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != spa {
		t.Errorf("token preflight from the SPA: got %d with Access-Control-Allow-Origin %q, want 204 and %q",
			resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), spa)
	}
}
