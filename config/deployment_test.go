package config

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"
)

// providerEnv is a configured provider, so these tests do not start the
// development provider; over is merged over it ("" deletes).
func providerEnv(over map[string]string) func(string) string {
	e := map[string]string{
		"ISSUER": "https://dev-1.okta.com/oauth2/default", "CLIENT_ID": "0oa1", "CLIENT_SECRET": "s3cret-value",
	}
	for k, v := range over {
		e[k] = v
	}
	return env(e)
}

func TestPublicURL(t *testing.T) {
	tests := []struct {
		name, value string
		wantOrigin  string // "" means a problem is wanted
		wantSecure  bool
		wantText    string // in the problem
		notShown    string // never in the problem
	}{
		{name: "https origin", value: "https://app.example.com", wantOrigin: "https://app.example.com", wantSecure: true},
		{name: "trailing slash", value: "https://app.example.com/", wantOrigin: "https://app.example.com", wantSecure: true},
		{name: "upper case and default port", value: "HTTPS://App.Example.COM:443", wantOrigin: "https://app.example.com", wantSecure: true},
		{name: "https on localhost with a port", value: "https://localhost:8443", wantOrigin: "https://localhost:8443", wantSecure: true},
		{name: "http on localhost", value: "http://localhost:8080", wantOrigin: "http://localhost:8080"},
		{name: "http on IPv6 loopback", value: "http://[::1]:8080", wantOrigin: "http://[::1]:8080"},
		{name: "http default port dropped", value: "http://127.0.0.1:80", wantOrigin: "http://127.0.0.1"},
		{name: "http elsewhere", value: "http://app.example.com", wantText: "uses http"},
		{name: "a path", value: "https://app.example.com/app", wantText: "has a path"},
		{name: "a query", value: "https://app.example.com?x=1", wantText: "query"},
		{name: "a fragment", value: "https://app.example.com/#top", wantText: "fragment"},
		{name: "a password", value: "https://user:hunter2-pw@app.example.com", wantText: "user name or password", notShown: "hunter2-pw"},
		{name: "not absolute", value: "app.example.com", wantText: "not an absolute URL"},
		{name: "another scheme", value: "ftp://app.example.com", wantText: "must be an https URL"},
		{name: "port 0", value: "https://app.example.com:0", wantText: "port 0"},
		{name: "no host name", value: "https://:8443", wantText: "no host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			cfg, err := resolve(Options{Getenv: providerEnv(map[string]string{"OKTA_SAMPLE_PUBLIC_URL": tt.value})})
			if tt.wantOrigin == "" {
				p, ok := findProblem(problems(t, err), "oktaSample.server.publicUrl (OKTA_SAMPLE_PUBLIC_URL)", tt.wantText)
				if !ok {
					t.Fatalf("got %v, want a problem for the public URL saying %q", err, tt.wantText)
				}
				if tt.notShown != "" && strings.Contains(err.Error(), tt.notShown) {
					t.Errorf("problem %q repeats %q", p.Message, tt.notShown)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			for _, c := range []struct{ name, got, want string }{
				{"PublicURL", cfg.PublicURL(), tt.wantOrigin},
				{"BaseURL", cfg.BaseURL(), tt.wantOrigin + "/"},
				{"default RedirectURI", cfg.RedirectURI, tt.wantOrigin + DefaultCallback},
			} {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
				}
			}
			if cfg.Secure() != tt.wantSecure {
				t.Errorf("Secure: got %t, want %t", cfg.Secure(), tt.wantSecure)
			}
		})
	}
}

