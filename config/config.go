// Package config loads the sample's settings from Okta's samples file
// (.samples.config.json), the environment and command-line flags, and
// validates them before the app listens.
//
// Precedence, lowest to highest: built-in defaults, the file, the
// environment, flags. Every problem is reported at once, naming the
// setting (its file key and variables) and what to do, and never
// repeating a secret.
//
// Loading has two steps, because some settings only exist once the app
// listens: port 0 (the tests) becomes a real port, which the default
// redirect URI names, and the development provider's issuer and client
// are made for the address it got. Load reads and checks everything that
// can be known before listening and returns a Draft, which says where to
// listen; Draft.Resolve takes what listening decided and returns the
// final Config. Nothing changes a Config after that: it has no setters,
// and it is passed by value.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultFile is the file read when -config is not given and it exists.
const DefaultFile = ".samples.config.json"

// Defaults used when neither the file, the environment nor a flag says
// otherwise.
const (
	DefaultPort     = 8080
	DefaultCallback = "/authorization-code/callback"
	DefaultDevAddr  = "127.0.0.1:8081"
	DefaultLeeway   = 5 * time.Minute
	DefaultTimeout  = 10 * time.Second
)

// Config is every setting the app needs, final. Draft.Resolve makes it;
// nothing changes it afterwards. Tests of other packages may build one
// directly; the methods then treat a missing source as a default.
type Config struct {
	// OIDC client settings (oktaSample.oidc in the samples file). With the
	// development provider they are the provider's.
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURI  string
	// OktaURL is the Okta org's URL, which the Sign-In Widget calls; it is
	// always the issuer up to /oauth2/ (see OrgURL).
	OktaURL string

	// Addr is the address the app listens on, with the port it got.
	Addr string
	// Dev reports that the embedded development provider is the issuer.
	Dev bool

	// Leeway is the allowed clock skew when checking exp, iat and nbf.
	Leeway time.Duration
	// ProviderTimeout bounds each call to the provider during a login.
	ProviderTimeout time.Duration
	// CookieKeys encrypt the short-lived login-transaction cookies: the
	// first seals new ones, all of them open existing ones, so a key can
	// be rotated (add the new key first, drop the old one later). When
	// empty, a random key is made at start-up (pending logins do not
	// survive a restart, which is harmless). Replicas must share them;
	// Load refuses a Redis URL without them.
	CookieKeys [][]byte

	// PublicOrigin is the origin users reach (OKTA_SAMPLE_PUBLIC_URL),
	// normalized as browsers send it in Origin: lower case, no default
	// port, no trailing slash. Empty when not set; PublicURL then derives
	// it from the redirect URI.
	PublicOrigin string
	// TrustedProxies are the proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed; nobody else's are.
	TrustedProxies []netip.Prefix
	// RedisURL holds the sessions and used login states when set, so
	// several replicas can serve one login; empty means memory. It may
	// hold a password: never print it (Masked redacts it).
	RedisURL string
	// MaxSessionsPerUser is how many sessions one user may have; their
	// oldest beyond it are signed out. Load sets it (default
	// DefaultMaxSessionsPerUser); 0 in a Config built by hand means the
	// default.
	MaxSessionsPerUser int
	// WidgetDir serves the Okta Sign-In Widget's assets from a local folder
	// (the dist/ of @okta/okta-signin-widget) instead of Okta's CDN. When
	// empty, node_modules/@okta/okta-signin-widget/dist in the working
	// directory is used if `npm ci` put it there (see web.FindWidget).
	WidgetDir string
	// WidgetEngine is the Sign-In Widget's mode on the custom login page;
	// WidgetEngineAuto (the default) asks the Okta org.
	WidgetEngine WidgetEngine
	// DevEngine is the engine the development provider imitates; it
	// matters only when Dev is set.
	DevEngine DevEngine
	// File is the samples file that was read; empty when none was.
	File string

	// The resource server (GET /api/messages, package api). Load sets
	// APIAudience and APIScope to their defaults when they are not given.
	APIAudience string
	APIScope    string
	// APIClients and APIOrigins are the configured client ids and
	// browser origins; empty means the defaults that APIClientIDs and
	// APIAllowedOrigins return.
	APIClients []string
	APIOrigins []string
	// MessagesURL is the configured messages URL (Okta's
	// resourceServer.messagesUrl); empty means this app's, see
	// MessagesEndpoint.
	MessagesURL string

	// The single-page app. SPAClientID is its public client, whose tokens
	// the API accepts by default, also when this app does not serve the
	// SPA (Okta's React sample can use it). SPAOrigin is where browsers
	// reach the SPA, http://localhost:<port>, set by Resolve when it
	// listens; empty when it does not run.
	SPAClientID string
	SPAOrigin   string
	// AuthJSDir is okta-auth-js's dist/ folder; empty means
	// DefaultAuthJSDir in the working directory.
	AuthJSDir string

	// Scopes are requested by every login; Load sets them (openid profile
	// email, and offline_access with the development provider). Empty in
	// a Config built by hand means auth's default.
	Scopes []string
	// DevAccessTokenTTL and DevRefreshTokenTTL are the development
	// provider's token lifetimes; zero means its defaults.
	DevAccessTokenTTL, DevRefreshTokenTTL time.Duration

	// sources says where each setting came from, for the overview page.
	sources [numSettings]string
	// notices are things the user should know about how the settings were
	// read: a normalized issuer, what -dev overrides.
	notices []string
	// devOverrides names the provider settings that -dev ignored.
	devOverrides []string
}

