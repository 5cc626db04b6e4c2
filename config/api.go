package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Defaults of the resource server (GET /api/messages) and the
// single-page app, as Okta's front-end samples expect them.
const (
	// DefaultAPIAudience is the audience of Okta's default authorization
	// server.
	DefaultAPIAudience = "api://default"
	// DefaultAPIScope is the scope every signed-in user's token carries.
	DefaultAPIScope = "openid"
	// MessagesPath is the resource server's route (api.MessagesPath).
	MessagesPath = "/api/messages"
	// DefaultSPAPort is where the single-page app listens when it runs
	// and no port is set.
	DefaultSPAPort = 8082
	// DefaultAuthJSDir is where `npm ci` puts okta-auth-js's dist/ folder,
	// relative to the repository root.
	DefaultAuthJSDir = "node_modules/@okta/okta-auth-js/dist"
)

// spaOff, as -spa-addr, turns the single-page app off.
const spaOff = "off"

// scopeToken matches one OAuth scope (RFC 6749 3.3).
var scopeToken = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`)

// parseAPI reads the settings of the resource server and the single-page
// app, and returns where the single-page app listens ("" when it does
// not run). It runs after chooseProvider: the app runs by default with
// the development provider, or when an SPA client id is given.
func (l *loader) parseAPI(cfg *Config, listen, devAddr string) (spaAddr string) {
	cfg.APIAudience = DefaultAPIAudience
	if v := l.vals[settingAPIAudience]; v != "" && !l.hasPlaceholder(settingAPIAudience) {
		cfg.APIAudience = v
	}
	cfg.APIScope = DefaultAPIScope
	if v := l.vals[settingAPIScope]; v != "" {
		if !scopeToken.MatchString(v) {
			l.add(settingAPIScope, "%q is not one scope; give a single scope such as openid or messages:read", v)
		} else {
			cfg.APIScope = v
		}
	}
	if v := l.vals[settingAPIClientIDs]; v != "" && !l.hasPlaceholder(settingAPIClientIDs) {
		cfg.APIClients = splitList(v)
		if len(cfg.APIClients) == 0 {
			l.add(settingAPIClientIDs, "names no client id; give comma-separated client ids, or leave it unset for the app's and the single-page app's")
		}
	}
	if v := l.vals[settingAPIOrigins]; v != "" {
		for _, o := range splitList(v) {
			origin, msg := checkAllowedOrigin(o)
			if msg != "" {
				l.add(settingAPIOrigins, "%s", msg)
				continue
			}
			cfg.APIOrigins = append(cfg.APIOrigins, origin)
		}
	}
	if v := l.vals[settingMessagesURL]; v != "" && !l.hasPlaceholder(settingMessagesURL) {
		if msg := checkMessagesURL(v); msg != "" {
			l.add(settingMessagesURL, "%s", msg)
		} else {
			cfg.MessagesURL = v
		}
	}
	cfg.AuthJSDir = l.vals[settingAuthJSDir]

	if cfg.Dev {
		if v := l.vals[settingSPAClientID]; v != "" {
			l.notices = append(l.notices, fmt.Sprintf("the development provider registers its own single-page app client; ignoring %s from %s",
				field(settingSPAClientID), l.src[settingSPAClientID]))
		}
		l.src[settingSPAClientID] = fromDevProvider(l.src[settingDev])
	} else if v := l.vals[settingSPAClientID]; v != "" && !l.hasPlaceholder(settingSPAClientID) {
		cfg.SPAClientID = v
	}
	return l.spaAddress(cfg, listen, devAddr)
}

// fromDevProvider is the source of a setting the development provider
// decides, given the source of the dev setting.
func fromDevProvider(devSource string) string {
	if strings.HasPrefix(devSource, "flag") {
		return fromDevFlag
	}
	return fromDevAuto
}

// spaAddress decides where the single-page app listens: -spa-addr, else
// 127.0.0.1 and the SPA port when the app runs (with the development
// provider, or an SPA client id). The default port follows the app's: port
// 0 (the tests) makes it 0 too, so parallel runs never collide on 8082.
func (l *loader) spaAddress(cfg *Config, listen, devAddr string) string {
	runs := cfg.Dev || cfg.SPAClientID != ""
	addr := l.vals[settingSPAAddr]
	port := ""
	if v := l.vals[settingSPAPort]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			l.add(settingSPAPort, "%q is not a TCP port; use 1 to 65535, for example %d", v, DefaultSPAPort)
			return ""
		}
		port = strconv.Itoa(n)
	}
	switch {
	case addr == spaOff:
		l.src[settingSPAAddr] = fromFlag("-spa-addr") + " (off)"
		return ""
	case addr == "" && !runs:
		if port != "" {
			l.add(settingSPAPort, "sets the single-page app's port, but no SPA client id is set (%s); set one, or remove the port", field(settingSPAClientID))
		}
		l.src[settingSPAAddr] = "default: off, no SPA client id"
		return ""
	case addr == "":
		if port == "" {
			port = strconv.Itoa(DefaultSPAPort)
			if _, p, err := net.SplitHostPort(listen); err == nil && p == "0" {
				port = "0"
			}
		}
		addr = net.JoinHostPort("127.0.0.1", port)
	case !runs:
		l.add(settingSPAAddr, "runs the single-page app, but no SPA client id is set (%s); set the Client ID of a Single-Page App integration, or use -dev", field(settingSPAClientID))
		return ""
	}
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		l.add(settingSPAAddr, "%q is not host:port or off; use for example 127.0.0.1:8082", addr)
		return ""
	}
	if p != "0" && (addr == listen || (cfg.Dev && addr == devAddr)) {
		l.add(settingSPAAddr, "the single-page app needs its own address (its own origin), not %s", addr)
		return ""
	}
	return addr
}

// splitList splits a comma-separated list, dropping blank entries.
func splitList(v string) []string {
	var out []string
	for e := range strings.SplitSeq(v, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// checkAllowedOrigin returns the origin normalized as browsers send it
// (lower case, no default port), or what is wrong with it.
func checkAllowedOrigin(o string) (origin, msg string) {
	if o == "*" || o == "null" {
		return "", fmt.Sprintf("%q would let any site, or none in particular, call the API with a user's token; name each origin, such as http://localhost:8082", o)
	}
	u, err := url.Parse(o)
	if err == nil && strings.EqualFold(u.Scheme, "http") && u.Host != "" && !isLoopback(u.Hostname()) {
		return "", fmt.Sprintf("%q uses http; an origin that receives users' tokens must use https (http only for localhost)", o)
	}
	origin, msg = checkPublicURL(o)
	if msg != "" {
		return "", "allowed origin " + msg
	}
	if u.Path == "/" {
		return "", fmt.Sprintf("%q ends with a slash; an origin has none, write %s", o, origin)
	}
	return origin, ""
}

// checkMessagesURL returns what is wrong with the messages URL, or "".
func checkMessagesURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return fmt.Sprintf("%q is not an absolute http(s) URL; use for example http://localhost:8080%s", raw, MessagesPath)
	case u.User != nil:
		return "must not contain a user name or password"
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return fmt.Sprintf("%q uses http; the access token would travel in the clear (http only for localhost)", raw)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Sprintf("%q must not have a query or fragment", raw)
	}
	return ""
}

// APIClientIDs are the clients whose access tokens the API accepts: the
// configured ones, or else the app's and the single-page app's.
func (c Config) APIClientIDs() []string {
	if len(c.APIClients) > 0 {
		return append([]string(nil), c.APIClients...)
	}
	ids := []string{c.ClientID}
	if c.SPAClientID != "" {
		ids = append(ids, c.SPAClientID)
	}
	return ids
}

// APIAllowedOrigins are the browser origins that may call the API: the
// configured ones, or else the single-page app's, when it runs.
func (c Config) APIAllowedOrigins() []string {
	if len(c.APIOrigins) > 0 {
		return append([]string(nil), c.APIOrigins...)
	}
	if c.SPAOrigin != "" {
		return []string{c.SPAOrigin}
	}
	return nil
}

// MessagesEndpoint is the URL of the API that the single-page app and the
// profile page call: the configured messages URL, or this app's.
func (c Config) MessagesEndpoint() string {
	if c.MessagesURL != "" {
		return c.MessagesURL
	}
	return c.PublicURL() + MessagesPath
}