func TestPublicURLFromTheFile(t *testing.T) {
	t.Parallel()
	path := writeFile(t, `{"oktaSample": {"oidc": {"issuer": "https://dev-1.okta.com/oauth2/default", "clientId": "0oa1", "clientSecret": "s3cret-value"},
		"server": {"publicUrl": "https://app.example.com", "redisUrl": "redis://127.0.0.1:6379/0"}}}`)
	cfg, err := resolve(Options{File: path, Getenv: env(map[string]string{"OKTA_SAMPLE_COOKIE_KEY": testKey(1)})})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if cfg.PublicURL() != "https://app.example.com" || cfg.RedisURL != "redis://127.0.0.1:6379/0" {
		t.Errorf("got public URL %q and Redis URL %q, want the file's", cfg.PublicURL(), cfg.RedisURL)
	}
	for _, s := range cfg.Masked() {
		switch s.Name {
		case "public URL", "Redis URL":
			if s.Source != "file "+path {
				t.Errorf("%s: got source %q, want the file", s.Name, s.Source)
			}
		case "redirectUri":
			if s.Value != "https://app.example.com/authorization-code/callback" || s.Source != "default, under the public URL" {
				t.Errorf("redirectUri: got %q from %q, want the callback under the public URL, by default", s.Value, s.Source)
			}
		}
	}
}

// TestRedirectUnderThePublicURL: with a public URL, the redirect URI must
// be on its origin, and the listen port no longer matters (a TLS proxy on
// 443 forwards to any port). Without one, the port check stays.
func TestRedirectUnderThePublicURL(t *testing.T) {
	const redirectField = "oktaSample.oidc.redirectUri"
	tests := []struct {
		name, public, redirect, addr string
		wantText                     string // "" means valid
	}{
		{"behind a TLS proxy on 443", "https://app.example.com", "https://app.example.com/authorization-code/callback", "127.0.0.1:9001", ""},
		{"explicit default port", "https://app.example.com", "https://app.example.com:443/authorization-code/callback", "127.0.0.1:9001", ""},
		{"other case", "https://app.example.com", "https://APP.example.com/cb", "127.0.0.1:9001", ""},
		{"listen port 0", "https://localhost:8443", "https://localhost:8443/authorization-code/callback", "127.0.0.1:0", ""},
		{"other scheme", "https://app.example.com", "http://app.example.com/authorization-code/callback", "127.0.0.1:9001", "not under the public URL https://app.example.com"},
		{"other host", "https://app.example.com", "https://other.example.com/authorization-code/callback", "127.0.0.1:9001", "use https://app.example.com/authorization-code/callback"},
		{"other port", "https://localhost:8443", "https://localhost:9443/authorization-code/callback", "127.0.0.1:9001", "not under the public URL"},
		{"no callback path", "https://app.example.com", "https://app.example.com/", "127.0.0.1:9001", "callback path"},
		{"no public URL: the port must match", "", "https://app.example.com/authorization-code/callback", "0.0.0.0:9001", "OKTA_SAMPLE_PUBLIC_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			e := map[string]string{"REDIRECT_URI": tt.redirect}
			if tt.public != "" {
				e["OKTA_SAMPLE_PUBLIC_URL"] = tt.public
			}
			cfg, err := resolve(Options{Getenv: providerEnv(e), Addr: tt.addr})
			if tt.wantText == "" {
				if err != nil {
					t.Fatalf("resolve: got %v, want no error", err)
				}
				if cfg.RedirectURI != tt.redirect || cfg.PublicURL() != tt.public {
					t.Errorf("got redirect %q, public URL %q; want %q, %q", cfg.RedirectURI, cfg.PublicURL(), tt.redirect, tt.public)
				}
				return
			}
			if _, ok := findProblem(problems(t, err), redirectField, tt.wantText); !ok {
				t.Errorf("got %v, want a problem for %s saying %q", err, redirectField, tt.wantText)
			}
		})
	}
}

// TestWithoutAPublicURLNothingChanges: the public URL is then the redirect
// URI's origin, as the app's base URL always was.
func TestWithoutAPublicURLNothingChanges(t *testing.T) {
	for _, tt := range []struct{ redirect, want string }{
		{"", "http://localhost:43210"},
		{"http://127.0.0.1:43210/cb", "http://127.0.0.1:43210"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			t.Chdir(t.TempDir())
			cfg, err := resolve(Options{Addr: "127.0.0.1:0", Getenv: providerEnv(map[string]string{"REDIRECT_URI": tt.redirect})})
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if cfg.PublicURL() != tt.want || cfg.PublicOrigin != "" || cfg.Secure() {
				t.Errorf("got PublicURL %q, PublicOrigin %q, Secure %t; want %q, none, false", cfg.PublicURL(), cfg.PublicOrigin, cfg.Secure(), tt.want)
			}
		})
	}
}

