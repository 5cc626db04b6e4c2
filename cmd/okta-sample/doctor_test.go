package main

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

const (
	doctorRedirectURI = "http://localhost:8080/authorization-code/callback"
	doctorAppOrigin   = "http://localhost:8080"
)

// doctorRun is one run of `okta-sample doctor`.
type doctorRun struct {
	err      error
	stdout   string
	stderr   string
	statuses map[string][]string // check → statuses, in order
}

// checkLineRE is one check's line: status, check, detail.
var checkLineRE = regexp.MustCompile(`(?m)^(PASS|WARN|SKIP|FAIL)  (\S+)\s+(.*)$`)

// runDoctorFor runs `okta-sample doctor args...` with env, reading the
// samples file file (written to a temporary folder; "" for an empty one),
// so no stray file of the working directory is read.
func runDoctorFor(t *testing.T, file string, env map[string]string, args ...string) doctorRun {
	t.Helper()
	if file == "" {
		file = `{"oktaSample": {}}`
	}
	path := filepath.Join(t.TempDir(), "samples.json")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	args = append([]string{"doctor", "-config", path}, args...)
	err := run(t.Context(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	r := doctorRun{err: err, stdout: stdout.String(), stderr: stderr.String(), statuses: map[string][]string{}}
	for _, m := range checkLineRE.FindAllStringSubmatch(r.stdout, -1) {
		r.statuses[m[2]] = append(r.statuses[m[2]], m[1])
	}
	return r
}

// exit is the exit status main would give.
func (r doctorRun) exit() int {
	if r.err == nil {
		return 0
	}
	return exitCode(r.err)
}

// doctorDevProvider serves the development provider, registered for the
// app at its default address, and returns its issuer and client.
func doctorDevProvider(t *testing.T) (issuer, clientID, secret string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer = "http://" + srv.Listener.Addr().String() + "/oauth2/default"
	clientID, secret = "0oa-doctor-cmd", "doctor-cmd-secret-0123456789"
	p, err := devprovider.New(devprovider.Config{
		Issuer: issuer,
		Clients: []devprovider.Client{{ID: clientID, Secret: secret,
			RedirectURIs: []string{doctorRedirectURI}, PostLogoutRedirectURIs: []string{doctorAppOrigin + "/"}}},
		TrustedOrigins: []string{doctorAppOrigin},
		NewSigningKey:  (&testkeys.Source{}).Next,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(srv.Close)
	return issuer, clientID, secret
}

// TestDoctorDevProvider: every check passes against the development
// provider, configured by the environment or by the samples file, and
// the secret is never printed.
func TestDoctorDevProvider(t *testing.T) {
	t.Parallel()
	issuer, clientID, secret := doctorDevProvider(t)
	env := map[string]string{"OKTA_OAUTH2_ISSUER": issuer, "OKTA_OAUTH2_CLIENT_ID": clientID, "OKTA_OAUTH2_CLIENT_SECRET": secret}
	file, err := json.Marshal(map[string]any{"oktaSample": map[string]any{"oidc": map[string]string{
		"issuer": issuer, "clientId": clientID, "clientSecret": secret, "redirectUri": doctorRedirectURI}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		file       string
		env        map[string]string
		wantSource string
	}{
		{"environment", "", env, "[environment OKTA_OAUTH2_CLIENT_ID]"},
		{"samples file", string(file), nil, "samples.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runDoctorFor(t, tc.file, tc.env)
			if r.err != nil {
				t.Errorf("got %v, want nil (exit status 0)\n%s", r.err, r.stdout)
			}
			want := []string{"config", "discovery", "issuer", "endpoints", "jwks", "clock", "client", "redirect-uri", "engine", "trusted-origin"}
			for _, c := range want {
				if got := r.statuses[c]; len(got) != 1 || got[0] != "PASS" {
					t.Errorf("%s: got %v, want [PASS]\n%s", c, got, r.stdout)
				}
			}
			if len(r.statuses) != len(want) {
				t.Errorf("got %d checks, want %d\n%s", len(r.statuses), len(want), r.stdout)
			}
			for _, s := range []string{tc.wantSource, "clientSecret  (set, hidden)", "10 checks: 10 passed, 0 warned, 0 skipped, 0 failed"} {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("output lacks %q\n%s", s, r.stdout)
				}
			}
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("the output holds the client secret\n%s", r.stdout)
			}
		})
	}
}

// TestDoctorFailures provokes each misconfiguration through the
// adversarial test provider: each fails its check, says what to change,
// and makes the exit status 1.
func TestDoctorFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		env       map[string]string // on top of a configuration that passes
		mis       testprovider.Misbehaviour
		misIssuer bool // discovery names the org server
		check     string
		want      []string // in the check's FAIL line and its fix
	}{
		{name: "wrong secret", env: map[string]string{"OKTA_OAUTH2_CLIENT_SECRET": "wrong-secret-0123456789"},
			check: "client", want: []string{"invalid_client", "NOT accepted", "fix: copy the Client ID and the Client secret"}},
		{name: "unregistered redirect URI", env: map[string]string{"OKTA_OAUTH2_REDIRECT_URI": "http://localhost:8080/callback"},
			check: "redirect-uri", want: []string{"refused the redirect URI", "fix: register exactly http://localhost:8080/callback"}},
		{name: "no CORS", mis: testprovider.Misbehaviour{NoCORS: true},
			check: "trusted-origin", want: []string{"origin http://localhost:8080 is not trusted", "fix: in the Okta Admin Console, Security → API → Trusted Origins"}},
		{name: "issuer mismatch", misIssuer: true,
			check: "issuer", want: []string{"discovery names", "fix: one is Okta's org authorization server"}},
		{name: "skewed clock", mis: testprovider.Misbehaviour{ClockSkew: -20 * time.Minute},
			check: "clock", want: []string{"20m0s behind", "beyond the leeway of 5m0s", "fix: synchronize"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			op := testprovider.New(t, testprovider.Config{RedirectURI: doctorRedirectURI, Engine: "idx", TrustedOrigins: []string{doctorAppOrigin}})
			mis := tc.mis
			if tc.misIssuer {
				mis.DiscoveryIssuer = op.URL()
			}
			op.Misbehave(mis)
			env := map[string]string{"OKTA_OAUTH2_ISSUER": op.Issuer(), "OKTA_OAUTH2_CLIENT_ID": op.ClientID(), "OKTA_OAUTH2_CLIENT_SECRET": op.ClientSecret()}
			for k, v := range tc.env {
				env[k] = v
			}
			r := runDoctorFor(t, "", env)
			if !errors.Is(r.err, errChecksFailed) || r.exit() != 1 {
				t.Errorf("got %v (exit status %d), want errChecksFailed (exit status 1)", r.err, r.exit())
			}
			for c, got := range r.statuses {
				want := "PASS"
				if c == tc.check {
					want = "FAIL"
				}
				if len(got) != 1 || got[0] != want {
					t.Errorf("%s: got %v, want [%s]\n%s", c, got, want, r.stdout)
				}
			}
			m := regexp.MustCompile(`(?m)^FAIL  ` + regexp.QuoteMeta(tc.check) + `\s+.*\n\s+fix: .*$`).FindString(r.stdout)
			if m == "" {
				t.Fatalf("no FAIL line with a fix for %s\n%s", tc.check, r.stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(m, w) {
					t.Errorf("%s: lacks %q\n%s", tc.check, w, r.stdout)
				}
			}
			if !strings.Contains(r.stdout, "1 failed") {
				t.Errorf("the summary does not count 1 failure\n%s", r.stdout)
			}
			for _, s := range append(op.Issued(), op.ClientSecret(), "wrong-secret-0123456789") {
				if strings.Contains(r.stdout+r.stderr, s) {
					t.Errorf("the output holds a secret (a code, a token or a client secret)\n%s", r.stdout)
				}
			}
		})
	}
}

// TestDoctorConfiguration: a configuration that cannot be loaded is exit
// status 2, with every problem on a line; no provider at all explains
// -dev, with exit status 1; and -dev checks the development provider.
func TestDoctorConfiguration(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile(filepath.Join(pkgDir, "..", "..", ".samples.config.json.example"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		file      string
		env       map[string]string
		args      []string
		wantExit  int
		want      []string
		wantPass  int // PASS lines
		wantFails int // FAIL lines
	}{
		{name: "the example file, placeholders and all", file: string(example), wantExit: 2, wantFails: 4, want: []string{
			"FAIL  config          oktaSample.oidc.issuer (OKTA_OAUTH2_ISSUER or ISSUER): still holds the template placeholder ({yourOktaDomain})",
			"FAIL  config          oktaSample.oidc.clientId (OKTA_OAUTH2_CLIENT_ID or CLIENT_ID): still holds the template placeholder ({clientId})",
		}},
		{name: "http off loopback", env: map[string]string{"OKTA_OAUTH2_ISSUER": "http://idp.example.com/oauth2/default",
			"OKTA_OAUTH2_CLIENT_ID": "0oa1", "OKTA_OAUTH2_CLIENT_SECRET": "s3cret-value-0123"},
			wantExit: 2, wantFails: 1, want: []string{"uses http; an issuer must use https"}},
		{name: "no provider", wantExit: 1, wantFails: 1, want: []string{"no provider is configured", "okta-sample doctor -dev"}},
		{name: "-dev", args: []string{"-dev"}, wantExit: 0, wantPass: 10, want: []string{"development provider (-dev)", "10 passed"}},
		{name: "-dev over the example file", file: string(example), args: []string{"-dev"}, wantExit: 0, wantPass: 10,
			want: []string{"note: -dev: using the embedded development provider; ignoring"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runDoctorFor(t, tc.file, tc.env, tc.args...)
			if r.exit() != tc.wantExit {
				t.Errorf("got %v, exit status %d; want %d\n%s", r.err, r.exit(), tc.wantExit, r.stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("output lacks %q\n%s", w, r.stdout)
				}
			}
			if got := strings.Count(r.stdout, "\nPASS  "); got != tc.wantPass {
				t.Errorf("got %d PASS lines, want %d\n%s", got, tc.wantPass, r.stdout)
			}
			if got := strings.Count(r.stdout, "\nFAIL  "); got != tc.wantFails {
				t.Errorf("got %d FAIL lines, want %d\n%s", got, tc.wantFails, r.stdout)
			}
			if strings.Contains(r.stdout, "s3cret-value-0123") {
				t.Errorf("the output holds the client secret\n%s", r.stdout)
			}
		})
	}
}

// TestDoctorHelp: -h explains the doctor; the app's -h names it.
func TestDoctorHelp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"doctor -h", []string{"doctor", "-h"}, []string{"Usage: okta-sample doctor [flags]", "-dev", "Exit status: 0"}},
		{"-h", []string{"-h"}, []string{"okta-sample doctor [flags]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if err := run(t.Context(), tc.args, func(string) string { return "" }, &stdout, &stderr); err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("output lacks %q\n%s", w, stdout.String())
				}
			}
		})
	}
	var stdout, stderr strings.Builder
	err := run(t.Context(), []string{"doctor", "-nope"}, func(string) string { return "" }, &stdout, &stderr)
	if !errors.Is(err, errUsage) {
		t.Errorf("doctor -nope: got %v, want errUsage", err)
	}
}
