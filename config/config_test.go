package config

import (
	"errors"
	"net"
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

// The development provider's client that resolve hands to Resolve.
const (
	testDevIssuer = "http://127.0.0.1:43211/oauth2/default"
	testDevSecret = "dev-secret-value"
)

// resolve runs Load and then Resolve the way the app does: a listen port
// of 0 becomes 43210, and in dev mode the development provider's client
// is testDevIssuer.
func resolve(opts Options) (Config, error) {
	d, err := Load(opts)
	if err != nil {
		return Config{}, err
	}
	addr := d.ListenAddr()
	if host, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
		addr = net.JoinHostPort(host, "43210")
	}
	var dev *DevClient
	if d.Dev() {
		dev = &DevClient{Issuer: testDevIssuer, ClientID: "0oa-dev", ClientSecret: testDevSecret}
	}
	return d.Resolve(Bound{Addr: addr, Dev: dev})
}

// problems returns the problems of err, failing the test if it is not a
// *ValidationError.
func problems(t *testing.T, err error) []Problem {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got error %v, want a *ValidationError", err)
	}
	return ve.Problems
}

// findProblem returns the first problem whose field starts with field and
// whose message contains every one of texts.
func findProblem(ps []Problem, field string, texts ...string) (Problem, bool) {
	for _, p := range ps {
		if !strings.HasPrefix(p.Field, field) {
			continue
		}
		ok := true
		for _, s := range texts {
			ok = ok && strings.Contains(p.Message, s)
		}
		if ok {
			return p, true
		}
	}
	return Problem{}, false
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
	t.Parallel()
	cfg, err := resolve(Options{File: writeFile(t, goodFile)})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"issuer", cfg.Issuer, "https://dev-123456.okta.com/oauth2/default"},
		{"oktaUrl", cfg.OrgURL(), "https://dev-123456.okta.com"},
		{"clientId", cfg.ClientID, "0oafile"},
		{"clientSecret", cfg.ClientSecret, "file-secret-value"},
		{"callback path", cfg.CallbackPath(), "/authorization-code/callback"},
		{"base URL", cfg.BaseURL(), "http://localhost:8080/"},
		{"listen", cfg.Addr, "127.0.0.1:8080"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if cfg.Dev {
		t.Error("Dev: got true with an issuer configured, want false")
	}
	if n := cfg.Notices(); len(n) != 0 {
		t.Errorf("Notices: got %q, want none", n)
	}
}

func TestEnvOverridesFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		env        map[string]string
		wantIssuer string
		wantID     string
		wantSecret string
	}{
		{"file only", nil, "https://dev-123456.okta.com/oauth2/default", "0oafile", "file-secret-value"},
		{"Okta CLI names", map[string]string{
			"OKTA_OAUTH2_ISSUER": "https://dev-123456.okta.com/oauth2/aus1", "OKTA_OAUTH2_CLIENT_ID": "0oaenv", "OKTA_OAUTH2_CLIENT_SECRET": "env-secret",
		}, "https://dev-123456.okta.com/oauth2/aus1", "0oaenv", "env-secret"},
		{"short names", map[string]string{
			"ISSUER": "https://dev-123456.okta.com/oauth2/short", "CLIENT_ID": "0oashort", "CLIENT_SECRET": "short-secret",
		}, "https://dev-123456.okta.com/oauth2/short", "0oashort", "short-secret"},
		{"CLI names win over short names", map[string]string{
			"OKTA_OAUTH2_ISSUER": "https://dev-123456.okta.com/oauth2/cli", "ISSUER": "https://dev-123456.okta.com/oauth2/short",
		}, "https://dev-123456.okta.com/oauth2/cli", "0oafile", "file-secret-value"},
		{"blank variable is ignored", map[string]string{"CLIENT_ID": "  "}, "https://dev-123456.okta.com/oauth2/default", "0oafile", "file-secret-value"},
	}
	path := writeFile(t, goodFile)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := resolve(Options{File: path, Getenv: env(tt.env)})
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if cfg.Issuer != tt.wantIssuer || cfg.ClientID != tt.wantID || cfg.ClientSecret != tt.wantSecret {
				t.Errorf("got issuer %q client %q secret %q, want %q %q %q", cfg.Issuer, cfg.ClientID, cfg.ClientSecret, tt.wantIssuer, tt.wantID, tt.wantSecret)
			}
		})
	}
}

