package config

import (
	"slices"
	"strings"
	"testing"
)

// okta is a configured provider, so that dev mode is off.
var okta = map[string]string{
	"OKTA_OAUTH2_ISSUER":        "https://dev-1.okta.com/oauth2/default",
	"OKTA_OAUTH2_CLIENT_ID":     "0oa-web",
	"OKTA_OAUTH2_CLIENT_SECRET": "s3cret-value",
}

func withOkta(extra map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range okta {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// TestAPISettings: the resource server's and the single-page app's
// settings, their defaults, and where the SPA listens.
func TestAPISettings(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		file        string
		opts        Options
		wantSPAAddr string
		wantClients []string
		wantOrigins []string
		wantAud     string
		wantScope   string
		wantMsgURL  string
	}{
		{name: "dev mode: the SPA on 8082, the app's and the SPA's clients", wantSPAAddr: "127.0.0.1:8082",
			wantClients: []string{"0oa-dev", "0oa-dev-spa"}, wantOrigins: []string{"http://localhost:8082"},
			wantAud: DefaultAPIAudience, wantScope: "openid", wantMsgURL: "http://localhost:8080/api/messages"},
		{name: "dev mode on port 0: the SPA on port 0 too", opts: Options{Addr: "127.0.0.1:0"}, wantSPAAddr: "127.0.0.1:0",
			wantClients: []string{"0oa-dev", "0oa-dev-spa"}, wantOrigins: []string{"http://localhost:8082"},
			wantAud: DefaultAPIAudience, wantScope: "openid", wantMsgURL: "http://localhost:43210/api/messages"},
		{name: "dev mode, -spa-addr off", opts: Options{SPAAddr: "off"}, wantClients: []string{"0oa-dev", "0oa-dev-spa"},
			wantAud: DefaultAPIAudience, wantScope: "openid", wantMsgURL: "http://localhost:8080/api/messages"},
		{name: "dev mode, SPA port from the environment", env: map[string]string{"OKTA_SAMPLE_SPA_PORT": "9090"}, wantSPAAddr: "127.0.0.1:9090",
			wantClients: []string{"0oa-dev", "0oa-dev-spa"}, wantOrigins: []string{"http://localhost:8082"},
			wantAud: DefaultAPIAudience, wantScope: "openid", wantMsgURL: "http://localhost:8080/api/messages"},
		{name: "Okta without an SPA client: no SPA, the app's client only", env: okta,
			wantClients: []string{"0oa-web"}, wantAud: DefaultAPIAudience, wantScope: "openid", wantMsgURL: "http://localhost:8080/api/messages"},
		{name: "Okta with an SPA client", env: withOkta(map[string]string{"OKTA_SAMPLE_SPA_CLIENT_ID": "0oa-spa"}), wantSPAAddr: "127.0.0.1:8082",
			wantClients: []string{"0oa-web", "0oa-spa"}, wantOrigins: []string{"http://localhost:8082"},
			wantAud: DefaultAPIAudience, wantScope: "openid", wantMsgURL: "http://localhost:8080/api/messages"},
		{name: "everything set in the environment", env: withOkta(map[string]string{
			"OKTA_SAMPLE_API_AUDIENCE":        "api://messages",
			"OKTA_SAMPLE_API_CLIENT_IDS":      "0oa-a, 0oa-b,",
			"OKTA_SAMPLE_API_SCOPE":           "messages:read",
			"OKTA_SAMPLE_API_ALLOWED_ORIGINS": "http://localhost:3000,https://App.Example.com:443",
		}), wantClients: []string{"0oa-a", "0oa-b"}, wantOrigins: []string{"http://localhost:3000", "https://app.example.com"},
			wantAud: "api://messages", wantScope: "messages:read", wantMsgURL: "http://localhost:8080/api/messages"},
		{name: "Okta's resourceServer section in the file", env: okta,
			file:        `{"oktaSample": {"resourceServer": {"messagesUrl": "http://localhost:8000/api/messages", "audience": "api://x"}, "spa": {"clientId": "0oa-s", "port": 8090}}}`,
			wantSPAAddr: "127.0.0.1:8090", wantClients: []string{"0oa-web", "0oa-s"}, wantOrigins: []string{"http://localhost:8082"},
			wantAud: "api://x", wantScope: "openid", wantMsgURL: "http://localhost:8000/api/messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			opts := tt.opts
			opts.Getenv = env(tt.env)
			if tt.file != "" {
				opts.File = writeFile(t, tt.file)
			}
			d, err := Load(opts)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := d.SPAAddr(); got != tt.wantSPAAddr {
				t.Errorf("SPA address: got %q, want %q", got, tt.wantSPAAddr)
			}
			b := Bound{Addr: "127.0.0.1:8080"}
			if tt.opts.Addr != "" {
				b.Addr = "127.0.0.1:43210"
			}
			if d.Dev() {
				b.Dev = &DevClient{Issuer: testDevIssuer, ClientID: "0oa-dev", ClientSecret: testDevSecret, SPAClientID: "0oa-dev-spa"}
			}
			if d.SPAAddr() != "" {
				b.SPAAddr = "127.0.0.1:8082" // the port it got
			}
			cfg, err := d.Resolve(b)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if got := cfg.APIClientIDs(); !slices.Equal(got, tt.wantClients) {
				t.Errorf("client ids: got %q, want %q", got, tt.wantClients)
			}
			if got := cfg.APIAllowedOrigins(); !slices.Equal(got, tt.wantOrigins) {
				t.Errorf("origins: got %q, want %q", got, tt.wantOrigins)
			}
			if cfg.APIAudience != tt.wantAud || cfg.APIScope != tt.wantScope {
				t.Errorf("audience, scope: got %q, %q; want %q, %q", cfg.APIAudience, cfg.APIScope, tt.wantAud, tt.wantScope)
			}
			if got := cfg.MessagesEndpoint(); got != tt.wantMsgURL {
				t.Errorf("messages URL: got %q, want %q", got, tt.wantMsgURL)
			}
		})
	}
}

