package config

import (
	"strings"
)

// setting names one configurable value, as an index into the tables below.
type setting int

const (
	settingFile setting = iota
	settingOktaURL
	settingIssuer
	settingClientID
	settingClientSecret
	settingRedirectURI
	settingPort
	settingAddr
	settingDev
	settingDevAddr
	settingWidgetDir
	settingLeeway
	settingTimeout
	settingCookieKeys
	settingPublicURL
	settingTrustedProxies
	settingRedisURL
	settingMaxSessions
	settingWidgetEngine
	settingDevEngine
	settingAPIAudience
	settingAPIClientIDs
	settingAPIScope
	settingAPIOrigins
	settingMessagesURL
	settingSPAClientID
	settingSPAPort
	settingSPAAddr
	settingAuthJSDir
	settingScopes
	settingDevAccessTTL
	settingDevRefreshTTL
	numSettings
)

// Reference describes one setting: every place it can be given, and what
// happens when it is not. It is the one table behind the field names in
// error messages, the samples file's known keys, the -h text and the
// overview page.
type Reference struct {
	// Name is the setting as the overview page shows it.
	Name string
	// FileKey is the key under oktaSample in the samples file, such as
	// oidc.issuer; empty when the file cannot set it.
	FileKey string
	// Env lists the environment variables read, first set wins.
	Env []string
	// Flag is the command-line flag, such as -addr.
	Flag string
	// Default says what applies when nothing sets it.
	Default string
	// About is one line on what the setting does.
	About string

	// exclusive means Env lists alternatives of which at most one may be
	// set, rather than names in order of precedence.
	exclusive bool
}