func TestTrustedProxies(t *testing.T) {
	pfx := netip.MustParsePrefix
	tests := []struct {
		name, value string
		want        []netip.Prefix
		wantTexts   []string // problems, all of them
	}{
		{name: "loopback", value: "127.0.0.1/32,::1/128", want: []netip.Prefix{pfx("127.0.0.1/32"), pfx("::1/128")}},
		{name: "bare addresses", value: "10.0.0.5, ::1", want: []netip.Prefix{pfx("10.0.0.5/32"), pfx("::1/128")}},
		{name: "spaces and a trailing comma", value: " 10.0.0.0/8 , 192.168.1.0/24,", want: []netip.Prefix{pfx("10.0.0.0/8"), pfx("192.168.1.0/24")}},
		{name: "IPv4-mapped address", value: "::ffff:10.0.0.5", want: []netip.Prefix{pfx("10.0.0.5/32")}},
		{name: "every bad entry is reported", value: "nonsense, 10.0.0.5/8, 300.1.1.1, fe80::1%eth0, 10.0.0.0/33, ::ffff:10.0.0.0/104",
			wantTexts: []string{`"nonsense" is neither`, `"10.0.0.5/8" has bits set after the prefix length; write 10.0.0.0/8 for the network, or 10.0.0.5/32`,
				`"300.1.1.1" is neither`, `"fe80::1%eth0" has a zone`, `"10.0.0.0/33" is not a CIDR`, `"::ffff:10.0.0.0/104" is an IPv4-mapped`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			cfg, err := resolve(Options{Getenv: providerEnv(map[string]string{"OKTA_SAMPLE_TRUSTED_PROXIES": tt.value})})
			if len(tt.wantTexts) > 0 {
				ps := problems(t, err)
				for _, w := range tt.wantTexts {
					if _, ok := findProblem(ps, "OKTA_SAMPLE_TRUSTED_PROXIES", w); !ok {
						t.Errorf("no problem saying %q; got:\n%v", w, err)
					}
				}
				if len(ps) != len(tt.wantTexts) {
					t.Errorf("got %d problems, want %d:\n%v", len(ps), len(tt.wantTexts), err)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if len(cfg.TrustedProxies) != len(tt.want) {
				t.Fatalf("TrustedProxies: got %v, want %v", cfg.TrustedProxies, tt.want)
			}
			for i := range tt.want {
				if cfg.TrustedProxies[i] != tt.want[i] {
					t.Errorf("TrustedProxies[%d]: got %v, want %v", i, cfg.TrustedProxies[i], tt.want[i])
				}
			}
		})
	}
}

// testKey returns a valid cookie key, 32 bytes of b, in standard base64.
func testKey(b byte) string {
	return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32))
}