// TestAPISettingProblems: each bad value is reported, naming its setting.
func TestAPISettingProblems(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		file      string
		opts      Options
		wantField string
		wantText  string
	}{
		{name: "origin *", env: map[string]string{"OKTA_SAMPLE_API_ALLOWED_ORIGINS": "*"},
			wantField: "oktaSample.resourceServer.allowedOrigins", wantText: "name each origin"},
		{name: "origin null", env: map[string]string{"OKTA_SAMPLE_API_ALLOWED_ORIGINS": "http://localhost:8082,null"},
			wantField: "oktaSample.resourceServer.allowedOrigins", wantText: `"null"`},
		{name: "origin with a path", env: map[string]string{"OKTA_SAMPLE_API_ALLOWED_ORIGINS": "http://localhost:8082/app"},
			wantField: "oktaSample.resourceServer.allowedOrigins", wantText: "has a path"},
		{name: "origin with a slash", env: map[string]string{"OKTA_SAMPLE_API_ALLOWED_ORIGINS": "http://localhost:8082/"},
			wantField: "oktaSample.resourceServer.allowedOrigins", wantText: "ends with a slash"},
		{name: "plain http origin off loopback", env: map[string]string{"OKTA_SAMPLE_API_ALLOWED_ORIGINS": "http://app.example.com"},
			wantField: "oktaSample.resourceServer.allowedOrigins", wantText: "uses http"},
		{name: "two scopes", env: map[string]string{"OKTA_SAMPLE_API_SCOPE": "openid profile"},
			wantField: "oktaSample.resourceServer.requiredScope", wantText: "not one scope"},
		{name: "client ids that name none", env: map[string]string{"OKTA_SAMPLE_API_CLIENT_IDS": " , ,"},
			wantField: "oktaSample.resourceServer.clientIds", wantText: "names no client id"},
		{name: "messages URL not absolute", file: `{"oktaSample": {"resourceServer": {"messagesUrl": "/api/messages"}}}`,
			wantField: "oktaSample.resourceServer.messagesUrl", wantText: "not an absolute"},
		{name: "messages URL in plain http off loopback", file: `{"oktaSample": {"resourceServer": {"messagesUrl": "http://api.example.com/api/messages"}}}`,
			wantField: "oktaSample.resourceServer.messagesUrl", wantText: "uses http"},
		{name: "SPA client placeholder", env: withOkta(map[string]string{"OKTA_SAMPLE_SPA_CLIENT_ID": "{spaClientId}"}),
			wantField: "oktaSample.spa.clientId", wantText: "placeholder"},
		{name: "SPA port without an SPA client", env: withOkta(map[string]string{"OKTA_SAMPLE_SPA_PORT": "8090"}),
			wantField: "oktaSample.spa.port", wantText: "no SPA client id"},
		{name: "-spa-addr without an SPA client", env: okta, opts: Options{SPAAddr: "127.0.0.1:8090"},
			wantField: "-spa-addr", wantText: "no SPA client id"},
		{name: "SPA port out of range", env: map[string]string{"OKTA_SAMPLE_SPA_PORT": "70000"},
			wantField: "oktaSample.spa.port", wantText: "not a TCP port"},
		{name: "-spa-addr not host:port", opts: Options{SPAAddr: "8082"}, wantField: "-spa-addr", wantText: "not host:port"},
		{name: "-spa-addr the app's", opts: Options{Addr: "127.0.0.1:9000", SPAAddr: "127.0.0.1:9000"}, wantField: "-spa-addr", wantText: "its own address"},
		{name: "-spa-addr the dev provider's", opts: Options{SPAAddr: DefaultDevAddr}, wantField: "-spa-addr", wantText: "its own address"},
		{name: "a resourceServer key Okta's samples do not have", file: `{"oktaSample": {"resourceServer": {"messagesURL": "http://localhost:8080/api/messages"}}}`,
			wantField: "oktaSample.resourceServer.messagesURL", wantText: `did you mean "oktaSample.resourceServer.messagesUrl"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			opts := tt.opts
			opts.Getenv = env(tt.env)
			if tt.file != "" {
				opts.File = writeFile(t, tt.file)
			}
			_, err := Load(opts)
			if _, ok := findProblem(problems(t, err), tt.wantField, tt.wantText); !ok {
				t.Errorf("got %v, want a problem for %s saying %q", err, tt.wantField, tt.wantText)
			}
		})
	}
}

// TestDevIgnoresTheSPAClient: the development provider's SPA client is
// used, and the configured one is named in a notice.
func TestDevIgnoresTheSPAClient(t *testing.T) {
	t.Chdir(t.TempDir())
	d, err := Load(Options{Dev: true, Getenv: env(map[string]string{"OKTA_SAMPLE_SPA_CLIENT_ID": "0oa-mine"})})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := d.Resolve(Bound{Addr: "127.0.0.1:8080", SPAAddr: "127.0.0.1:8082",
		Dev: &DevClient{Issuer: testDevIssuer, ClientID: "0oa-dev", ClientSecret: testDevSecret, SPAClientID: "0oa-dev-spa"}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SPAClientID != "0oa-dev-spa" || cfg.SPAOrigin != "http://localhost:8082" {
		t.Errorf("got SPA client %q at %q, want 0oa-dev-spa at http://localhost:8082", cfg.SPAClientID, cfg.SPAOrigin)
	}
	found := false
	for _, n := range cfg.Notices() {
		found = found || (strings.Contains(n, "OKTA_SAMPLE_SPA_CLIENT_ID") && strings.Contains(n, "ignoring"))
	}
	if !found {
		t.Errorf("no notice names the ignored SPA client id: %q", cfg.Notices())
	}
	if _, err := d.Resolve(Bound{Addr: "127.0.0.1:8080", SPAAddr: "127.0.0.1:8082"}); err == nil {
		t.Error("Resolve in dev mode without the dev client: got no error")
	}
}
