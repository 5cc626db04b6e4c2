package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Problem is one thing wrong with the configuration.
type Problem struct {
	Field   string // as named in the samples file, e.g. oktaSample.oidc.issuer
	Message string // what is wrong and what to do; never contains a secret
}

// ValidationError lists every problem found, so a newcomer fixes them all
// in one go rather than one per restart.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config: %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  - %s: %s", p.Field, p.Message)
	}
	return b.String()
}

// Field names as they appear in the samples file, with their variables.
const (
	fieldIssuer   = "oktaSample.oidc.issuer (OKTA_OAUTH2_ISSUER or ISSUER)"
	fieldClientID = "oktaSample.oidc.clientId (OKTA_OAUTH2_CLIENT_ID or CLIENT_ID)"
	fieldSecret   = "oktaSample.oidc.clientSecret (OKTA_OAUTH2_CLIENT_SECRET or CLIENT_SECRET)"
	fieldRedirect = "oktaSample.oidc.redirectUri (OKTA_OAUTH2_REDIRECT_URI or REDIRECT_URI)"
	fieldOktaURL  = "oktaSample.oidc.oktaUrl"
	fieldPort     = "oktaSample.server.port (PORT)"
	fieldAddr     = "-addr"
	fieldDevAddr  = "-dev-addr"
	fieldLeeway   = "OKTA_SAMPLE_LEEWAY"
)

// placeholder matches the template values left in Okta's sample files,
// such as {clientId} or https://{yourOktaDomain}/oauth2/default.
var placeholder = regexp.MustCompile(`\{[A-Za-z][A-Za-z0-9_]*\}`)

// Resolve fills in what is derived from other settings and then checks
// everything, returning a *ValidationError that lists every problem.
//
// With no issuer configured, or with Dev set, the embedded development
// provider is used and the client settings are filled in by the caller
// (see UseDevProvider); they are not required here.
func (c *Config) Resolve() error {
	ps := append([]Problem(nil), c.problems...)
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}

	if c.Issuer == "" {
		c.Dev = true
	}
	if c.Port < 1 || c.Port > 65535 {
		add(fieldPort, "%d is not a TCP port; use 1 to 65535, for example 8080", c.Port)
	}
	listenHost, listenPort, err := net.SplitHostPort(c.ListenAddr())
	if err != nil {
		add(fieldAddr, "%q is not host:port; use for example 127.0.0.1:8080 or :8080", c.Addr)
	}
	// Port 0 (tests) picks a free port; BindPort finishes the job.
	if c.RedirectURI == "" && listenPort != "" && listenPort != "0" {
		c.RedirectURI = "http://localhost:" + listenPort + DefaultCallback
	}
	if c.Leeway < 0 || c.Leeway > 15*time.Minute {
		add(fieldLeeway, "%s is out of range; use 0 to 15m (default 5m)", c.Leeway)
	}

	// Placeholders first: a value like {yourOktaDomain} would also fail the
	// URL checks below, but this message says what actually happened.
	for _, f := range []struct {
		field, value string
		secret       bool
	}{
		{fieldOktaURL, c.OktaURL, false},
		{fieldIssuer, c.Issuer, false},
		{fieldClientID, c.ClientID, false},
		{fieldSecret, c.ClientSecret, true},
		{fieldRedirect, c.RedirectURI, false},
	} {
		if m := placeholder.FindString(f.value); m != "" {
			shown := fmt.Sprintf(" (%s)", m)
			if f.secret {
				shown = ""
			}
			add(f.field, "still holds the template placeholder%s; replace it with the value from your Okta app", shown)
		}
	}
	hasPlaceholder := func(v string) bool { return placeholder.MatchString(v) }

	if !c.Dev || c.Issuer != "" {
		if !hasPlaceholder(c.Issuer) {
			if msg := checkIssuer(c.Issuer); msg != "" {
				add(fieldIssuer, "%s", msg)
			}
		}
	}
	if !c.Dev {
		if c.ClientID == "" {
			add(fieldClientID, "is missing; copy the Client ID from your Okta app's General tab")
		}
		if c.ClientSecret == "" {
			add(fieldSecret, "is missing; copy the client secret from your Okta app's General tab (keep it out of source control)")
		}
	}
	if c.RedirectURI != "" && !hasPlaceholder(c.RedirectURI) && listenPort != "" && listenPort != "0" {
		if msg := checkRedirect(c.RedirectURI, listenHost, listenPort); msg != "" {
			add(fieldRedirect, "%s", msg)
		}
	}
	if c.Dev {
		if _, _, err := net.SplitHostPort(c.DevAddr); err != nil {
			add(fieldDevAddr, "%q is not host:port; use for example 127.0.0.1:8081", c.DevAddr)
		} else if c.DevAddr == c.ListenAddr() && listenPort != "0" {
			add(fieldDevAddr, "the development provider needs its own address, not the app's %s", c.DevAddr)
		}
	}
	if len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

