package config

import (
	"slices"
	"testing"
	"time"
)

// TestScopesAndDevLifetimes: the scopes' defaults (offline_access with the
// development provider only), their parsing, and the development
// provider's token lifetimes.
func TestScopesAndDevLifetimes(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		opts        Options
		wantScopes  []string
		wantAccess  time.Duration
		wantRefresh time.Duration
	}{
		{name: "dev mode", wantScopes: []string{"openid", "profile", "email", "offline_access"},
			wantAccess: time.Hour, wantRefresh: 7 * 24 * time.Hour},
		{name: "Okta: no refresh token unless asked", env: okta, wantScopes: []string{"openid", "profile", "email"}},
		{name: "Okta with offline_access", env: withOkta(map[string]string{"OKTA_SAMPLE_SCOPES": "openid, profile email offline_access openid"}),
			wantScopes: []string{"openid", "profile", "email", "offline_access"}},
		{name: "dev mode, short lifetimes", opts: Options{DevAccessTokenTTL: "2s", DevRefreshTokenTTL: "1m"},
			wantScopes: []string{"openid", "profile", "email", "offline_access"}, wantAccess: 2 * time.Second, wantRefresh: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			opts := tt.opts
			opts.Getenv = env(tt.env)
			cfg, err := resolve(opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.Scopes, tt.wantScopes) {
				t.Errorf("scopes: got %q, want %q", cfg.Scopes, tt.wantScopes)
			}
			if cfg.OfflineAccess() != slices.Contains(tt.wantScopes, "offline_access") {
				t.Errorf("OfflineAccess: got %t", cfg.OfflineAccess())
			}
			if cfg.Dev && (cfg.DevAccessTokenTTL != tt.wantAccess || cfg.DevRefreshTokenTTL != tt.wantRefresh) {
				t.Errorf("lifetimes: got %s, %s; want %s, %s", cfg.DevAccessTokenTTL, cfg.DevRefreshTokenTTL, tt.wantAccess, tt.wantRefresh)
			}
		})
	}
}

// TestScopesAndDevLifetimesProblems: each bad value names its setting.
func TestScopesAndDevLifetimesProblems(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		opts      Options
		wantField string
		wantText  string
	}{
		{name: "no openid", env: map[string]string{"OKTA_SAMPLE_SCOPES": "profile email"}, wantField: "oktaSample.oidc.scope", wantText: "lacks openid"},
		{name: "not a scope", env: map[string]string{"OKTA_SAMPLE_SCOPES": `openid "profile"`}, wantField: "oktaSample.oidc.scope", wantText: "is not a scope"},
		{name: "lifetime not a duration", opts: Options{DevAccessTokenTTL: "soon"}, wantField: "-dev-access-token-ttl", wantText: "not a duration"},
		{name: "lifetime under a second", opts: Options{DevRefreshTokenTTL: "10ms"}, wantField: "-dev-refresh-token-ttl", wantText: "a second or more"},
		{name: "lifetime with a real provider", env: okta, opts: Options{DevAccessTokenTTL: "30s"}, wantField: "-dev-access-token-ttl", wantText: "a provider is configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			opts := tt.opts
			opts.Getenv = env(tt.env)
			_, err := Load(opts)
			if _, ok := findProblem(problems(t, err), tt.wantField, tt.wantText); !ok {
				t.Errorf("got %v, want a problem for %s saying %q", err, tt.wantField, tt.wantText)
			}
		})
	}
}