func TestDefaultsWithoutFileMeanDevMode(t *testing.T) {
	t.Chdir(t.TempDir()) // no .samples.config.json here
	d, err := Load(Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !d.Dev() {
		t.Fatal("Dev: got false with no provider setting, want true")
	}
	if got, want := d.DevAddr(), "127.0.0.1:8081"; got != want {
		t.Errorf("DevAddr: got %q, want %q", got, want)
	}
	if got, want := d.ListenAddr(), "127.0.0.1:8080"; got != want {
		t.Errorf("ListenAddr: got %q, want %q", got, want)
	}
	cfg, err := d.Resolve(Bound{Addr: "127.0.0.1:8080", Dev: &DevClient{Issuer: testDevIssuer, ClientID: "0oa-dev", ClientSecret: testDevSecret}})
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"redirect URI", cfg.RedirectURI, "http://localhost:8080/authorization-code/callback"},
		{"issuer", cfg.Issuer, testDevIssuer},
		{"org URL", cfg.OrgURL(), "http://127.0.0.1:43211"},
		{"client id", cfg.ClientID, "0oa-dev"},
		{"client secret", cfg.ClientSecret, testDevSecret},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if !cfg.Dev || len(cfg.DevOverrides()) != 0 {
		t.Errorf("got Dev %t, overrides %q; want dev mode, nothing overridden", cfg.Dev, cfg.DevOverrides())
	}
}