// checkIssuer returns what is wrong with an issuer URL, or "".
func checkIssuer(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Sprintf("%q is not an absolute URL; use for example https://dev-123456.okta.com/oauth2/default", issuer)
	}
	switch u.Scheme {
	case "https":
	case "http":
		// OIDC requires https (OIDC Discovery 3); plain http is allowed only
		// on this machine, for the development provider and local tests.
		if !isLoopback(u.Hostname()) {
			return fmt.Sprintf("%q uses http; an issuer must use https (http is allowed only for localhost)", issuer)
		}
	default:
		return fmt.Sprintf("%q must be an http(s) URL", issuer)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Sprintf("%q must not have a query or fragment", issuer)
	}
	return ""
}

// checkRedirect returns what is wrong with the redirect URI, or "". The
// provider sends the browser there, so it must reach this app: the same
// port, and the same host unless the app listens on every interface.
func checkRedirect(redirect, listenHost, listenPort string) string {
	u, err := url.Parse(redirect)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Sprintf("%q is not an absolute http(s) URL; use for example http://localhost:8080/authorization-code/callback", redirect)
	}
	if u.Path == "" || u.Path == "/" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Sprintf("%q needs a callback path and no query, for example /authorization-code/callback", redirect)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if port != listenPort {
		return fmt.Sprintf("%q is on port %s but the app listens on port %s; make them match (set server.port or -addr, or fix the URI here and in your Okta app)", redirect, port, listenPort)
	}
	wildcard := listenHost == "" || listenHost == "0.0.0.0" || listenHost == "::"
	sameHost := strings.EqualFold(u.Hostname(), listenHost) || (isLoopback(u.Hostname()) && isLoopback(listenHost))
	if !wildcard && !sameHost {
		return fmt.Sprintf("%q is on host %s but the app listens on %s; make them match", redirect, u.Hostname(), listenHost)
	}
	return ""
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BindPort records the port the app actually listens on, which differs
// from the configured one when that was 0, and fills in or re-checks the
// redirect URI for it.
func (c *Config) BindPort(port int) error {
	host, _, err := net.SplitHostPort(c.ListenAddr())
	if err != nil {
		return err
	}
	c.Addr = net.JoinHostPort(host, strconv.Itoa(port))
	c.Port = port
	if c.RedirectURI == "" {
		c.RedirectURI = "http://localhost:" + strconv.Itoa(port) + DefaultCallback
		return nil
	}
	if msg := checkRedirect(c.RedirectURI, host, strconv.Itoa(port)); msg != "" {
		return &ValidationError{Problems: []Problem{{Field: fieldRedirect, Message: msg}}}
	}
	return nil
}

// UseDevProvider points the app at the embedded development provider.
func (c *Config) UseDevProvider(issuer, clientID, clientSecret string) {
	c.Dev = true
	c.Issuer = issuer
	c.ClientID = clientID
	c.ClientSecret = clientSecret
}

// Setting is one row of the configuration as shown on the overview page.
type Setting struct {
	Name, Value string
}

// Masked lists the settings for display, with the secret masked.
func (c Config) Masked() []Setting {
	secret := "(not set)"
	if c.ClientSecret != "" {
		secret = "(set, hidden)"
	}
	return []Setting{
		{"issuer", c.Issuer},
		{"clientId", c.ClientID},
		{"clientSecret", secret},
		{"redirectUri", c.RedirectURI},
		{"listen address", c.ListenAddr()},
		{"id_token clock leeway", c.Leeway.String()},
		{"provider call timeout", c.ProviderTimeout.String()},
		{"development provider", strconv.FormatBool(c.Dev)},
		{"loaded from", c.Source},
	}
}