// Options says where Load looks, and carries the command-line flags.
type Options struct {
	// File is the samples file (-config). When empty, DefaultFile is read
	// if it exists.
	File string
	// Getenv reads the environment; nil means no environment.
	Getenv func(string) string
	// Addr is the listen address (-addr); empty means 127.0.0.1:<port>.
	Addr string
	// Dev forces the embedded development provider (-dev), ignoring the
	// provider settings of the file and the environment.
	Dev bool
	// DevAddr is where the development provider listens (-dev-addr);
	// empty means DefaultDevAddr.
	DevAddr string
	// DevEngine is the development provider's engine (-dev-engine): idx
	// or classic; empty means idx.
	DevEngine string
	// SPAAddr is where the single-page app listens (-spa-addr), or "off".
	SPAAddr string
	// DevAccessTokenTTL and DevRefreshTokenTTL are the development
	// provider's token lifetimes (-dev-access-token-ttl,
	// -dev-refresh-token-ttl), as durations such as 30s; empty means the
	// defaults.
	DevAccessTokenTTL, DevRefreshTokenTTL string
}

// Draft is the configuration as the file, the environment and the flags
// give it, checked as far as it can be before the app listens. It says
// where to listen; Resolve then makes the final Config.
type Draft struct {
	cfg     Config
	listen  string
	devAddr string
	spaAddr string
}

// ListenAddr is the address the app must listen on; its port may be 0.
func (d Draft) ListenAddr() string { return d.listen }

// Dev reports whether the embedded development provider must start.
func (d Draft) Dev() bool { return d.cfg.Dev }

// DevAddr is where the development provider must listen; its port may be 0.
func (d Draft) DevAddr() string { return d.devAddr }

// SPAAddr is where the single-page app must listen, its port maybe 0;
// "" when it does not run.
func (d Draft) SPAAddr() string { return d.spaAddr }

// AuthJSDir is okta-auth-js's configured dist/ folder, "" when none is
// set, so the app can check it before it listens.
func (d Draft) AuthJSDir() string { return d.cfg.AuthJSDir }

// WidgetDir is the folder of the Sign-In Widget's assets, if one is set,
// so the app can check it before it listens.
func (d Draft) WidgetDir() string { return d.cfg.WidgetDir }

// Bound is what only exists once the app listens.
type Bound struct {
	// Addr is the app's listener address (net.Listener.Addr().String()),
	// with the port the system picked when the configured one was 0.
	Addr string
	// Dev is the client registered with the development provider, which
	// listens at its issuer. Required when Draft.Dev reports true, and
	// only then.
	Dev *DevClient
	// SPAAddr is the single-page app's listener address when it listens
	// (Draft.SPAAddr is set); empty when it does not.
	SPAAddr string
}

// DevClient is the development provider's side of the configuration.
type DevClient struct {
	Issuer, ClientID, ClientSecret string
	// SPAClientID is the development provider's single-page app client.
	SPAClientID string
}