func TestResolveNeedsTheDevClientExactlyInDevMode(t *testing.T) {
	t.Chdir(t.TempDir())
	dev, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dev.Resolve(Bound{Addr: "127.0.0.1:8080"}); err == nil {
		t.Error("Resolve in dev mode without the dev client: got no error, want one")
	}
	real, err := Load(Options{File: writeFile(t, goodFile)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := real.Resolve(Bound{Addr: "127.0.0.1:8080", Dev: &DevClient{Issuer: testDevIssuer}}); err == nil {
		t.Error("Resolve with a dev client for a real provider: got no error, want one")
	}
}

func TestDefaultFileIsRead(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DefaultFile), []byte(goodFile), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	cfg, err := resolve(Options{})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if cfg.ClientID != "0oafile" || cfg.File != DefaultFile {
		t.Errorf("got client %q from %q, want 0oafile from %s", cfg.ClientID, cfg.File, DefaultFile)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
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
		{name: "not an object", file: "\n  [1, 2]", want: []string{"line 2, column 3", "one JSON object", "not an array"}},
		{name: "wrong type", file: `{"oktaSample":{"oidc":{"issuer": 5}}}`, want: []string{"line 1, column 34", "oktaSample.oidc.issuer", "must be a string, not a number"}},
		{name: "port not a number", file: `{"oktaSample":{"server":{"port":"http"}}}`, want: []string{"port", "whole number"}},
		{name: "port a fraction", file: `{"oktaSample":{"server":{"port":8080.5}}}`, want: []string{"port", "whole number"}},
		{name: "port out of range", file: `{"oktaSample":{"server":{"port":70000}}}`, want: []string{"port", "not a TCP port"}},
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
			_, err := Load(Options{File: path, Getenv: env(tt.env)})
			if err == nil {
				t.Fatal("Load: got no error, want one")
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

func TestUnknownKeysNameTheClosestKnownKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		field   string // the unknown key's path
		wantAt  string
		wantMsg string
	}{
		{"typo", "{\"oktaSample\": {\"oidc\": {\n  \"isuer\": \"x\"}}}", "oktaSample.oidc.isuer", "line 2, column 3", `did you mean "oktaSample.oidc.issuer"?`},
		{"snake case", `{"oktaSample": {"oidc": {"client_secret": "x"}}}`, "oktaSample.oidc.client_secret", "line 1, column 26", `did you mean "oktaSample.oidc.clientSecret"?`},
		{"other case", `{"oktaSample": {"oidc": {"ClientID": "x"}}}`, "oktaSample.oidc.ClientID", "column 26", `did you mean "oktaSample.oidc.clientId"?`},
		{"part of the name", `{"oktaSample": {"oidc": {"secret": "x"}}}`, "oktaSample.oidc.secret", "column 26", `did you mean "oktaSample.oidc.clientSecret"?`},
		{"top-level okta", `{"okta": {"oidc": {"issuer": "x"}}}`, "okta", "line 1, column 2", `did you mean "oktaSample"?`},
		{"top-level oidc", `{"oidc": {"issuer": "x"}}`, "oidc", "line 1, column 2", `did you mean "oktaSample.oidc"? It belongs there`},
		{"top-level anything", `{"settings": {}}`, "settings", "line 1, column 2", `settings go under "oktaSample"`},
		{"top-level typo", `{"oktaSampel": {}}`, "oktaSampel", "column 2", `did you mean "oktaSample"?`},
		{"right key, wrong level", `{"oktaSample": {"issuer": "x"}}`, "oktaSample.issuer", "column 17", `did you mean "oktaSample.oidc.issuer"? It belongs there`},
		{"server key under oidc", `{"oktaSample": {"oidc": {"port": 8080}}}`, "oktaSample.oidc.port", "column 26", `did you mean "oktaSample.server.port"?`},
		{"nothing close", `{"oktaSample": {"server": {"tls": true}}}`, "oktaSample.server.tls", "column 28", "the keys here are environment, framework, port, publicUrl, redisUrl, staticDir, widgetDir"},
		{"unprintable key is quoted", `{"oktaSample": {"oidc": {"a\u001bb": 1}}}`, `oktaSample.oidc."a\x1bb"`, "column 26", "unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file)
			_, err := Load(Options{File: path})
			p, ok := findProblem(problems(t, err), tt.field, "unknown key", tt.wantAt, tt.wantMsg)
			if !ok {
				t.Fatalf("got %v\nwant a problem for %s at %s saying %s", err, tt.field, tt.wantAt, tt.wantMsg)
			}
			if !strings.Contains(p.Message, path) {
				t.Errorf("problem %q does not name the file %s", p.Message, path)
			}
		})
	}
}

func TestEveryTypeErrorIsReportedAtOnce(t *testing.T) {
	t.Parallel()
	const file = `{
  "oktaSample": {
    "oidc": {
      "issuer": 5,
      "clientId": true,
      "clientSecret": ["not", "a", "string"],
      "redirectUri": {},
      "isuer": "also reported"
    },
    "server": {"port": [8080], "framework": 1, "widgetDir": false}
  }
}`
	_, err := Load(Options{File: writeFile(t, file)})
	ps := problems(t, err)
	for _, want := range []struct{ field, at, text string }{
		{"oktaSample.oidc.issuer", "line 4, column 17", "must be a string, not a number"},
		{"oktaSample.oidc.clientId", "line 5, column 19", "must be a string, not a boolean"},
		{"oktaSample.oidc.clientSecret", "line 6, column 23", "must be a string, not an array"},
		{"oktaSample.oidc.redirectUri", "line 7, column 22", "must be a string, not an object"},
		{"oktaSample.oidc.isuer", "line 8, column 7", "unknown key"},
		{"oktaSample.server.port", "line 10, column 24", "must be a number such as 8080, not an array"},
		{"oktaSample.server.framework", "line 10, column 45", "must be a string, not a number"},
		{"oktaSample.server.widgetDir", "line 10, column 61", "must be a string, not a boolean"},
	} {
		if _, ok := findProblem(ps, want.field, want.at, want.text); !ok {
			t.Errorf("no problem for %s at %s saying %q; got:\n%v", want.field, want.at, want.text, err)
		}
	}
	if strings.Contains(err.Error(), "not a string") && strings.Contains(err.Error(), `"not"`) {
		t.Errorf("the error repeats a value of the secret's key: %v", err)
	}
}

func TestObjectsOfTheWrongTypeAndDuplicates(t *testing.T) {
	t.Parallel()
	const file = `{"oktaSample": {"oidc": "https://dev-1.okta.com", "server": {"port": 8080, "port": 9090}}}`
	_, err := Load(Options{File: writeFile(t, file)})
	ps := problems(t, err)
	if _, ok := findProblem(ps, "oktaSample.oidc", "column 25", "must be an object {...}, not a string"); !ok {
		t.Errorf("no problem for oidc being a string; got:\n%v", err)
	}
	if _, ok := findProblem(ps, "oktaSample.server.port", "column 76", "given a second time (first at line 1, column 62"); !ok {
		t.Errorf("no problem for the repeated port; got:\n%v", err)
	}
}

func TestNullMeansNotSet(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg, err := resolve(Options{File: writeFile(t, `{"oktaSample": {"oidc": {"issuer": null, "clientId": null}, "server": null}}`)})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if !cfg.Dev {
		t.Error("a file of nulls: got a configured provider, want the development provider")
	}
}

func TestClientWithoutIssuerIsAnError(t *testing.T) {
	const issuerField = "oktaSample.oidc.issuer (OKTA_OAUTH2_ISSUER or ISSUER)"
	tests := []struct {
		name     string
		file     string
		env      map[string]string
		wantText []string
	}{
		{"client id from the environment", "", map[string]string{"CLIENT_ID": "0oa1"}, []string{"clientId (from environment CLIENT_ID) is set"}},
		{"misspelt issuer variable", "", map[string]string{"OKTA_OAUTH2_ISUER": "https://dev-1.okta.com/oauth2/default", "OKTA_OAUTH2_CLIENT_ID": "0oa1", "OKTA_OAUTH2_CLIENT_SECRET": "s3cret-value"},
			[]string{"clientId (from environment OKTA_OAUTH2_CLIENT_ID), clientSecret (from environment OKTA_OAUTH2_CLIENT_SECRET) are set"}},
		{"client secret from the file", `{"oktaSample": {"oidc": {"clientSecret": "s3cret-value"}}}`, nil, []string{"clientSecret (from file "}},
		{"oktaUrl alone", `{"oktaSample": {"oidc": {"oktaUrl": "https://dev-1.okta.com"}}}`, nil, []string{"oktaUrl (from file "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			opts := Options{Getenv: env(tt.env)}
			if tt.file != "" {
				opts.File = writeFile(t, tt.file)
			}
			_, err := Load(opts)
			ps := problems(t, err)
			p, ok := findProblem(ps, issuerField, append(tt.wantText, "is missing", "-dev")...)
			if !ok {
				t.Fatalf("got %v\nwant a problem for %s mentioning %q", err, issuerField, tt.wantText)
			}
			if strings.Contains(err.Error(), "s3cret-value") {
				t.Errorf("the error repeats the secret: %v", p)
			}
		})
	}
}

func TestIssuerTrailingSlash(t *testing.T) {
	tests := []struct {
		issuer, want, notice string
	}{
		{"https://dev-1.okta.com/oauth2/default/", "https://dev-1.okta.com/oauth2/default", "removed the trailing slash: using https://dev-1.okta.com/oauth2/default"},
		{"https://dev-1.okta.com/oauth2/default//", "https://dev-1.okta.com/oauth2/default", "removed the trailing slash"},
		{"https://tenant.example.com/", "https://tenant.example.com/", "kept the trailing slash"},
		{"https://dev-1.okta.com/oauth2/default", "https://dev-1.okta.com/oauth2/default", ""},
	}
	for _, tt := range tests {
		t.Run(tt.issuer, func(t *testing.T) {
			t.Chdir(t.TempDir())
			cfg, err := resolve(Options{Getenv: env(map[string]string{"ISSUER": tt.issuer, "CLIENT_ID": "0oa1", "CLIENT_SECRET": "s3cret-value"})})
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if cfg.Issuer != tt.want {
				t.Errorf("Issuer: got %q, want %q", cfg.Issuer, tt.want)
			}
			notices := strings.Join(cfg.Notices(), "\n")
			switch {
			case tt.notice == "" && notices != "":
				t.Errorf("Notices: got %q, want none", notices)
			case !strings.Contains(notices, tt.notice) || (tt.notice != "" && !strings.Contains(notices, "environment ISSUER")):
				t.Errorf("Notices: got %q, want one naming environment ISSUER and saying %q", notices, tt.notice)
			}
		})
	}
}

func TestOktaURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, oktaURL, wantErr string
	}{
		{"the issuer's org", "https://dev-1.okta.com", ""},
		{"with a trailing slash", "https://dev-1.okta.com/", ""},
		{"another host", "https://dev-1-admin.okta.com", `is not the issuer's org, https://dev-1.okta.com`},
		{"not a URL", "dev-1.okta.com", "not an absolute http(s) URL"},
		{"placeholder", "https://{yourOktaDomain}", "placeholder ({yourOktaDomain})"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := `{"oktaSample": {"oidc": {"oktaUrl": "` + tt.oktaURL + `", "issuer": "https://dev-1.okta.com/oauth2/default", "clientId": "0oa1", "clientSecret": "s3cret-value"}}}`
			cfg, err := resolve(Options{File: writeFile(t, file)})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("resolve: %v", err)
				}
				if got, want := cfg.OrgURL(), "https://dev-1.okta.com"; got != want {
					t.Errorf("OrgURL: got %q, want %q", got, want)
				}
				return
			}
			if _, ok := findProblem(problems(t, err), "oktaSample.oidc.oktaUrl", tt.wantErr); !ok {
				t.Errorf("got %v, want a problem for oktaUrl saying %q", err, tt.wantErr)
			}
		})
	}
}

func TestOrgURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ issuer, want string }{
		{"https://dev-1.okta.com/oauth2/default", "https://dev-1.okta.com"},
		{"https://dev-1.okta.com/oauth2/aus1x2/", "https://dev-1.okta.com"},
		{"https://dev-1.okta.com", "https://dev-1.okta.com"},
		{"http://127.0.0.1:8081/prefix/oauth2/default", "http://127.0.0.1:8081/prefix"},
	} {
		if got := (Config{Issuer: tt.issuer}).OrgURL(); got != tt.want {
			t.Errorf("OrgURL of issuer %q: got %q, want %q", tt.issuer, got, tt.want)
		}
	}
}

// exampleFile is the repository's .samples.config.json.example, which a
// newcomer copies to .samples.config.json.
func exampleFile(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", ".samples.config.json.example"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDevWithTheExampleFile(t *testing.T) {
	t.Parallel()
	path := exampleFile(t)
	if _, err := Load(Options{File: path}); err == nil || !strings.Contains(err.Error(), "placeholder") {
		t.Fatalf("the example file without -dev: got %v, want placeholder problems", err)
	}
	cfg, err := resolve(Options{File: path, Dev: true})
	if err != nil {
		t.Fatalf("the example file with -dev: %v", err)
	}
	if !cfg.Dev || cfg.Issuer != testDevIssuer || cfg.ClientSecret != testDevSecret {
		t.Errorf("got dev %t, issuer %q; want the development provider's", cfg.Dev, cfg.Issuer)
	}
	if got, want := cfg.RedirectURI, "http://localhost:8080/authorization-code/callback"; got != want {
		t.Errorf("RedirectURI: got %q, want the file's %q", got, want)
	}
	overrides := strings.Join(cfg.DevOverrides(), "; ")
	for _, name := range []string{"issuer", "oktaUrl", "clientId", "clientSecret"} {
		if !strings.Contains(overrides, name+" (from file "+path+")") {
			t.Errorf("DevOverrides %q does not name %s from the file", overrides, name)
		}
	}
	if notices := strings.Join(cfg.Notices(), "\n"); !strings.Contains(notices, "-dev") || !strings.Contains(notices, "ignoring issuer (from file") {
		t.Errorf("Notices: got %q, want one saying what -dev ignores", notices)
	}
	if strings.Contains(overrides+strings.Join(cfg.Notices(), ""), "{clientSecret}") {
		t.Error("the overrides show the client secret's value")
	}
}

