package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes a samples file in a temporary folder and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "samples.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const goodFile = `{
  "oktaSample": {
    "oidc": {
      "oktaUrl": "https://dev-123456.okta.com",
      "issuer": "https://dev-123456.okta.com/oauth2/default",
      "clientId": "0oafile",
      "clientSecret": "file-secret-value",
      "redirectUri": "http://localhost:8080/authorization-code/callback"
    },
    "server": {"port": 8080, "staticDir": "", "framework": "go", "environment": "test"}
  }
}`

func TestLoadFile(t *testing.T) {
	cfg := Load(Options{File: writeFile(t, goodFile)})
	if err := cfg.Resolve(); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"issuer", cfg.Issuer, "https://dev-123456.okta.com/oauth2/default"},
		{"clientId", cfg.ClientID, "0oafile"},
		{"clientSecret", cfg.ClientSecret, "file-secret-value"},
		{"environment", cfg.Environment, "test"},
		{"callback path", cfg.CallbackPath(), "/authorization-code/callback"},
		{"base URL", cfg.BaseURL(), "http://localhost:8080/"},
		{"listen", cfg.ListenAddr(), "127.0.0.1:8080"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if cfg.Dev {
		t.Error("Dev: got true with an issuer configured, want false")
	}
}

func TestEnvOverridesFile(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		wantIssuer string
		wantID     string
		wantSecret string
	}{
		{"file only", nil, "https://dev-123456.okta.com/oauth2/default", "0oafile", "file-secret-value"},
		{"Okta CLI names", map[string]string{
			"OKTA_OAUTH2_ISSUER": "https://env.okta.com/oauth2/default", "OKTA_OAUTH2_CLIENT_ID": "0oaenv", "OKTA_OAUTH2_CLIENT_SECRET": "env-secret",
		}, "https://env.okta.com/oauth2/default", "0oaenv", "env-secret"},
		{"short names", map[string]string{
			"ISSUER": "https://short.okta.com/oauth2/default", "CLIENT_ID": "0oashort", "CLIENT_SECRET": "short-secret",
		}, "https://short.okta.com/oauth2/default", "0oashort", "short-secret"},
		{"CLI names win over short names", map[string]string{
			"OKTA_OAUTH2_ISSUER": "https://cli.okta.com/oauth2/default", "ISSUER": "https://short.okta.com/oauth2/default",
		}, "https://cli.okta.com/oauth2/default", "0oafile", "file-secret-value"},
		{"blank variable is ignored", map[string]string{"CLIENT_ID": "  "}, "https://dev-123456.okta.com/oauth2/default", "0oafile", "file-secret-value"},
	}
	path := writeFile(t, goodFile)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Load(Options{File: path, Getenv: env(tt.env)})
			if cfg.Issuer != tt.wantIssuer || cfg.ClientID != tt.wantID || cfg.ClientSecret != tt.wantSecret {
				t.Errorf("got issuer %q client %q secret %q, want %q %q %q", cfg.Issuer, cfg.ClientID, cfg.ClientSecret, tt.wantIssuer, tt.wantID, tt.wantSecret)
			}
		})
	}
}

func TestDefaultsWithoutFileMeanDevMode(t *testing.T) {
	t.Chdir(t.TempDir()) // no .samples.config.json here
	cfg := Load(Options{})
	if err := cfg.Resolve(); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if !cfg.Dev {
		t.Error("Dev: got false with no issuer, want true")
	}
	if got, want := cfg.RedirectURI, "http://localhost:8080/authorization-code/callback"; got != want {
		t.Errorf("RedirectURI: got %q, want %q", got, want)
	}
	if got, want := cfg.DevAddr, "127.0.0.1:8081"; got != want {
		t.Errorf("DevAddr: got %q, want %q", got, want)
	}
}

func TestDefaultFileIsRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DefaultFile), []byte(goodFile), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	cfg := Load(Options{})
	if cfg.ClientID != "0oafile" || cfg.Source != DefaultFile {
		t.Errorf("got client %q from %q, want 0oafile from %s", cfg.ClientID, cfg.Source, DefaultFile)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		missing bool
		want    []string
	}{
		{name: "malformed JSON names line and column", file: "{\n  \"oktaSample\": {\n    \"oidc\": {,\n  }\n}", want: []string{"line 3, column 14", "malformed JSON"}},
		{name: "missing value", file: "{\"oktaSample\": }", want: []string{"line 1, column 16"}},
		{name: "trailing text after the object", file: "{\"oktaSample\": {}}\n  }", want: []string{"line 2, column 3", "after the closing brace"}},
		{name: "a second object", file: "{}\n{}", want: []string{"line 2, column 1"}},
		{name: "wrong type", file: `{"oktaSample":{"oidc":{"issuer": 5}}}`, want: []string{"line 1", "issuer", "string"}},
		{name: "port not a number", file: `{"oktaSample":{"server":{"port":"http"}}}`, want: []string{"port", "whole number"}},
		{name: "empty file", file: "", want: []string{"empty"}},
		{name: "explicit file missing", missing: true, want: []string{"cannot read", "no such file"}},
		{name: "bad PORT", file: `{}`, env: map[string]string{"PORT": "eighty"}, want: []string{"PORT", "whole number"}},
		{name: "bad leeway", file: `{}`, env: map[string]string{"OKTA_SAMPLE_LEEWAY": "5 minutes"}, want: []string{"OKTA_SAMPLE_LEEWAY", "duration"}},
		{name: "bad cookie key is not echoed", file: `{}`, env: map[string]string{"OKTA_SAMPLE_COOKIE_KEY": "c2hvcnQta2V5"}, want: []string{"OKTA_SAMPLE_COOKIE_KEY", "32 random bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "missing.json")
			if !tt.missing {
				path = writeFile(t, tt.file)
			}
			cfg := Load(Options{File: path, Getenv: env(tt.env)})
			err := cfg.Resolve()
			if err == nil {
				t.Fatal("Load and Resolve: got no error, want one")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "c2hvcnQta2V5") {
				t.Errorf("error %q repeats the cookie key", err)
			}
		})
	}
}

func TestResolveReportsEveryProblem(t *testing.T) {
	const secret = "{clientSecret}"
	cfg := Config{
		Port:         8080,
		Leeway:       DefaultLeeway,
		DevAddr:      DefaultDevAddr,
		OktaURL:      "https://{yourOktaDomain}",
		Issuer:       "https://{yourOktaDomain}/oauth2/default",
		ClientID:     "{clientId}",
		ClientSecret: secret,
		RedirectURI:  "http://localhost:9090/authorization-code/callback",
	}
	err := cfg.Resolve()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Resolve: got %v, want *ValidationError", err)
	}
	fields := map[string]bool{}
	for _, p := range ve.Problems {
		fields[strings.Fields(p.Field)[0]] = true
	}
	for _, f := range []string{"oktaSample.oidc.oktaUrl", "oktaSample.oidc.issuer", "oktaSample.oidc.clientId", "oktaSample.oidc.clientSecret", "oktaSample.oidc.redirectUri"} {
		if !fields[f] {
			t.Errorf("no problem reported for %s; got %v", f, err)
		}
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error repeats the secret: %v", err)
	}
	if !strings.Contains(err.Error(), "{yourOktaDomain}") || !strings.Contains(err.Error(), "port 9090") {
		t.Errorf("error should name the placeholder and the port mismatch: %v", err)
	}
}

func TestResolveRules(t *testing.T) {
	base := func() Config {
		return Config{
			Port: 8080, Leeway: DefaultLeeway, DevAddr: DefaultDevAddr,
			Issuer: "https://dev-1.okta.com/oauth2/default", ClientID: "0oa1", ClientSecret: "s3cret-value",
			RedirectURI: "http://localhost:8080/authorization-code/callback",
		}
	}
	tests := []struct {
		name      string
		mutate    func(*Config)
		wantField string // "" means valid
		wantText  string
	}{
		{"valid", func(*Config) {}, "", ""},
		{"http issuer on loopback is allowed", func(c *Config) { c.Issuer = "http://127.0.0.1:8081/oauth2/default" }, "", ""},
		{"issuer not absolute", func(c *Config) { c.Issuer = "dev-1.okta.com/oauth2/default" }, "oktaSample.oidc.issuer", "absolute URL"},
		{"issuer ftp", func(c *Config) { c.Issuer = "ftp://dev-1.okta.com/oauth2/default" }, "oktaSample.oidc.issuer", "http(s)"},
		{"issuer plain http remote", func(c *Config) { c.Issuer = "http://dev-1.okta.com/oauth2/default" }, "oktaSample.oidc.issuer", "https"},
		{"issuer with query", func(c *Config) { c.Issuer = "https://dev-1.okta.com/oauth2/default?x=1" }, "oktaSample.oidc.issuer", "query"},
		{"missing secret", func(c *Config) { c.ClientSecret = "" }, "oktaSample.oidc.clientSecret", "missing"},
		{"missing client id", func(c *Config) { c.ClientID = "" }, "oktaSample.oidc.clientId", "missing"},
		{"placeholder client id", func(c *Config) { c.ClientID = "{clientId}" }, "oktaSample.oidc.clientId", "placeholder"},
		{"redirect port differs", func(c *Config) { c.RedirectURI = "http://localhost:3000/authorization-code/callback" }, "oktaSample.oidc.redirectUri", "port 3000"},
		{"redirect host differs", func(c *Config) { c.RedirectURI = "http://app.example.com:8080/authorization-code/callback" }, "oktaSample.oidc.redirectUri", "host app.example.com"},
		{"redirect host any when listening on all interfaces", func(c *Config) {
			c.Addr = ":8080"
			c.RedirectURI = "http://app.example.com:8080/authorization-code/callback"
		}, "", ""},
		{"redirect 127.0.0.1 matches localhost", func(c *Config) { c.RedirectURI = "http://127.0.0.1:8080/cb" }, "", ""},
		{"redirect without path", func(c *Config) { c.RedirectURI = "http://localhost:8080" }, "oktaSample.oidc.redirectUri", "callback path"},
		{"redirect relative", func(c *Config) { c.RedirectURI = "/authorization-code/callback" }, "oktaSample.oidc.redirectUri", "absolute"},
		{"port out of range", func(c *Config) { c.Port = 70000 }, "oktaSample.server.port", "not a TCP port"},
		{"bad addr", func(c *Config) { c.Addr = "localhost" }, "-addr", "host:port"},
		{"leeway too large", func(c *Config) { c.Leeway = 20 * 60e9 }, "OKTA_SAMPLE_LEEWAY", "out of range"},
		{"dev addr equals app addr", func(c *Config) { c.Issuer = ""; c.DevAddr = "127.0.0.1:8080" }, "-dev-addr", "own address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base()
			tt.mutate(&cfg)
			err := cfg.Resolve()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Resolve: got %v, want no error", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Resolve: got %v, want *ValidationError", err)
			}
			found := false
			for _, p := range ve.Problems {
				if strings.HasPrefix(p.Field, tt.wantField) && strings.Contains(p.Message, tt.wantText) {
					found = true
				}
			}
			if !found {
				t.Errorf("got %v, want a problem for %s mentioning %q", err, tt.wantField, tt.wantText)
			}
			if strings.Contains(err.Error(), "s3cret-value") {
				t.Errorf("error repeats the secret: %v", err)
			}
		})
	}
}

func TestBindPort(t *testing.T) {
	cfg := Config{Port: 8080, Addr: "127.0.0.1:0", Leeway: DefaultLeeway, DevAddr: "127.0.0.1:0"}
	if err := cfg.Resolve(); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if cfg.RedirectURI != "" {
		t.Fatalf("RedirectURI before BindPort: got %q, want empty", cfg.RedirectURI)
	}
	if err := cfg.BindPort(43210); err != nil {
		t.Fatalf("BindPort: %v", err)
	}
	if got, want := cfg.RedirectURI, "http://localhost:43210/authorization-code/callback"; got != want {
		t.Errorf("RedirectURI: got %q, want %q", got, want)
	}
	if got, want := cfg.ListenAddr(), "127.0.0.1:43210"; got != want {
		t.Errorf("ListenAddr: got %q, want %q", got, want)
	}

	cfg = Config{Port: 8080, Addr: "127.0.0.1:0", Leeway: DefaultLeeway, DevAddr: "127.0.0.1:0", RedirectURI: "http://localhost:8080/cb"}
	if err := cfg.Resolve(); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if err := cfg.BindPort(43211); err == nil {
		t.Error("BindPort with a redirect URI on another port: got no error, want one")
	}
}

func TestMaskedNeverShowsSecret(t *testing.T) {
	cfg := Config{Issuer: "https://x.okta.com/oauth2/default", ClientID: "0oa1", ClientSecret: "super-secret-value", RedirectURI: "http://localhost:8080/cb", Port: 8080}
	for _, s := range cfg.Masked() {
		if strings.Contains(s.Value, "super-secret-value") {
			t.Errorf("setting %s shows the secret", s.Name)
		}
		if s.Name == "clientSecret" && s.Value != "(set, hidden)" {
			t.Errorf("clientSecret: got %q, want (set, hidden)", s.Value)
		}
	}
}

func TestProblemsFromEveryStageAreReportedTogether(t *testing.T) {
	path := writeFile(t, `{"oktaSample":{"oidc":{"clientId":"{clientId}"},"server":{"port":"x"}}}`)
	cfg := Load(Options{File: path, Getenv: env(map[string]string{
		"ISSUER":             "http://evil.example/oauth2/default",
		"OKTA_SAMPLE_LEEWAY": "soon",
	})})
	err := cfg.Resolve()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Resolve: got %v, want *ValidationError", err)
	}
	for _, want := range []string{"oktaSample.server.port", "OKTA_SAMPLE_LEEWAY", "{clientId}", "uses http", "clientSecret"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not report %q:\n%v", want, err)
		}
	}
	if len(ve.Problems) < 5 {
		t.Errorf("got %d problems, want at least 5:\n%v", len(ve.Problems), err)
	}
}