func TestRedisURL(t *testing.T) {
	const password = "redis-Pa55-value"
	tests := []struct {
		name, value string
		wantText    string // "" means valid
		wantShown   string // how the overview shows a valid one
	}{
		{name: "plain", value: "redis://127.0.0.1:6379/0", wantShown: "redis://127.0.0.1:6379/0"},
		{name: "TLS with user and password", value: "rediss://app:" + password + "@redis.example.com:6380/2", wantShown: "rediss://app:xxxxx@redis.example.com:6380/2"},
		{name: "password only", value: "redis://:" + password + "@127.0.0.1:6379", wantShown: "redis://:xxxxx@127.0.0.1:6379"},
		{name: "another scheme", value: "http://:" + password + "@127.0.0.1:6379", wantText: `"http://:xxxxx@127.0.0.1:6379" must start with redis:// or rediss://`},
		{name: "unix socket", value: "unix:///run/redis.sock", wantText: "must start with redis://"},
		{name: "no host", value: "redis://", wantText: "has no host"},
		{name: "bad database", value: "redis://:" + password + "@127.0.0.1:6379/zero", wantText: "invalid database number"},
		{name: "unknown option", value: "redis://:" + password + "@127.0.0.1:6379/0?colour=" + password, wantText: "unexpected option"},
		{name: "not a URL", value: "redis://:" + password + "@[::1", wantText: "is not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			cfg, err := resolve(Options{Getenv: providerEnv(map[string]string{"OKTA_SAMPLE_REDIS_URL": tt.value, "OKTA_SAMPLE_COOKIE_KEYS": testKey(1)})})
			if tt.wantText == "" {
				if err != nil {
					t.Fatalf("resolve: %v", err)
				}
				if cfg.RedisURL != tt.value {
					t.Errorf("RedisURL: got %q, want %q", cfg.RedisURL, tt.value)
				}
				for _, s := range cfg.Masked() {
					if s.Name == "Redis URL" && s.Value != tt.wantShown {
						t.Errorf("overview shows %q, want %q", s.Value, tt.wantShown)
					}
				}
				return
			}
			if _, ok := findProblem(problems(t, err), "oktaSample.server.redisUrl (OKTA_SAMPLE_REDIS_URL)", tt.wantText); !ok {
				t.Errorf("got %v, want a problem for the Redis URL saying %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error repeats the password: %v", err)
			}
		})
	}
}