func TestDevOverridesTheEnvironment(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg, err := resolve(Options{Dev: true, Getenv: env(map[string]string{
		"OKTA_OAUTH2_ISSUER": "https://dev-1.okta.com/oauth2/default", "CLIENT_SECRET": "s3cret-value",
	})})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	got := strings.Join(cfg.DevOverrides(), "; ")
	if want := "issuer (from environment OKTA_OAUTH2_ISSUER); clientSecret (from environment CLIENT_SECRET)"; got != want {
		t.Errorf("DevOverrides: got %q, want %q", got, want)
	}
	if cfg.Issuer != testDevIssuer || strings.Contains(got, "s3cret-value") {
		t.Errorf("got issuer %q and overrides %q; want the dev issuer and no secret", cfg.Issuer, got)
	}
}

func TestSourceOfEachSetting(t *testing.T) {
	path := writeFile(t, `{"oktaSample": {"oidc": {"issuer": "https://dev-1.okta.com/oauth2/default", "clientSecret": "file-secret"}, "server": {"port": 9000}}}`)
	cfg, err := resolve(Options{File: path, Addr: "127.0.0.1:0", Getenv: env(map[string]string{
		"CLIENT_ID": "0oa-env", "OKTA_SAMPLE_LEEWAY": "1m",
	})})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	want := map[string]string{
		"issuer":                  "file " + path,
		"oktaUrl":                 "derived from the issuer",
		"clientId":                "environment CLIENT_ID",
		"clientSecret":            "file " + path,
		"redirectUri":             "default, for the port the app listens on",
		"listen address":          "flag -addr",
		"id_token clock leeway":   "environment OKTA_SAMPLE_LEEWAY",
		"provider call timeout":   "default",
		"transaction cookie keys": "default",
		"public URL":              "default: the redirect URI's origin",
		"Redis URL":               "default",
		"trusted proxies":         "default",
		"sessions per user":       "default",
		"development provider":    "default: off, a provider is configured",
		"samples file":            "flag -config",
	}
	got := map[string]Setting{}
	for _, s := range cfg.Masked() {
		got[s.Name] = s
	}
	for name, src := range want {
		if got[name].Source != src {
			t.Errorf("%s: got source %q, want %q", name, got[name].Source, src)
		}
	}
	if got["listen address"].Value != "127.0.0.1:43210" || got["redirectUri"].Value != "http://localhost:43210/authorization-code/callback" {
		t.Errorf("got listen address %q and redirect %q, want the bound port 43210", got["listen address"].Value, got["redirectUri"].Value)
	}

	t.Run("port from the file makes the listen address", func(t *testing.T) {
		cfg, err := resolve(Options{File: path, Getenv: env(map[string]string{"CLIENT_ID": "0oa-env"})})
		if err != nil {
			t.Fatalf("resolve: %v", err)
		}
		for _, s := range cfg.Masked() {
			if s.Name == "listen address" && (s.Value != "127.0.0.1:9000" || s.Source != "default: 127.0.0.1 and the port from file "+path) {
				t.Errorf("listen address: got %q from %q", s.Value, s.Source)
			}
		}
	})
	t.Run("development provider", func(t *testing.T) {
		t.Chdir(t.TempDir())
		cfg, err := resolve(Options{})
		if err != nil {
			t.Fatalf("resolve: %v", err)
		}
		for _, s := range cfg.Masked() {
			switch s.Name {
			case "issuer", "clientId", "clientSecret":
				if s.Source != "development provider (no provider setting given)" {
					t.Errorf("%s: got source %q, want the development provider", s.Name, s.Source)
				}
			case "development provider":
				if s.Value != "true" || s.Source != "default: no provider setting given" {
					t.Errorf("development provider: got %q from %q", s.Value, s.Source)
				}
			}
		}
	})
}

