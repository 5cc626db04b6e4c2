package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/logbuf"
)

// TestDevEngine: -dev-engine chooses what the development provider reports
// at /.well-known/okta-organization, and so the custom login page's mode;
// the banner names the engine, and prints the second factor of the demo
// user who has one: its otpauth:// URI and the page with its current code.
func TestDevEngine(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		wantPipeline string
		wantBanner   string
		wantWidget   string
	}{
		{"default", nil, "idx", "Identity Engine; -dev-engine classic for Classic", `"engine":"oie"`},
		{"idx", []string{"-dev-engine", "idx"}, "idx", "Identity Engine", `"engine":"oie"`},
		{"classic", []string{"-dev-engine", "classic"}, "v1", "Classic Engine", `"engine":"classic"`},
	}
	carol := devprovider.DemoUsers()[2]
	wantURI, err := carol.TOTPURI()
	if err != nil || wantURI == "" {
		t.Fatalf("carol's TOTP URI: %q, %v", wantURI, err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := startApp(t, nil, append([]string{"-dev"}, tt.args...)...)
			org, _, _ := strings.Cut(a.Issuer, "/oauth2/")
			resp, err := http.Get(org + "/.well-known/okta-organization")
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Pipeline string `json:"pipeline"`
			}
			err = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&doc)
			resp.Body.Close()
			if err != nil || doc.Pipeline != tt.wantPipeline {
				t.Errorf("organization document: pipeline %q (%v), want %q", doc.Pipeline, err, tt.wantPipeline)
			}

			banner := a.Stdout.String()
			for _, want := range []string{
				"embedded development provider, " + tt.wantBanner,
				"carol@example.com      password Carol-demo-1, then a one-time code (TOTP)",
				"authenticator app: " + wantURI,
				"current code:      " + org + devprovider.TOTPPagePath,
				"alice@example.com      password Alice-demo-1\n",
			} {
				if !strings.Contains(banner, want) {
					t.Errorf("banner lacks %q:\n%s", want, banner)
				}
			}

			b := newBrowser(t)
			var page string
			for range 100 { // until the app has asked the provider
				page = b.get(a.URL + "/authorization-code/login-custom").Body
				if strings.Contains(page, "Detected:") {
					break
				}
			}
			if !strings.Contains(page, tt.wantWidget) {
				t.Errorf("custom login page: want the widget config with %s", tt.wantWidget)
			}
			if home := b.get(a.URL + "/").Body; !strings.Contains(home, `class="totp-page" href="`+org+devprovider.TOTPPagePath+`"`) {
				t.Errorf("the overview does not link carol's current code")
			}
		})
	}
}

func TestDevEngineRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown engine", []string{"-dev", "-dev-engine", "v1"}, nil, `-dev-engine: "v1" is not an engine`},
		{"a real provider", []string{"-dev-engine", "classic"},
			map[string]string{"ISSUER": "https://dev-1.okta.com/oauth2/default", "CLIENT_ID": "0oa1", "CLIENT_SECRET": "s3cret-value"},
			"-dev-engine: sets the development provider's engine, but a provider is configured"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			var stdout, stderr logbuf.Buffer
			err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, tt.args...), func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if !errors.Is(err, errConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run: got %v, want a configuration error saying %q", err, tt.want)
			}
		})
	}
}
