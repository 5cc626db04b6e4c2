package config

import (
	"slices"
	"strings"
	"time"
)

// Scopes the app asks for. OfflineAccess asks for a refresh token (OIDC
// Core 11), which the app then keeps in the session, server-side, and uses
// to renew the access token; it is on by default with the development
// provider only, because an Okta app integration must have the Refresh
// Token grant for it.
const (
	ScopeOpenID   = "openid"
	OfflineAccess = "offline_access"
)

// defaultScopes are requested when no scope setting is given.
func defaultScopes(dev bool) []string {
	s := []string{ScopeOpenID, "profile", "email"}
	if dev {
		s = append(s, OfflineAccess)
	}
	return s
}

// Development provider token lifetimes when no flag sets them.
const (
	DefaultDevAccessTokenTTL  = time.Hour
	DefaultDevRefreshTokenTTL = 7 * 24 * time.Hour
)

// parseTokens reads the scopes and the development provider's token
// lifetimes. It runs after chooseProvider.
func (l *loader) parseTokens(cfg *Config) {
	cfg.Scopes = defaultScopes(cfg.Dev)
	if v := l.vals[settingScopes]; v != "" {
		scopes := strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })
		ok := true
		for _, sc := range scopes {
			if !scopeToken.MatchString(sc) {
				l.add(settingScopes, "%q is not a scope; separate scopes with spaces or commas, such as openid profile email offline_access", sc)
				ok = false
			}
		}
		switch {
		case !ok:
		case !slices.Contains(scopes, ScopeOpenID):
			l.add(settingScopes, "%q lacks openid, without which there is no ID token and no sign-in; add it", v)
		default:
			cfg.Scopes = cfg.Scopes[:0]
			for _, sc := range scopes {
				if !slices.Contains(cfg.Scopes, sc) {
					cfg.Scopes = append(cfg.Scopes, sc)
				}
			}
		}
	}
	cfg.DevAccessTokenTTL, cfg.DevRefreshTokenTTL = DefaultDevAccessTokenTTL, DefaultDevRefreshTokenTTL
	for _, d := range []struct {
		s   setting
		dst *time.Duration
	}{{settingDevAccessTTL, &cfg.DevAccessTokenTTL}, {settingDevRefreshTTL, &cfg.DevRefreshTokenTTL}} {
		v := l.vals[d.s]
		if v == "" {
			continue
		}
		ttl, err := time.ParseDuration(v)
		switch {
		case err != nil || ttl < time.Second:
			l.add(d.s, "%q is not a duration of a second or more; use for example 30s or 1h", v)
		case !cfg.Dev:
			l.add(d.s, "sets a lifetime of the development provider's tokens, but a provider is configured (issuer from %s); drop it, or add -dev", l.src[settingIssuer])
		default:
			*d.dst = ttl
		}
	}
}

// OfflineAccess reports whether the logins ask for a refresh token.
func (c Config) OfflineAccess() bool { return slices.Contains(c.Scopes, OfflineAccess) }