func TestResolveReportsEveryProblem(t *testing.T) {
	t.Parallel()
	const secret = "{clientSecret}"
	path := writeFile(t, `{"oktaSample": {"oidc": {
		"oktaUrl": "https://{yourOktaDomain}",
		"issuer": "https://{yourOktaDomain}/oauth2/default",
		"clientId": "{clientId}",
		"clientSecret": "`+secret+`",
		"redirectUri": "http://localhost:9090/authorization-code/callback"}}}`)
	_, err := Load(Options{File: path})
	ps := problems(t, err)
	fields := map[string]bool{}
	for _, p := range ps {
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
	base := func() map[string]string {
		return map[string]string{
			"ISSUER": "https://dev-1.okta.com/oauth2/default", "CLIENT_ID": "0oa1", "CLIENT_SECRET": "s3cret-value",
			"REDIRECT_URI": "http://localhost:8080/authorization-code/callback",
		}
	}
	tests := []struct {
		name      string
		env       map[string]string // merged over base; "" deletes
		addr      string
		wantField string // "" means valid
		wantText  string
	}{
		{"valid", nil, "", "", ""},
		{"http issuer on loopback is allowed", map[string]string{"ISSUER": "http://127.0.0.1:8081/oauth2/default"}, "", "", ""},
		{"issuer not absolute", map[string]string{"ISSUER": "dev-1.okta.com/oauth2/default"}, "", "oktaSample.oidc.issuer", "absolute URL"},
		{"issuer ftp", map[string]string{"ISSUER": "ftp://dev-1.okta.com/oauth2/default"}, "", "oktaSample.oidc.issuer", "http(s)"},
		{"issuer plain http remote", map[string]string{"ISSUER": "http://dev-1.okta.com/oauth2/default"}, "", "oktaSample.oidc.issuer", "https"},
		{"issuer with query", map[string]string{"ISSUER": "https://dev-1.okta.com/oauth2/default?x=1"}, "", "oktaSample.oidc.issuer", "query"},
		{"missing secret", map[string]string{"CLIENT_SECRET": ""}, "", "oktaSample.oidc.clientSecret", "missing"},
		{"missing client id", map[string]string{"CLIENT_ID": ""}, "", "oktaSample.oidc.clientId", "missing"},
		{"placeholder client id", map[string]string{"CLIENT_ID": "{clientId}"}, "", "oktaSample.oidc.clientId", "placeholder"},
		{"redirect port differs", map[string]string{"REDIRECT_URI": "http://localhost:3000/authorization-code/callback"}, "", "oktaSample.oidc.redirectUri", "port 3000"},
		{"redirect host differs", map[string]string{"REDIRECT_URI": "http://app.example.com:8080/authorization-code/callback"}, "", "oktaSample.oidc.redirectUri", "host app.example.com"},
		{"redirect host any when listening on all interfaces", map[string]string{"REDIRECT_URI": "http://app.example.com:8080/authorization-code/callback"}, ":8080", "", ""},
		{"redirect 127.0.0.1 matches localhost", map[string]string{"REDIRECT_URI": "http://127.0.0.1:8080/cb"}, "", "", ""},
		{"redirect without path", map[string]string{"REDIRECT_URI": "http://localhost:8080"}, "", "oktaSample.oidc.redirectUri", "callback path"},
		{"redirect relative", map[string]string{"REDIRECT_URI": "/authorization-code/callback"}, "", "oktaSample.oidc.redirectUri", "absolute"},
		{"redirect placeholder", map[string]string{"REDIRECT_URI": "http://localhost:8080/{path}"}, "", "oktaSample.oidc.redirectUri", "placeholder ({path})"},
		{"port out of range", map[string]string{"PORT": "70000"}, "", "oktaSample.server.port", "not a TCP port"},
		{"bad addr", nil, "localhost", "-addr", "host:port"},
		{"leeway too large", map[string]string{"OKTA_SAMPLE_LEEWAY": "20m"}, "", "OKTA_SAMPLE_LEEWAY", "out of range"},
		{"timeout not positive", map[string]string{"OKTA_SAMPLE_PROVIDER_TIMEOUT": "0s"}, "", "OKTA_SAMPLE_PROVIDER_TIMEOUT", "positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			e := base()
			for k, v := range tt.env {
				e[k] = v
			}
			_, err := resolve(Options{Getenv: env(e), Addr: tt.addr})
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("resolve: got %v, want no error", err)
				}
				return
			}
			if _, ok := findProblem(problems(t, err), tt.wantField, tt.wantText); !ok {
				t.Errorf("got %v, want a problem for %s mentioning %q", err, tt.wantField, tt.wantText)
			}
			if strings.Contains(err.Error(), "s3cret-value") {
				t.Errorf("error repeats the secret: %v", err)
			}
		})
	}
}