func TestCookieKeys(t *testing.T) {
	k1, k2 := testKey(1), testKey(2)
	secretLooking := base64.StdEncoding.EncodeToString([]byte("sixteen-byte-key")) // 16 bytes: too short
	tests := []struct {
		name     string
		env      map[string]string
		want     []byte // the first bytes of each key, in order
		wantText string // "" means valid
	}{
		{name: "none: random per run", env: nil, want: nil},
		{name: "one key, old variable", env: map[string]string{"OKTA_SAMPLE_COOKIE_KEY": k1}, want: []byte{1}},
		{name: "one key, new variable", env: map[string]string{"OKTA_SAMPLE_COOKIE_KEYS": k1}, want: []byte{1}},
		{name: "rotation: new first", env: map[string]string{"OKTA_SAMPLE_COOKIE_KEYS": k2 + ", " + k1}, want: []byte{2, 1}},
		{name: "both variables", env: map[string]string{"OKTA_SAMPLE_COOKIE_KEYS": k1, "OKTA_SAMPLE_COOKIE_KEY": k2},
			wantText: "OKTA_SAMPLE_COOKIE_KEYS and OKTA_SAMPLE_COOKIE_KEY are all set; set only one"},
		{name: "a bad second key", env: map[string]string{"OKTA_SAMPLE_COOKIE_KEYS": k1 + "," + secretLooking}, wantText: "key 2 of 2 must be 32 random bytes"},
		{name: "a bad single key", env: map[string]string{"OKTA_SAMPLE_COOKIE_KEY": secretLooking}, wantText: "the key must be 32 random bytes"},
		{name: "an empty entry", env: map[string]string{"OKTA_SAMPLE_COOKIE_KEYS": k1 + ","}, wantText: "key 2 of 2 is empty"},
		{name: "Redis without keys", env: map[string]string{"OKTA_SAMPLE_REDIS_URL": "redis://127.0.0.1:6379/0"},
			wantText: "replicas that share Redis must also share the keys"},
		{name: "Redis with the one-key variable", env: map[string]string{"OKTA_SAMPLE_REDIS_URL": "redis://127.0.0.1:6379/0", "OKTA_SAMPLE_COOKIE_KEY": k1}, want: []byte{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			cfg, err := resolve(Options{Getenv: providerEnv(tt.env)})
			if tt.wantText != "" {
				p, ok := findProblem(problems(t, err), "transaction cookie keys (OKTA_SAMPLE_COOKIE_KEYS or OKTA_SAMPLE_COOKIE_KEY)", tt.wantText)
				if !ok {
					t.Fatalf("got %v, want a problem for the cookie keys saying %q", err, tt.wantText)
				}
				for _, k := range []string{k1, k2, secretLooking} {
					if strings.Contains(err.Error(), k) {
						t.Errorf("problem %q repeats a key", p.Message)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if len(cfg.CookieKeys) != len(tt.want) {
				t.Fatalf("CookieKeys: got %d keys, want %d", len(cfg.CookieKeys), len(tt.want))
			}
			for i, b := range tt.want {
				if k := cfg.CookieKeys[i]; len(k) != 32 || k[0] != b {
					t.Errorf("CookieKeys[%d]: got %d bytes starting %d, want 32 bytes of %d", i, len(k), k[0], b)
				}
			}
		})
	}
}

func TestMaxSessionsPerUser(t *testing.T) {
	tests := []struct {
		value    string
		want     int
		wantText string
	}{
		{"", DefaultMaxSessionsPerUser, ""},
		{"1", 1, ""},
		{"1000", 1000, ""},
		{"0", 0, "0 is out of range; use 1 to 1000"},
		{"1001", 0, "out of range"},
		{"ten", 0, "not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Chdir(t.TempDir())
			cfg, err := resolve(Options{Getenv: providerEnv(map[string]string{"OKTA_SAMPLE_MAX_SESSIONS_PER_USER": tt.value})})
			if tt.wantText != "" {
				if _, ok := findProblem(problems(t, err), "OKTA_SAMPLE_MAX_SESSIONS_PER_USER", tt.wantText); !ok {
					t.Errorf("got %v, want a problem saying %q", err, tt.wantText)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if cfg.MaxSessionsPerUser != tt.want {
				t.Errorf("MaxSessionsPerUser: got %d, want %d", cfg.MaxSessionsPerUser, tt.want)
			}
		})
	}
}

// TestDeploymentProblemsAreReportedTogether: one run names every wrong
// deployment setting.
func TestDeploymentProblemsAreReportedTogether(t *testing.T) {
	t.Chdir(t.TempDir())
	_, err := Load(Options{Getenv: providerEnv(map[string]string{
		"OKTA_SAMPLE_PUBLIC_URL":            "http://app.example.com",
		"OKTA_SAMPLE_TRUSTED_PROXIES":       "proxy",
		"OKTA_SAMPLE_REDIS_URL":             "redis://",
		"OKTA_SAMPLE_MAX_SESSIONS_PER_USER": "0",
	})})
	for _, want := range []string{"OKTA_SAMPLE_PUBLIC_URL", "OKTA_SAMPLE_TRUSTED_PROXIES", "OKTA_SAMPLE_REDIS_URL", "OKTA_SAMPLE_COOKIE_KEYS", "OKTA_SAMPLE_MAX_SESSIONS_PER_USER"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not report %s:\n%v", want, err)
		}
	}
}

// TestResolveCopiesTheKeys: a Config never shares its keys or proxies
// with the Draft, so nothing changes it after Resolve.
func TestResolveCopiesTheKeys(t *testing.T) {
	t.Chdir(t.TempDir())
	d, err := Load(Options{Getenv: providerEnv(map[string]string{"OKTA_SAMPLE_COOKIE_KEYS": testKey(1), "OKTA_SAMPLE_TRUSTED_PROXIES": "10.0.0.1"})})
	if err != nil {
		t.Fatal(err)
	}
	a, err := d.Resolve(Bound{Addr: "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	a.CookieKeys[0][0] = 9
	a.TrustedProxies[0] = netip.MustParsePrefix("0.0.0.0/0")
	b, err := d.Resolve(Bound{Addr: "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if b.CookieKeys[0][0] != 1 || b.TrustedProxies[0] != netip.MustParsePrefix("10.0.0.1/32") {
		t.Errorf("changing one Config changed the next: key starts %d, proxy %v", b.CookieKeys[0][0], b.TrustedProxies[0])
	}
}
