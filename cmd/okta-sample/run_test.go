package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/internal/logbuf"
)

func TestRunRejectsBadConfiguration(t *testing.T) {
	t.Parallel()
	const secret = "do-not-print-this-secret"
	tests := []struct {
		name string
		file string
		env  map[string]string
		want []string
	}{
		{"malformed JSON", "{\n \"oktaSample\": {\"oidc\": {\"issuer\": }}}", nil, []string{"line 2, column 36"}},
		{"placeholders and a missing secret", `{"oktaSample":{"oidc":{"issuer":"https://{yourOktaDomain}/oauth2/default","clientId":"{clientId}","clientSecret":""}}}`, nil,
			[]string{"{yourOktaDomain}", "{clientId}", "clientSecret", "missing"}},
		{"issuer not a URL, secret from env", `{}`, map[string]string{"ISSUER": "not a url", "CLIENT_ID": "0oa1", "CLIENT_SECRET": secret},
			[]string{"issuer", "absolute URL"}},
		{"redirect on another port", `{}`, map[string]string{
			"ISSUER": "https://dev-1.okta.com/oauth2/default", "CLIENT_ID": "0oa1", "CLIENT_SECRET": secret,
			"REDIRECT_URI": "http://localhost:9999/authorization-code/callback",
		}, []string{"port 9999", "port 8080"}},
		{"Redis without cookie keys, password in the URL", `{}`, map[string]string{
			"OKTA_SAMPLE_REDIS_URL": "redis://:" + secret + "@127.0.0.1:6379/0", "OKTA_SAMPLE_PUBLIC_URL": "https://app.example.com",
		}, []string{"OKTA_SAMPLE_COOKIE_KEYS", "replicas"}},
		{"a bad Redis URL with a password, and a bad key", `{}`, map[string]string{
			"OKTA_SAMPLE_REDIS_URL": "redis://:" + secret + "@127.0.0.1:6379/db", "OKTA_SAMPLE_COOKIE_KEYS": secret,
		}, []string{"redis://:xxxxx@127.0.0.1:6379/db", "32 random bytes"}},
		{"https redirect URI on 443 without a public URL", `{}`, map[string]string{
			"REDIRECT_URI": "https://app.example.com/authorization-code/callback",
		}, []string{"port 443", "OKTA_SAMPLE_PUBLIC_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "samples.json")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr logbuf.Buffer
			err := run(context.Background(), []string{"-config", path}, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if !errors.Is(err, errConfig) {
				t.Fatalf("run: got %v, want a configuration error", err)
			}
			if got := exitCode(err); got != 2 {
				t.Errorf("exit code: got %d, want 2", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			all := err.Error() + stdout.String() + stderr.String()
			if strings.Contains(all, secret) {
				t.Error("the secret was printed")
			}
		})
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-no-such-flag"}, {"extra-arg"}, {"-log-format", "xml"}} {
		var out, errOut logbuf.Buffer
		err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
		if !errors.Is(err, errUsage) {
			t.Errorf("run %q: got %v, want a usage error", args, err)
		}
		if got := exitCode(err); got != 2 {
			t.Errorf("run %q: exit code %d, want 2", args, got)
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "-help", "--help"} {
		t.Run(arg, func(t *testing.T) {
			var out, errOut logbuf.Buffer
			if err := run(context.Background(), []string{arg}, func(string) string { return "" }, &out, &errOut); err != nil {
				t.Fatalf("run %s: got %v, want nil (exit 0)", arg, err)
			}
			help := out.String()
			want := []string{"Usage: okta-sample", "-addr", "-config", "-dev", "-dev-addr", "-log-format", "README.md", readmeURL}
			for _, r := range config.References() {
				want = append(want, r.Env...)
				if r.FileKey != "" {
					want = append(want, r.FileKey)
				}
			}
			want = append(want, config.IgnoredFileKeys()...)
			for _, w := range want {
				if !strings.Contains(help, w) {
					t.Errorf("the help does not mention %q", w)
				}
			}
			if errOut.String() != "" {
				t.Errorf("stderr: got %q, want nothing (the help goes to stdout)", errOut.String())
			}
		})
	}
}

func TestClientWithoutIssuerFailsAtStart(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OKTA_OAUTH2_ISUER": "https://dev-1.okta.com/oauth2/default", "CLIENT_ID": "0oa1", "CLIENT_SECRET": "s3cret-value"}
	var stdout, stderr logbuf.Buffer
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &stdout, &stderr)
	if got := exitCode(err); !errors.Is(err, errConfig) || got != 2 {
		t.Fatalf("run: got %v (exit %d), want a configuration error (exit 2)", err, got)
	}
	for _, want := range []string{"oktaSample.oidc.issuer (OKTA_OAUTH2_ISSUER or ISSUER)", "is missing", "clientId (from environment CLIENT_ID)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error()+stdout.String()+stderr.String(), "s3cret-value") {
		t.Error("the secret was printed")
	}
	if strings.Contains(stdout.String(), "demo users") {
		t.Error("the development provider started")
	}
}

// TestDevWithTheExampleFile runs -dev with the repository's example file
// copied as a newcomer would: the placeholders are ignored, and the app
// says which settings it ignores.
func TestDevWithTheExampleFile(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile(filepath.Join(pkgDir, "..", "..", ".samples.config.json.example"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), config.DefaultFile)
	if err := os.WriteFile(path, example, 0o600); err != nil {
		t.Fatal(err)
	}
	// The example's redirect URI is on 8080, which may be taken here. On
	// a port other than 0 the single-page app would take its default,
	// 8082, which may be taken too.
	a := startOnPort(t, func(port int) (*runningApp, error) {
		p := strconv.Itoa(port)
		return tryStartAppVia(t, http.DefaultClient, map[string]string{"REDIRECT_URI": "http://localhost:" + p + "/authorization-code/callback"},
			"-dev", "-config", path, "-addr", "127.0.0.1:"+p, "-spa-addr", "127.0.0.1:0")
	})
	banner := a.Stdout.String()
	for _, name := range []string{"issuer", "oktaUrl", "clientId", "clientSecret"} {
		if want := "-dev ignores: " + name + " (from file " + path + ")"; !strings.Contains(banner, want) {
			t.Errorf("the banner does not say %q:\n%s", want, banner)
		}
	}
	if !strings.Contains(a.Logs.String(), "-dev: using the embedded development provider; ignoring issuer (from file") {
		t.Errorf("the log does not say what -dev ignores:\n%s", a.Logs.String())
	}
	b := newBrowser(t)
	if p := b.login(a, aliceLogin, alicePassword); p.Status != http.StatusOK || !strings.Contains(p.Body, aliceLogin) {
		t.Errorf("login with -dev and the example file ended on %d", p.Status)
	}
	home := b.get(a.URL + "/")
	for _, want := range []string{`id="dev-overrides"`, "development provider (-dev)", "file " + path} {
		if !strings.Contains(home.Body, want) {
			t.Errorf("the overview does not show %q", want)
		}
	}
}

func TestProviderDownAtStartup(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: discovery fails, and keeps failing.
	issuer := fmt.Sprintf("http://127.0.0.1:%d/oauth2/default", freePort(t))
	var stdout, logs logbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	env := map[string]string{"ISSUER": issuer, "CLIENT_ID": "0oa1", "CLIENT_SECRET": "s3cret-value"}
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &stdout, &logs)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	waitCtx, stopWaiting := context.WithTimeout(ctx, 10*time.Second)
	defer stopWaiting()
	out, err := stdout.WaitFor(waitCtx, bannerAppRE.MatchString)
	if err != nil {
		t.Fatalf("no banner within 10s; log:\n%s", logs.String())
	}
	base := bannerAppRE.FindStringSubmatch(out)[1]
	health, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("app not serving: %v", err)
	}
	health.Body.Close()
	if health.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz with the provider down: got %d, want 503", health.StatusCode)
	}
	b := newBrowser(t)
	p := b.get(base + "/authorization-code/login")
	if p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Body, "Provider not reachable") {
		t.Errorf("login with the provider down: got %d, want 503 explaining it", p.Status)
	}
	// The overview explains the last failed attempt: wait for the first.
	if _, err := logs.WaitFor(waitCtx, func(s string) bool { return strings.Contains(s, "provider discovery failed") }); err != nil {
		t.Fatalf("no failed discovery logged within 10s; log:\n%s", logs.String())
	}
	home := b.get(base + "/")
	if home.Status != http.StatusOK {
		t.Errorf("overview with the provider down: got %d, want 200", home.Status)
	}
	// The overview says so, in plain words.
	if !strings.Contains(home.Body, `id="provider-problem">Nothing answers at 127.0.0.1:`) {
		t.Errorf("the overview does not say that nothing answers at the provider's address:\n%s", home.Body)
	}
	// Each setting says where it came from: here, the environment.
	for _, want := range []string{
		"<th scope=\"row\">issuer</th><td><code>" + issuer + "</code></td><td class=\"source\">environment ISSUER</td>",
		"<th scope=\"row\">clientId</th><td><code>0oa1</code></td><td class=\"source\">environment CLIENT_ID</td>",
		"<td class=\"source\">environment CLIENT_SECRET</td>",
	} {
		if !strings.Contains(home.Body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	// It retries rather than giving up or crashing.
	retryCtx, stopRetryWait := context.WithTimeout(ctx, 5*time.Second)
	defer stopRetryWait()
	// A timeout shows in the count below.
	retried, _ := logs.WaitFor(retryCtx, func(s string) bool { return strings.Count(s, "provider discovery failed") >= 2 })
	if n := strings.Count(retried, "provider discovery failed"); n < 2 {
		t.Errorf("discovery attempts logged: got %d, want retries", n)
	}
	if strings.Contains(logs.String(), "s3cret-value") {
		t.Error("the log contains the client secret")
	}
}

func TestPagesCarrySecurityHeaders(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil)
	b := newBrowser(t)
	for _, path := range []string{"/", "/authorization-code/login-redirect", "/authorization-code/profile", "/authorization-code/login", "/authorization-code/callback?state=x", "/healthz", "/nope"} {
		p := b.get(a.URL + path)
		h := p.Header
		csp := h.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q, want one without unsafe-inline and with frame-ancestors 'none'", path, csp)
		}
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
	p := b.get(a.URL + "/authorization-code/login-redirect")
	if !strings.Contains(p.Body, `id="login-button"`) {
		t.Error("login-redirect page has no #login-button")
	}
	home := b.get(a.URL + "/")
	for _, want := range []string{`id="dev-banner"`, aliceLogin, alicePassword, "(set, hidden)"} {
		if !strings.Contains(home.Body, want) {
			t.Errorf("overview does not show %q", want)
		}
	}
}