func TestDevAddrRules(t *testing.T) {
	for _, tt := range []struct {
		name, addr, devAddr, want string
	}{
		{"dev addr equals app addr", "127.0.0.1:8080", "127.0.0.1:8080", "own address"},
		{"dev addr not host:port", "", "8081", "not host:port"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			_, err := Load(Options{Addr: tt.addr, DevAddr: tt.devAddr})
			if _, ok := findProblem(problems(t, err), "-dev-addr", tt.want); !ok {
				t.Errorf("got %v, want a problem for -dev-addr saying %q", err, tt.want)
			}
		})
	}
}

func TestResolveChecksTheBoundPort(t *testing.T) {
	t.Chdir(t.TempDir())
	e := map[string]string{"ISSUER": "https://dev-1.okta.com/oauth2/default", "CLIENT_ID": "0oa1", "CLIENT_SECRET": "s3cret-value"}
	d, err := Load(Options{Addr: "127.0.0.1:0", Getenv: env(e)})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	cfg, err := d.Resolve(Bound{Addr: "127.0.0.1:43210"})
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if got, want := cfg.RedirectURI, "http://localhost:43210/authorization-code/callback"; got != want {
		t.Errorf("RedirectURI: got %q, want %q", got, want)
	}
	if got, want := cfg.Addr, "127.0.0.1:43210"; got != want {
		t.Errorf("Addr: got %q, want %q", got, want)
	}

	e["REDIRECT_URI"] = "http://localhost:8080/cb"
	d, err = Load(Options{Addr: "127.0.0.1:0", Getenv: env(e)})
	if err != nil {
		t.Fatalf("Load with port 0 cannot check the redirect URI yet: got %v", err)
	}
	if _, err := d.Resolve(Bound{Addr: "127.0.0.1:43211"}); err == nil || !strings.Contains(err.Error(), "port 8080") {
		t.Errorf("Resolve with a redirect URI on another port: got %v, want a problem naming port 8080", err)
	}
}