// loader collects values and problems while Load runs.
type loader struct {
	vals     [numSettings]string
	src      [numSettings]string
	problems []Problem
	notices  []string
}

func (l *loader) add(s setting, format string, args ...any) {
	l.problems = append(l.problems, Problem{Field: field(s), Message: fmt.Sprintf(format, args...)})
}

func (l *loader) set(s setting, value, source string) {
	l.vals[s], l.src[s] = value, source
}

// Load reads the file, the environment and the flags, and checks them.
// On any problem it returns a *ValidationError that lists them all.
func Load(opts Options) (Draft, error) {
	l := &loader{}
	for s := range l.src {
		l.src[s] = fromDefault
	}
	l.readFile(opts.File)
	l.readEnv(opts.Getenv)
	if opts.Addr != "" {
		l.set(settingAddr, opts.Addr, fromFlag("-addr"))
	}
	if opts.DevAddr != "" {
		l.set(settingDevAddr, opts.DevAddr, fromFlag("-dev-addr"))
	}
	if opts.DevEngine != "" {
		l.set(settingDevEngine, opts.DevEngine, fromFlag("-dev-engine"))
	}
	if opts.SPAAddr != "" {
		l.set(settingSPAAddr, opts.SPAAddr, fromFlag("-spa-addr"))
	}
	if opts.DevAccessTokenTTL != "" {
		l.set(settingDevAccessTTL, opts.DevAccessTokenTTL, fromFlag("-dev-access-token-ttl"))
	}
	if opts.DevRefreshTokenTTL != "" {
		l.set(settingDevRefreshTTL, opts.DevRefreshTokenTTL, fromFlag("-dev-refresh-token-ttl"))
	}

	cfg := Config{
		Leeway:          DefaultLeeway,
		ProviderTimeout: DefaultTimeout,
		RedirectURI:     l.vals[settingRedirectURI],
		WidgetDir:       l.vals[settingWidgetDir],
		File:            l.vals[settingFile],
	}
	port := l.parseNumbers(&cfg)
	l.parseDeployment(&cfg)
	listen, devAddr := l.addresses(port)
	l.chooseProvider(&cfg, opts.Dev)
	spaAddr := l.parseAPI(&cfg, listen, devAddr)
	l.parseTokens(&cfg)
	l.engines(&cfg)
	l.checkRedirect(&cfg, listen)
	if len(l.problems) > 0 {
		return Draft{}, &ValidationError{Problems: l.problems}
	}
	if l.vals[settingPublicURL] == "" {
		l.src[settingPublicURL] = fromRedirect
	}
	cfg.sources = l.src
	cfg.notices = l.notices
	return Draft{cfg: cfg, listen: listen, devAddr: devAddr, spaAddr: spaAddr}, nil
}

// readFile reads the samples file, if there is one.
func (l *loader) readFile(path string) {
	explicit := path != ""
	if !explicit {
		path = DefaultFile
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
	case !explicit && errors.Is(err, fs.ErrNotExist):
		return // no file is fine: environment variables or the dev provider
	default:
		l.add(settingFile, "cannot read %s: %v", path, err)
		return
	}
	src := "default, found in the working directory"
	if explicit {
		src = fromFlag("-config")
	}
	l.set(settingFile, path, src)
	values, problems := readFile(path, data)
	l.problems = append(l.problems, problems...)
	for s, v := range values {
		if v != "" {
			l.set(s, v, fromFile(path))
		}
	}
}

// readEnv reads the variables of every setting that has some; the first
// variable set wins (the Okta CLI's names before the short ones).
func (l *loader) readEnv(getenv func(string) string) {
	if getenv == nil {
		return
	}
	for s, r := range references() {
		var set []string
		for _, name := range r.Env {
			if v := strings.TrimSpace(getenv(name)); v != "" {
				if len(set) == 0 {
					l.set(setting(s), v, fromEnv(name))
				}
				set = append(set, name)
			}
		}
		if r.exclusive && len(set) > 1 {
			l.add(setting(s), "%s are all set; set only one of them", strings.Join(set, " and "))
		}
	}
}

