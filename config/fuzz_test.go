package config_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/config"
)

// FuzzConfigFile feeds any bytes as .samples.config.json, and any
// environment (KEY=VALUE lines), to Load and Resolve, with and without
// -dev. Neither may panic,
// and no error text and no masked setting may repeat the client secret:
// neither one from the environment, nor one put into the fuzzed file
// itself. The secrets are random markers, so no other field can contain
// them by chance.
func FuzzConfigFile(f *testing.F) {
	for _, seed := range []struct{ file, env string }{
		{`{"oktaSample":{"oidc":{"oktaUrl":"https://dev-123.okta.com","issuer":"https://dev-123.okta.com/oauth2/default","clientId":"0oa123","clientSecret":"s3cret","redirectUri":"http://localhost:8080/authorization-code/callback"},"server":{"port":8080}}}`, ""},
		{`{"oktaSample":{"oidc":{"issuer":"https://{yourOktaDomain}/oauth2/default","clientId":"{clientId}","clientSecret":"{clientSecret}","redirectUri":"http://localhost:8080/authorization-code/callback"}}}`, ""},
		{`{"oktaSample":{"oidc":{"issuer":"http://evil.example/oauth2/default","clientId":"a","clientSecret":"b","redirectUri":"http://localhost:9999/cb?x=1"},"server":{"port":"8080"}}}`, "PORT=8080"},
		{`{"oktaSample":{"oidc":{"issuer":"ftp://x"},"server":{"port":"eighty"}}}`, ""},
		{`{"oktaSample":{"server":{"port":99999}}}`, "OKTA_SAMPLE_LEEWAY=1h"},
		{`{"oktaSample":{"oidc":{"clientSecret":42}}}`, ""},
		{`{"oktaSample":`, ""},
		{"{\n  \"oktaSample\": {\n    \"oidc\": {\n      \"issuer\": \"x\",\n    }\n  }\n}", ""},
		{``, "ISSUER=https://dev-123.okta.com/oauth2/default\nCLIENT_ID=0oa\nOKTA_SAMPLE_COOKIE_KEY=not-base64"},
		{`null`, "OKTA_SAMPLE_PROVIDER_TIMEOUT=-1s"},
		{`[]`, "PORT=0"},
		{"\xef\xbb\xbf{}", ""},
	} {
		f.Add([]byte(seed.file), seed.env)
	}
	dir := f.TempDir()
	path := filepath.Join(dir, config.DefaultFile)
	envSecret := "env-secret-" + rand.Text()
	fileSecret := "file-secret-" + rand.Text()

	f.Fuzz(func(t *testing.T, data []byte, envLines string) {
		env := map[string]string{}
		for line := range strings.Lines(envLines) {
			if k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), "="); ok {
				env[k] = v
			}
		}
		// As fuzzed: nothing may panic.
		loadAndResolve(t, path, data, env)

		// The environment's secret never shows.
		withSecret := map[string]string{"OKTA_OAUTH2_CLIENT_SECRET": envSecret}
		for k, v := range env {
			if !strings.HasSuffix(k, "CLIENT_SECRET") {
				withSecret[k] = v
			}
		}
		for _, text := range loadAndResolve(t, path, data, withSecret) {
			if strings.Contains(text, envSecret) {
				t.Fatalf("the environment's client secret shows in %q", text)
			}
		}

		// The file's secret never shows either.
		if withFile, ok := withFileSecret(data, fileSecret); ok {
			noEnvSecret := map[string]string{}
			for k, v := range env {
				if !strings.HasSuffix(k, "CLIENT_SECRET") {
					noEnvSecret[k] = v
				}
			}
			for _, text := range loadAndResolve(t, path, withFile, noEnvSecret) {
				if strings.Contains(text, fileSecret) {
					t.Fatalf("the file's client secret shows in %q", text)
				}
			}
		}
	})
}