// references is indexed by setting.
func references() [numSettings]Reference {
	return [numSettings]Reference{
		settingFile: {Name: "samples file", Flag: "-config",
			Default: "./" + DefaultFile + " when it exists", About: "Okta's samples configuration file (JSON)"},
		settingOktaURL: {Name: "oktaUrl", FileKey: "oidc.oktaUrl",
			Default: "the issuer up to /oauth2/", About: "The Okta org's URL, for the Sign-In Widget; must be the issuer's org"},
		settingIssuer: {Name: "issuer", FileKey: "oidc.issuer", Env: []string{"OKTA_OAUTH2_ISSUER", "ISSUER"},
			Default: "the development provider", About: "The authorization server, e.g. https://dev-123456.okta.com/oauth2/default"},
		settingClientID: {Name: "clientId", FileKey: "oidc.clientId", Env: []string{"OKTA_OAUTH2_CLIENT_ID", "CLIENT_ID"},
			Default: "the development provider's client", About: "The Client ID of your Okta app"},
		settingClientSecret: {Name: "clientSecret", FileKey: "oidc.clientSecret", Env: []string{"OKTA_OAUTH2_CLIENT_SECRET", "CLIENT_SECRET"},
			Default: "with the development provider, random per run", About: "The client secret of your Okta app (never printed)"},
		settingRedirectURI: {Name: "redirectUri", FileKey: "oidc.redirectUri", Env: []string{"OKTA_OAUTH2_REDIRECT_URI", "REDIRECT_URI"},
			Default: "http://localhost:<port>" + DefaultCallback, About: "The sign-in redirect URI registered with your Okta app"},
		settingPort: {Name: "port", FileKey: "server.port", Env: []string{"PORT"},
			Default: "8080", About: "The port the app listens on"},
		settingAddr: {Name: "listen address", Flag: "-addr",
			Default: "127.0.0.1:<port>", About: "The address the app listens on, host:port"},
		settingDev: {Name: "development provider", Flag: "-dev",
			Default: "on when no provider setting is given", About: "Use the embedded development provider, ignoring the provider settings"},
		settingDevAddr: {Name: "development provider address", Flag: "-dev-addr",
			Default: DefaultDevAddr, About: "Where the development provider listens"},
		settingWidgetDir: {Name: "widget assets folder", FileKey: "server.widgetDir", Env: []string{"OKTA_SAMPLE_WIDGET_DIR"},
			Default: "node_modules/@okta/okta-signin-widget/dist if present, else Okta's CDN", About: "A local copy of the Sign-In Widget's dist/ folder"},
		settingLeeway: {Name: "id_token clock leeway", Env: []string{"OKTA_SAMPLE_LEEWAY"},
			Default: "5m", About: "Allowed clock skew for exp, iat and nbf (0 to 15m)"},
		settingTimeout: {Name: "provider call timeout", Env: []string{"OKTA_SAMPLE_PROVIDER_TIMEOUT"},
			Default: "10s", About: "Bounds each call to the provider"},
		settingCookieKeys: {Name: "transaction cookie keys", Env: []string{"OKTA_SAMPLE_COOKIE_KEYS", "OKTA_SAMPLE_COOKIE_KEY"}, exclusive: true,
			Default: "random per run; required with a Redis URL",
			About: "Comma-separated keys of 32 bytes in standard base64 (never printed): the first seals new login-transaction cookies, all open them. " +
				"OKTA_SAMPLE_COOKIE_KEY is the one-key form; set one of the two"},
		settingPublicURL: {Name: "public URL", FileKey: "server.publicUrl", Env: []string{"OKTA_SAMPLE_PUBLIC_URL"},
			Default: "the redirect URI's origin, http://localhost:<port>",
			About:   "The origin users reach, such as https://app.example.com behind a TLS proxy; the redirect URI must be under it (http only on localhost)"},
		settingTrustedProxies: {Name: "trusted proxies", Env: []string{"OKTA_SAMPLE_TRUSTED_PROXIES"},
			Default: "none", About: "Comma-separated CIDRs, such as 127.0.0.1/32,::1/128, whose X-Forwarded-For and X-Forwarded-Proto are believed"},
		settingRedisURL: {Name: "Redis URL", FileKey: "server.redisUrl", Env: []string{"OKTA_SAMPLE_REDIS_URL"},
			Default: "none: sessions in memory",
			About:   "redis://[user:pass@]host:port/db, or rediss:// for TLS: sessions and used login states shared by every replica (password never printed)"},
		settingMaxSessions: {Name: "sessions per user", Env: []string{"OKTA_SAMPLE_MAX_SESSIONS_PER_USER"},
			Default: "10", About: "A user's oldest sessions beyond this many are signed out (1 to 1000)"},
		settingWidgetEngine: {Name: "widget engine", FileKey: "server.widgetEngine", Env: []string{"OKTA_SAMPLE_WIDGET_ENGINE"},
			Default: "auto", About: "The Sign-In Widget's mode on the custom login page: auto (ask the Okta org), oie or classic"},
		settingDevEngine: {Name: "development provider engine", Flag: "-dev-engine",
			Default: "idx", About: "The Okta engine the development provider imitates: idx (Identity Engine) or classic"},
		settingAPIAudience: {Name: "API audience", FileKey: "resourceServer.audience", Env: []string{"OKTA_SAMPLE_API_AUDIENCE"},
			Default: DefaultAPIAudience, About: "The aud an access token needs for GET /api/messages: the authorization server's Audience"},
		settingAPIClientIDs: {Name: "API client ids", FileKey: "resourceServer.clientIds", Env: []string{"OKTA_SAMPLE_API_CLIENT_IDS"},
			Default: "the app's client id and the single-page app's", About: "Comma-separated client ids (the token's cid) whose access tokens the API accepts"},
		settingAPIScope: {Name: "API required scope", FileKey: "resourceServer.requiredScope", Env: []string{"OKTA_SAMPLE_API_SCOPE"},
			Default: DefaultAPIScope, About: "The scope an access token needs (in its scp) for the API"},
		settingAPIOrigins: {Name: "API allowed origins", FileKey: "resourceServer.allowedOrigins", Env: []string{"OKTA_SAMPLE_API_ALLOWED_ORIGINS"},
			Default: "the single-page app's origin", About: "Comma-separated browser origins allowed to call the API (CORS), such as http://localhost:8082; never * or null"},
		settingMessagesURL: {Name: "messages URL", FileKey: "resourceServer.messagesUrl",
			Default: "the public URL + " + MessagesPath, About: "The API the single-page app and the profile page call, as in Okta's front-end samples"},
		settingSPAClientID: {Name: "SPA client id", FileKey: "spa.clientId", Env: []string{"OKTA_SAMPLE_SPA_CLIENT_ID"},
			Default: "with the development provider, its SPA client; otherwise none, and no SPA",
			About:   "The Client ID of a Single-Page App integration (public, PKCE) for the single-page app"},
		settingSPAPort: {Name: "SPA port", FileKey: "spa.port", Env: []string{"OKTA_SAMPLE_SPA_PORT"},
			Default: "8082 when the SPA runs", About: "The port the single-page app is served on, its own origin http://localhost:<port>"},
		settingSPAAddr: {Name: "SPA listen address", Flag: "-spa-addr",
			Default: "127.0.0.1:<SPA port> with the development provider or an SPA client id; otherwise off",
			About:   "Where the single-page app listens, host:port, or off"},
		settingAuthJSDir: {Name: "okta-auth-js folder", FileKey: "spa.authJsDir", Env: []string{"OKTA_SAMPLE_AUTHJS_DIR"},
			Default: DefaultAuthJSDir + " if present", About: "The dist/ folder of @okta/okta-auth-js, which the single-page app loads"},
		settingScopes: {Name: "scopes", FileKey: "oidc.scope", Env: []string{"OKTA_SAMPLE_SCOPES"},
			Default: "openid profile email; with the development provider also offline_access",
			About:   "The scopes each login requests, space- or comma-separated; openid is required, offline_access asks for a refresh token"},
		settingDevAccessTTL: {Name: "development provider access token lifetime", Flag: "-dev-access-token-ttl",
			Default: "1h", About: "How long the development provider's access tokens live, such as 30s to try refresh tokens"},
		settingDevRefreshTTL: {Name: "development provider refresh token lifetime", Flag: "-dev-refresh-token-ttl",
			Default: "168h", About: "How long the development provider's refresh tokens stay usable after each use"},
	}
}