// parseNumbers parses the settings that are not plain strings into cfg,
// and returns the port.
func (l *loader) parseNumbers(cfg *Config) int {
	port := DefaultPort
	if v := l.vals[settingPort]; v != "" {
		p, err := strconv.Atoi(v)
		switch {
		case err != nil:
			l.add(settingPort, "%q is not a whole number; use for example 8080", v)
		case p < 1 || p > 65535:
			l.add(settingPort, "%d is not a TCP port; use 1 to 65535, for example 8080", p)
		default:
			port = p
		}
	}
	if v := l.vals[settingLeeway]; v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			l.add(settingLeeway, "%q is not a duration; use for example 5m or 30s", v)
		case d < 0 || d > 15*time.Minute:
			l.add(settingLeeway, "%s is out of range; use 0 to 15m (default 5m)", d)
		default:
			cfg.Leeway = d
		}
	}
	if v := l.vals[settingTimeout]; v != "" {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			l.add(settingTimeout, "%q is not a positive duration; use for example 10s", v)
		} else {
			cfg.ProviderTimeout = d
		}
	}
	return port
}

// addresses returns where the app and the development provider listen.
func (l *loader) addresses(port int) (listen, devAddr string) {
	listen = l.vals[settingAddr]
	if listen == "" {
		listen = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if l.src[settingPort] != fromDefault {
			l.src[settingAddr] = "default: 127.0.0.1 and the port from " + l.src[settingPort]
		}
	}
	_, listenPort, err := net.SplitHostPort(listen)
	if err != nil {
		l.add(settingAddr, "%q is not host:port; use for example 127.0.0.1:8080 or :8080", listen)
	}
	devAddr = l.vals[settingDevAddr]
	if devAddr == "" {
		devAddr = DefaultDevAddr
	}
	if _, _, err := net.SplitHostPort(devAddr); err != nil {
		l.add(settingDevAddr, "%q is not host:port; use for example 127.0.0.1:8081", devAddr)
	} else if devAddr == listen && listenPort != "0" {
		l.add(settingDevAddr, "the development provider needs its own address, not the app's %s", devAddr)
	}
	return listen, devAddr
}

// providerSettings are the settings that name a provider other than the
// development provider.
func providerSettings() []setting {
	return []setting{settingIssuer, settingOktaURL, settingClientID, settingClientSecret}
}

// chooseProvider decides between the configured provider and the
// embedded development provider, and checks the provider settings.
//
// The development provider starts only when no provider setting is given
// at all, or with -dev. A client id or secret without an issuer is a
// mistake (typically a misspelt issuer variable), never a reason to fall
// back to a provider with public demo passwords: it is reported, naming
// the issuer setting.
func (l *loader) chooseProvider(cfg *Config, forceDev bool) {
	var given []string
	for _, s := range providerSettings() {
		if l.vals[s] != "" {
			given = append(given, fmt.Sprintf("%s (from %s)", references()[s].Name, l.src[s]))
		}
	}
	switch {
	case forceDev:
		l.src[settingDev] = fromFlag("-dev")
		l.useDevProvider(cfg, fromDevFlag)
		cfg.devOverrides = given
		if len(given) > 0 {
			l.notices = append(l.notices, "-dev: using the embedded development provider; ignoring "+strings.Join(given, ", "))
		}
	case len(given) == 0:
		l.src[settingDev] = "default: no provider setting given"
		l.useDevProvider(cfg, fromDevAuto)
	default:
		l.src[settingDev] = "default: off, a provider is configured"
		l.checkProvider(cfg, given)
	}
}

// useDevProvider leaves the provider settings to Resolve, which gets them
// from the development provider once it listens.
func (l *loader) useDevProvider(cfg *Config, src string) {
	cfg.Dev = true
	for _, s := range providerSettings() {
		l.set(s, "", src)
	}
	l.src[settingOktaURL] = fromIssuer
}