// loadAndResolve writes data as the config file, runs Load and Resolve
// with env (port 0 bound to 43210, a development provider when asked for),
// and returns every text they show: error messages, notices, the
// settings -dev overrides and the masked settings of the overview page.
func loadAndResolve(t *testing.T, path string, data []byte, env map[string]string) []string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, dev := range []bool{false, true} {
		d, err := config.Load(config.Options{File: path, Dev: dev, Getenv: func(k string) string { return env[k] }})
		if err != nil {
			texts = append(texts, err.Error())
			continue
		}
		addr := d.ListenAddr()
		if host, port, err := net.SplitHostPort(addr); err == nil && port == "0" {
			addr = net.JoinHostPort(host, "43210")
		}
		var client *config.DevClient
		if d.Dev() {
			client = &config.DevClient{Issuer: "http://127.0.0.1:43211/oauth2/default", ClientID: "0oa-dev", ClientSecret: "dev"}
		}
		cfg, err := d.Resolve(config.Bound{Addr: addr, Dev: client})
		if err != nil {
			texts = append(texts, err.Error())
			continue
		}
		texts = append(texts, cfg.Notices()...)
		texts = append(texts, cfg.DevOverrides()...)
		for _, s := range cfg.Masked() {
			texts = append(texts, s.Name+"="+s.Value+" from "+s.Source)
		}
	}
	return texts
}

// withFileSecret puts secret into oktaSample.oidc.clientSecret of data, if
// data is a JSON object whose oktaSample and oidc are objects or absent.
func withFileSecret(data []byte, secret string) ([]byte, bool) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil || doc == nil {
		return nil, false
	}
	sample, ok := orEmpty(doc, "oktaSample")
	if !ok {
		return nil, false
	}
	oidc, ok := orEmpty(sample, "oidc")
	if !ok {
		return nil, false
	}
	oidc["clientSecret"] = secret
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, false
	}
	return out, true
}

// orEmpty returns m[key] as an object, adding an empty one when absent.
func orEmpty(m map[string]any, key string) (map[string]any, bool) {
	v, present := m[key]
	if !present || v == nil {
		sub := map[string]any{}
		m[key] = sub
		return sub, true
	}
	sub, ok := v.(map[string]any)
	return sub, ok
}

// FuzzDeploymentSecrets: whatever surrounds them, the Redis URL's password
// and the cookie keys never show in an error, a notice or the overview.
// hostPart follows the password in the Redis URL; keys is put before a
// valid secret key in OKTA_SAMPLE_COOKIE_KEYS; public and proxies are the
// other deployment settings, as fuzzed.
func FuzzDeploymentSecrets(f *testing.F) {
	for _, seed := range []struct{ hostPart, keys, public, proxies string }{
		{"127.0.0.1:6379/0", "", "https://app.example.com", "127.0.0.1/32"},
		{"redis.example.com:6380/db?dial_timeout=x", "not-base64,", "http://app.example.com/x", "10.0.0.5/8,::1"},
		{"[::1", "AAAA", "https://user:pw@app", "nonsense"},
		{"a@b/c", ",,", "", "fe80::1%eth0"},
	} {
		f.Add(seed.hostPart, seed.keys, seed.public, seed.proxies)
	}
	dir := f.TempDir()
	path := filepath.Join(dir, config.DefaultFile)
	password := "redis-pw-" + rand.Text()
	keyBytes := make([]byte, 32)
	if _, err := rand.Read(keyBytes); err != nil {
		f.Fatal(err)
	}
	key := base64.StdEncoding.EncodeToString(keyBytes)

	f.Fuzz(func(t *testing.T, hostPart, keys, public, proxies string) {
		env := map[string]string{
			"ISSUER": "https://dev-1.okta.com/oauth2/default", "CLIENT_ID": "0oa1", "CLIENT_SECRET": "s3cret",
			"OKTA_SAMPLE_REDIS_URL":       "redis://app:" + password + "@" + hostPart,
			"OKTA_SAMPLE_COOKIE_KEYS":     keys + "," + key,
			"OKTA_SAMPLE_PUBLIC_URL":      public,
			"OKTA_SAMPLE_TRUSTED_PROXIES": proxies,
		}
		for _, text := range loadAndResolve(t, path, []byte("{}"), env) {
			if strings.Contains(text, password) {
				t.Fatalf("the Redis password shows in %q", text)
			}
			if strings.Contains(text, key) {
				t.Fatalf("a cookie key shows in %q", text)
			}
		}
	})
}