func TestResolvedConfigIsIndependentOfTheDraft(t *testing.T) {
	t.Parallel()
	path := writeFile(t, `{"oktaSample": {"oidc": {"issuer": "https://dev-1.okta.com/oauth2/default/", "clientId": "0oa1", "clientSecret": "s3cret-value"}}}`)
	d, err := Load(Options{File: path})
	if err != nil {
		t.Fatal(err)
	}
	a, err := d.Resolve(Bound{Addr: "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	a.Notices()[0] = "changed"
	b, err := d.Resolve(Bound{Addr: "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Notices()[0] == "changed" || b.Notices()[0] == "changed" {
		t.Error("changing a returned notice changed the config")
	}
}

func TestMaskedNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	cfg := Config{Issuer: "https://x.okta.com/oauth2/default", ClientID: "0oa1", ClientSecret: "super-secret-value", RedirectURI: "http://localhost:8080/cb",
		CookieKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef"), []byte("fedcba9876543210fedcba9876543210")},
		RedisURL:   "redis://app:redis-pass-value@redis.example.com:6379/0"}
	for _, s := range cfg.Masked() {
		if strings.Contains(s.Value, "super-secret-value") || strings.Contains(s.Value, "0123456789abcdef") ||
			strings.Contains(s.Value, "fedcba9876543210") || strings.Contains(s.Value, "redis-pass-value") {
			t.Errorf("setting %s shows a secret", s.Name)
		}
		want := map[string]string{
			"clientSecret":            "(set, hidden)",
			"transaction cookie keys": "(2 set, hidden; the first seals)",
			"Redis URL":               "redis://app:xxxxx@redis.example.com:6379/0",
		}[s.Name]
		if want != "" && s.Value != want {
			t.Errorf("%s: got %q, want %q", s.Name, s.Value, want)
		}
		if s.Source != "default" {
			t.Errorf("%s of a Config built by hand: got source %q, want default", s.Name, s.Source)
		}
	}
}

func TestProblemsFromEveryStageAreReportedTogether(t *testing.T) {
	t.Parallel()
	path := writeFile(t, `{"oktaSample":{"oidc":{"clientId":"{clientId}", "isuer": "x"},"server":{"port":"x"}}}`)
	_, err := Load(Options{File: path, Getenv: env(map[string]string{
		"ISSUER":             "http://evil.example/oauth2/default",
		"OKTA_SAMPLE_LEEWAY": "soon",
	})})
	ps := problems(t, err)
	for _, want := range []string{"oktaSample.server.port", "OKTA_SAMPLE_LEEWAY", "{clientId}", "uses http", "clientSecret", "isuer"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not report %q:\n%v", want, err)
		}
	}
	if len(ps) < 6 {
		t.Errorf("got %d problems, want at least 6:\n%v", len(ps), err)
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	known := []string{"oktaUrl", "issuer", "clientId", "clientSecret", "redirectUri"}
	for _, tt := range []struct{ name, want string }{
		{"isuer", "issuer"},
		{"issuerr", "issuer"},
		{"client_secret", "clientSecret"},
		{"CLIENT-ID", "clientId"},
		{"redirect_url", "redirectUri"},
		{"okta_url", "oktaUrl"},
		{"issuerUrl", "issuer"},
		{"secret", "clientSecret"},
		{"url", ""},
		{"scopes", ""},
	} {
		if got := closest(tt.name, known); got != tt.want {
			t.Errorf("closest(%q): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestReadmeDocumentsEverySetting keeps the README's configuration table
// in step with the settings: every variable, file key and flag appears.
func TestReadmeDocumentsEverySetting(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range References() {
		names := append([]string(nil), r.Env...)
		if r.FileKey != "" {
			names = append(names, "`"+r.FileKey+"`")
		}
		if r.Flag != "" {
			names = append(names, "`"+r.Flag)
		}
		for _, n := range names {
			if !strings.Contains(string(readme), n) {
				t.Errorf("README.md does not mention %s (setting %s)", n, r.Name)
			}
		}
	}
	for _, k := range IgnoredFileKeys() {
		if !strings.Contains(string(readme), k) {
			t.Errorf("README.md does not mention the ignored key %s", k)
		}
	}
}
