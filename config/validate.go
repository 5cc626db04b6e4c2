package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Problem is one thing wrong with the configuration.
type Problem struct {
	Field   string // as named in the samples file, e.g. oktaSample.oidc.issuer, with its variables
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

// placeholder matches the template values left in Okta's sample files,
// such as {clientId} or https://{yourOktaDomain}/oauth2/default.
var placeholder = regexp.MustCompile(`\{[A-Za-z][A-Za-z0-9_]*\}`)

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
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return fmt.Sprintf("%q must not have a query or fragment", issuer)
	}
	return ""
}

// normalizeIssuer removes the trailing slash of an issuer with a path,
// such as https://dev-1.okta.com/oauth2/default/, and says so in note.
//
// The issuer is compared exactly, never as a URL: with the discovery
// document's issuer (OIDC Discovery 4.3, which go-oidc enforces) and with
// every id_token's iss (OIDC Core 3.1.3.7, step 2). Okta's issuers never
// end with a slash, so a slash copied from a browser's address bar would
// fail discovery and every login. Removing it is safe because the result
// is then what the provider itself says. An issuer that is just an origin
// (https://tenant.example.com/) keeps its slash: some providers (Auth0)
// really issue that form, and Okta's org server is written without one.
func normalizeIssuer(issuer string) (normalized, note string) {
	u, err := url.Parse(issuer)
	if err != nil {
		return issuer, ""
	}
	switch {
	case u.Path == "/":
		return issuer, fmt.Sprintf("kept the trailing slash of %s, since an issuer that is just an origin may end with one; "+
			"Okta's org authorization server has none, so remove it there if discovery reports an issuer mismatch", issuer)
	case strings.HasSuffix(u.Path, "/"):
		normalized = strings.TrimRight(issuer, "/")
		return normalized, fmt.Sprintf("removed the trailing slash: using %s (Okta's issuers have none, and the id_token's iss must match exactly)", normalized)
	}
	return issuer, ""
}

// checkOktaURL returns what is wrong with oktaUrl, or "". It is the Okta
// org's URL; the Sign-In Widget sends the sign-in to the issuer's org (the
// issuer up to /oauth2/), so any other value would be wrong or unused.
func checkOktaURL(oktaURL, issuer string) string {
	u, err := url.Parse(oktaURL)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Sprintf("%q is not an absolute http(s) URL; use for example https://dev-123456.okta.com, or leave it out", oktaURL)
	}
	want := orgURL(issuer)
	if !strings.EqualFold(strings.TrimRight(oktaURL, "/"), want) {
		return fmt.Sprintf("%q is not the issuer's org, %s. The Sign-In Widget signs users in at the issuer's org (the issuer up to /oauth2/); set oktaUrl to %s, or leave it out", oktaURL, want, want)
	}
	return ""
}

// checkRedirect returns what is wrong with the redirect URI when no public
// URL is set, or "". The provider sends the browser there, so it must
// reach this app directly: the same port, and the same host unless the app
// listens on every interface.
func checkRedirect(redirect, listenHost, listenPort string) string {
	u, msg := parseRedirect(redirect)
	if msg != "" {
		return msg
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if port != listenPort {
		return fmt.Sprintf("%q is on port %s but the app listens on port %s; make them match (set server.port or -addr, or fix the URI here and in your Okta app); behind a proxy, set the public URL (%s) instead", redirect, port, listenPort, field(settingPublicURL))
	}
	wildcard := listenHost == "" || listenHost == "0.0.0.0" || listenHost == "::"
	sameHost := strings.EqualFold(u.Hostname(), listenHost) || (isLoopback(u.Hostname()) && isLoopback(listenHost))
	if !wildcard && !sameHost {
		return fmt.Sprintf("%q is on host %s but the app listens on %s; make them match", redirect, u.Hostname(), listenHost)
	}
	return ""
}

// checkRedirectUnder returns what is wrong with the redirect URI when a
// public URL is set, or "": it must be on the public URL's origin, since
// that is where browsers reach the app. The listen address does not
// matter then: a proxy forwards from the public origin to it. origin is
// "" when the public URL itself is wrong (reported on its own).
func checkRedirectUnder(redirect, origin string) string {
	u, msg := parseRedirect(redirect)
	if msg != "" || origin == "" {
		return msg
	}
	if !sameOrigin(u, origin) {
		return fmt.Sprintf("%q is not under the public URL %s; the provider must send the browser back to where users reach the app: "+
			"use %s%s (here and in your Okta app), or leave it out to get that default", redirect, origin, origin, u.EscapedPath())
	}
	return ""
}

// parseRedirect parses a redirect URI and checks its form: an absolute
// http(s) URL with a callback path and no query or fragment.
func parseRedirect(redirect string) (*url.URL, string) {
	u, err := url.Parse(redirect)
	if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Sprintf("%q is not an absolute http(s) URL; use for example http://localhost:8080/authorization-code/callback", redirect)
	}
	if u.Path == "" || u.Path == "/" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Sprintf("%q needs a callback path and no query, for example /authorization-code/callback", redirect)
	}
	return u, ""
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