// checkProvider checks the settings of a configured provider and puts
// them into cfg. given describes the provider settings that are set.
func (l *loader) checkProvider(cfg *Config, given []string) {
	// Placeholders first: a value like {yourOktaDomain} would also fail the
	// checks below, but this message says what actually happened.
	placeholders := map[setting]bool{}
	for _, s := range providerSettings() {
		if l.hasPlaceholder(s) {
			placeholders[s] = true
			l.vals[s] = ""
		}
	}

	issuer := l.vals[settingIssuer]
	switch {
	case placeholders[settingIssuer]:
	case issuer == "":
		l.add(settingIssuer, "is missing, but %s %s set. Set the issuer, for example https://dev-123456.okta.com/oauth2/default; or remove the other provider settings (or run with -dev) to use the embedded development provider",
			strings.Join(given, ", "), map[bool]string{true: "is", false: "are"}[len(given) == 1])
	default:
		if msg := checkIssuer(issuer); msg != "" {
			l.add(settingIssuer, "%s", msg)
			break
		}
		if n, note := normalizeIssuer(issuer); note != "" {
			l.notices = append(l.notices, fmt.Sprintf("%s from %s: %s", field(settingIssuer), l.src[settingIssuer], note))
			issuer = n
		}
		cfg.Issuer = issuer
	}
	cfg.ClientID = l.vals[settingClientID]
	cfg.ClientSecret = l.vals[settingClientSecret]
	if cfg.ClientID == "" && !placeholders[settingClientID] {
		l.add(settingClientID, "is missing; copy the Client ID from your Okta app's General tab")
	}
	if cfg.ClientSecret == "" && !placeholders[settingClientSecret] {
		l.add(settingClientSecret, "is missing; copy the client secret from your Okta app's General tab (keep it out of source control)")
	}
	if v := l.vals[settingOktaURL]; v != "" && cfg.Issuer != "" {
		if msg := checkOktaURL(v, cfg.Issuer); msg != "" {
			l.add(settingOktaURL, "%s", msg)
		}
	}
	if cfg.Issuer != "" {
		cfg.OktaURL = orgURL(cfg.Issuer)
		if l.vals[settingOktaURL] == "" {
			l.src[settingOktaURL] = fromIssuer
		}
	}
}

// hasPlaceholder reports whether setting s still holds a template value of
// Okta's sample files, such as {clientId}, and says so.
func (l *loader) hasPlaceholder(s setting) bool {
	m := placeholder.FindString(l.vals[s])
	if m == "" {
		return false
	}
	shown := fmt.Sprintf(" (%s)", m)
	if s == settingClientSecret {
		shown = "" // it is meant to hold a secret: never repeat it
	}
	hint := ", or run with -dev to try the sample without an Okta org"
	if s == settingRedirectURI {
		hint = ""
	}
	l.add(s, "still holds the template placeholder%s; replace it with the value from your Okta app%s", shown, hint)
	return true
}

