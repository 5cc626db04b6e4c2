package interop

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDexDoctor runs `okta-sample doctor` against Dex, a provider that is
// not Okta: the OpenID Connect checks pass, the Okta-only ones (the
// engine, the Sign-In Widget's trusted origin) are skipped with the
// reason, and each misconfiguration fails its check with exit status 1.
func TestDexDoctor(t *testing.T) {
	dexBin, appBin := binaries(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)

	user := testUser{Email: "jane.doe@example.com", Username: "jane", UserID: "08a8684b-db88-4b73-90a9-3cd1661f5466", Password: rand.Text()}
	client := dexClient{ID: "okta-go-sample", Secret: rand.Text()}
	dexPort, appPort := freePort(t), freePort(t)
	issuer := "http://127.0.0.1:" + dexPort + "/dex"
	client.RedirectURI = "http://127.0.0.1:" + appPort + pathCallback
	cfgFile := writeDexConfig(t, issuer, "127.0.0.1:"+dexPort, client, user)
	dex := startProcess(t, "dex", dexBin, []string{"serve", cfgFile}, []string{
		"PATH=" + os.Getenv("PATH"), "DEX_SESSIONS_ENABLED=false",
	})
	var disc discovery
	if err := json.Unmarshal(newBrowser(t, ctx).waitOK(dex, issuer+"/.well-known/openid-configuration"), &disc); err != nil {
		t.Fatalf("Dex discovery document: %v", err)
	}
	if disc.EndSessionEndpoint != "" {
		t.Fatalf("Dex now advertises end_session_endpoint %q; the doctor's note below assumes it does not", disc.EndSessionEndpoint)
	}

	allPass := map[string]string{
		"config": "PASS", "discovery": "PASS", "issuer": "PASS", "endpoints": "PASS", "jwks": "PASS",
		"clock": "PASS", "client": "PASS", "redirect-uri": "PASS", "engine": "SKIP", "trusted-origin": "SKIP",
	}
	with := func(changes map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range allPass {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name     string
		env      map[string]string // on top of the right settings
		wantExit int
		want     map[string]string // check → status
		wantText []string
	}{
		{name: "right settings", wantExit: 0, want: allPass, wantText: []string{
			"answered 400 invalid_grant",
			"note: no end_session_endpoint",
			"SKIP  engine          GET " + issuer + "/.well-known/okta-organization: 404",
			"this provider is not Okta",
			"SKIP  trusted-origin  not Okta",
		}},
		{name: "wrong secret", env: map[string]string{"OKTA_OAUTH2_CLIENT_SECRET": "wrong-" + client.Secret}, wantExit: 1,
			want: with(map[string]string{"client": "FAIL"}), wantText: []string{"invalid_client", "NOT accepted"}},
		{name: "unregistered redirect URI", env: map[string]string{"OKTA_OAUTH2_REDIRECT_URI": "http://127.0.0.1:" + appPort + "/elsewhere"}, wantExit: 1,
			want: with(map[string]string{"redirect-uri": "FAIL"}), wantText: []string{"refused the redirect URI"}},
		{name: "issuer by another host name", env: map[string]string{"OKTA_OAUTH2_ISSUER": "http://localhost:" + dexPort + "/dex"}, wantExit: 1,
			want: with(map[string]string{"issuer": "FAIL"}), wantText: []string{"another host name", `"` + issuer + `"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{
				"PATH":                      os.Getenv("PATH"),
				"OKTA_OAUTH2_ISSUER":        issuer,
				"OKTA_OAUTH2_CLIENT_ID":     client.ID,
				"OKTA_OAUTH2_CLIENT_SECRET": client.Secret,
				"OKTA_OAUTH2_REDIRECT_URI":  client.RedirectURI,
			}
			for k, v := range tc.env {
				env[k] = v
			}
			out, exit := runDoctor(t, ctx, appBin, env, "-addr", "127.0.0.1:"+appPort)
			t.Logf("okta-sample doctor against Dex, exit status %d:\n%s", exit, out)
			if exit != tc.wantExit {
				t.Errorf("exit status: got %d, want %d", exit, tc.wantExit)
			}
			got := checkStatuses(out)
			for c, want := range tc.want {
				if got[c] != want {
					t.Errorf("%s: got %q, want %s", c, got[c], want)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %d checks %v, want %d", len(got), got, len(tc.want))
			}
			for _, w := range tc.wantText {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, s := range []string{client.Secret, user.Password} {
				if strings.Contains(out, s) {
					t.Error("the output holds a secret")
				}
			}
		})
	}
}

// runDoctor runs `app doctor args...` with exactly env, in an empty folder,
// and returns its output and exit status.
func runDoctor(t *testing.T, ctx context.Context, app string, env map[string]string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, app, append([]string{"doctor"}, args...)...)
	cmd.Dir = t.TempDir()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	default:
		t.Fatalf("running %s doctor: %v\n%s", app, err, out)
		return "", -1
	}
}

// checkStatuses reads the doctor's check lines: check → status.
func checkStatuses(out string) map[string]string {
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(PASS|WARN|SKIP|FAIL)  (\S+)`).FindAllStringSubmatch(out, -1) {
		got[m[2]] = m[1]
	}
	return got
}