// References lists every setting in the order the overview page shows
// them, for the -h text.
func References() []Reference {
	r := references()
	return r[:]
}

// IgnoredFileKeys are keys that Okta's samples files carry and this app
// accepts without using them, so a file copied from another Okta sample
// loads. They are listed by -h.
func IgnoredFileKeys() []string {
	return []string{"server.staticDir", "server.framework", "server.environment"}
}

// field names s in messages: its samples-file key, and its variables or
// flag, e.g. "oktaSample.oidc.issuer (OKTA_OAUTH2_ISSUER or ISSUER)".
func field(s setting) string {
	r := references()[s]
	name := r.Name
	if r.FileKey != "" {
		name = "oktaSample." + r.FileKey
	}
	var also []string
	also = append(also, r.Env...)
	if r.Flag != "" {
		also = append(also, r.Flag)
	}
	switch {
	case r.FileKey == "" && len(also) == 1:
		return also[0]
	case len(also) > 0:
		return name + " (" + strings.Join(also, " or ") + ")"
	}
	return name
}

// Where a setting's value came from, as the overview page shows it.
func fromFile(path string) string { return "file " + path }
func fromEnv(name string) string  { return "environment " + name }
func fromFlag(name string) string { return "flag " + name }

const (
	fromDefault  = "default"
	fromDevFlag  = "development provider (-dev)"
	fromDevAuto  = "development provider (no provider setting given)"
	fromIssuer   = "derived from the issuer"
	fromPort     = "default, for the port the app listens on"
	fromPublic   = "default, under the public URL"
	fromRedirect = "default: the redirect URI's origin"
)