// checkRedirect checks the redirect URI. With a public URL it must be
// under it, wherever the app listens (a proxy may forward from 443 to any
// port), and the default is the callback under it. Without one it must
// reach the listen address, which is checked here when its port is known
// (not 0), and by Resolve otherwise.
func (l *loader) checkRedirect(cfg *Config, listen string) {
	redirect := cfg.RedirectURI
	if cfg.PublicOrigin != "" && redirect == "" {
		cfg.RedirectURI = cfg.PublicOrigin + DefaultCallback
		l.src[settingRedirectURI] = fromPublic
		return
	}
	if redirect == "" || l.hasPlaceholder(settingRedirectURI) {
		return // the default, made by Resolve; or reported now
	}
	if cfg.PublicOrigin != "" || l.vals[settingPublicURL] != "" {
		if msg := checkRedirectUnder(redirect, cfg.PublicOrigin); msg != "" {
			l.add(settingRedirectURI, "%s", msg)
		}
		return
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil || port == "0" {
		return // reported already; or checked by Resolve
	}
	if msg := checkRedirect(redirect, host, port); msg != "" {
		l.add(settingRedirectURI, "%s", msg)
	}
}

// Resolve completes the configuration with what listening decided: the
// app's real port, for the default redirect URI and its checks, and the
// development provider's client. The Config it returns is final.
func (d Draft) Resolve(b Bound) (Config, error) {
	cfg := d.cfg
	cfg.notices = slices.Clone(d.cfg.notices)
	cfg.devOverrides = slices.Clone(d.cfg.devOverrides)
	cfg.TrustedProxies = slices.Clone(d.cfg.TrustedProxies)
	cfg.APIClients = slices.Clone(d.cfg.APIClients)
	cfg.APIOrigins = slices.Clone(d.cfg.APIOrigins)
	cfg.Scopes = slices.Clone(d.cfg.Scopes)
	cfg.CookieKeys = nil
	for _, k := range d.cfg.CookieKeys {
		cfg.CookieKeys = append(cfg.CookieKeys, slices.Clone(k))
	}
	host, port, err := net.SplitHostPort(b.Addr)
	if err != nil {
		return Config{}, fmt.Errorf("config: the app's address %q: %w", b.Addr, err)
	}
	if cfg.Dev != (b.Dev != nil) {
		return Config{}, fmt.Errorf("config: a development provider client is needed exactly when the development provider runs (dev mode %t)", cfg.Dev)
	}
	cfg.Addr = b.Addr
	switch {
	case cfg.RedirectURI == "":
		cfg.RedirectURI = "http://localhost:" + port + DefaultCallback
		cfg.sources[settingRedirectURI] = fromPort
	case cfg.PublicOrigin != "":
		// Checked by Load against the public URL; the listen port is
		// independent of it.
	default:
		if msg := checkRedirect(cfg.RedirectURI, host, port); msg != "" {
			return Config{}, &ValidationError{Problems: []Problem{{Field: field(settingRedirectURI), Message: msg}}}
		}
	}
	if b.Dev != nil {
		cfg.Issuer, cfg.ClientID, cfg.ClientSecret = b.Dev.Issuer, b.Dev.ClientID, b.Dev.ClientSecret
		cfg.OktaURL = orgURL(cfg.Issuer)
		cfg.SPAClientID = b.Dev.SPAClientID
	}
	if b.SPAAddr != "" && d.spaAddr == "" {
		return Config{}, errors.New("config: a single-page app's address, but the configuration turns it off")
	}
	if b.SPAAddr != "" {
		_, spaPort, err := net.SplitHostPort(b.SPAAddr)
		if err != nil {
			return Config{}, fmt.Errorf("config: the single-page app's address %q: %w", b.SPAAddr, err)
		}
		// localhost, like the app's default redirect URI: the SPA's
		// redirect URI and its CORS origin are named with it.
		cfg.SPAOrigin = "http://localhost:" + spaPort
	}
	return cfg, nil
}

// OrgURL is the Okta org's URL: where the Sign-In Widget sends its calls,
// and where the app probes what the org supports. It is the issuer up to
// its /oauth2/ segment, as the widget's okta-auth-js computes it, so a
// custom authorization server (…/oauth2/default) and the org server share
// one org.
func (c Config) OrgURL() string {
	if c.OktaURL != "" {
		return c.OktaURL
	}
	return orgURL(c.Issuer)
}

func orgURL(issuer string) string {
	base, _, _ := strings.Cut(strings.TrimRight(issuer, "/"), "/oauth2/")
	return base
}

// CallbackPath is the path of the redirect URI, where the provider sends
// the browser back.
func (c Config) CallbackPath() string {
	u, err := url.Parse(c.RedirectURI)
	if err != nil || u.Path == "" {
		return DefaultCallback
	}
	return u.Path
}

// PublicURL is the origin users reach, such as https://app.example.com,
// with no trailing slash: the public URL when one is set, else the
// redirect URI's origin (http://localhost:<port> by default). Every
// absolute URL the app makes starts with it, and cross-origin checks
// compare a browser's Origin with it; neither ever uses the request's
// Host, which a proxy may rewrite and a client may forge.
func (c Config) PublicURL() string {
	if c.PublicOrigin != "" {
		return c.PublicOrigin
	}
	u, err := url.Parse(c.RedirectURI)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// BaseURL is PublicURL with a trailing slash: the app's home page, where
// the provider returns the browser after logout.
func (c Config) BaseURL() string {
	return c.PublicURL() + "/"
}

// Secure reports whether users reach the app over https, directly or
// through a TLS-terminating proxy: cookies must then be marked Secure, the
// session cookie takes the __Host- prefix, and responses carry
// Strict-Transport-Security.
func (c Config) Secure() bool {
	return strings.HasPrefix(strings.ToLower(c.PublicURL()), "https://")
}

// Notices are what the user should know about how the settings were read,
// one sentence each: an issuer normalized, the settings -dev ignored. The
// app logs them at start.
func (c Config) Notices() []string { return slices.Clone(c.notices) }

// DevOverrides names the provider settings that -dev ignored, each with
// where it came from; empty without -dev or when there were none.
func (c Config) DevOverrides() []string { return slices.Clone(c.devOverrides) }

// Setting is one row of the configuration as the overview page shows it.
type Setting struct {
	Name, Value, Source string
}

// Masked lists the settings for display, each with where it came from,
// with the secret and the cookie key masked.
func (c Config) Masked() []Setting {
	secret := "(not set)"
	if c.ClientSecret != "" {
		secret = "(set, hidden)"
	}
	cookieKeys := "(random per run)"
	switch n := len(c.CookieKeys); n {
	case 0:
	case 1:
		cookieKeys = "(1 set, hidden)"
	default:
		cookieKeys = fmt.Sprintf("(%d set, hidden; the first seals)", n)
	}
	proxies := "(none)"
	if len(c.TrustedProxies) > 0 {
		ps := make([]string, 0, len(c.TrustedProxies))
		for _, p := range c.TrustedProxies {
			ps = append(ps, p.String())
		}
		proxies = strings.Join(ps, ", ")
	}
	redisURL := "(not set: sessions in memory)"
	if c.RedisURL != "" {
		redisURL = redactedURL(c.RedisURL)
	}
	maxSessions := c.MaxSessionsPerUser
	if maxSessions == 0 {
		maxSessions = DefaultMaxSessionsPerUser
	}
	widgetDir := c.WidgetDir
	if widgetDir == "" {
		widgetDir = "(not set)"
	}
	widgetEngine := c.WidgetEngine
	if widgetEngine == "" {
		widgetEngine = WidgetEngineAuto
	}
	devEngine := string(c.DevEngine)
	if !c.Dev {
		devEngine = "(no development provider)"
	} else if devEngine == "" {
		devEngine = string(DevEngineIdentity)
	}
	file := c.File
	if file == "" {
		file = "(none)"
	}
	devTTL := func(d time.Duration) string {
		if !c.Dev {
			return "(no development provider)"
		}
		return d.String()
	}
	orNone := func(v, none string) string {
		if v == "" {
			return none
		}
		return v
	}
	rows := []struct {
		s     setting
		value string
	}{
		{settingIssuer, c.Issuer},
		{settingOktaURL, c.OrgURL()},
		{settingClientID, c.ClientID},
		{settingClientSecret, secret},
		{settingRedirectURI, c.RedirectURI},
		{settingPublicURL, c.PublicURL()},
		{settingAddr, c.Addr},
		{settingTrustedProxies, proxies},
		{settingWidgetDir, widgetDir},
		{settingWidgetEngine, string(widgetEngine)},
		{settingLeeway, c.Leeway.String()},
		{settingTimeout, c.ProviderTimeout.String()},
		{settingCookieKeys, cookieKeys},
		{settingRedisURL, redisURL},
		{settingMaxSessions, strconv.Itoa(maxSessions)},
		{settingDev, strconv.FormatBool(c.Dev)},
		{settingDevEngine, devEngine},
		{settingAPIAudience, c.APIAudience},
		{settingAPIClientIDs, strings.Join(c.APIClientIDs(), ", ")},
		{settingAPIScope, c.APIScope},
		{settingAPIOrigins, orNone(strings.Join(c.APIAllowedOrigins(), ", "), "(none: no browser on another origin)")},
		{settingMessagesURL, c.MessagesEndpoint()},
		{settingSPAClientID, orNone(c.SPAClientID, "(not set: no single-page app)")},
		{settingSPAAddr, orNone(c.SPAOrigin, "(off)")},
		{settingAuthJSDir, orNone(c.AuthJSDir, "(not set)")},
		{settingScopes, strings.Join(c.Scopes, " ")},
		{settingDevAccessTTL, devTTL(c.DevAccessTokenTTL)},
		{settingDevRefreshTTL, devTTL(c.DevRefreshTokenTTL)},
		{settingFile, file},
	}
	names := references()
	out := make([]Setting, 0, len(rows))
	for _, r := range rows {
		src := c.sources[r.s]
		if src == "" {
			src = fromDefault
		}
		out = append(out, Setting{Name: names[r.s].Name, Value: r.value, Source: src})
	}
	return out
}
