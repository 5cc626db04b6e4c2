package config

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// DefaultMaxSessionsPerUser is how many sessions one user may have when
// OKTA_SAMPLE_MAX_SESSIONS_PER_USER is not set.
const DefaultMaxSessionsPerUser = 10

// maxMaxSessionsPerUser bounds OKTA_SAMPLE_MAX_SESSIONS_PER_USER, so one
// user cannot hold an unbounded share of the session store.
const maxMaxSessionsPerUser = 1000

// cookieKeySize is the length of a transaction cookie key: AES-256.
const cookieKeySize = 32

// parseDeployment reads the settings a deployment behind a proxy, or on
// several replicas, needs: the public URL, the trusted proxies, Redis,
// the cookie keys and the per-user session cap.
func (l *loader) parseDeployment(cfg *Config) {
	cfg.MaxSessionsPerUser = DefaultMaxSessionsPerUser
	if v := l.vals[settingPublicURL]; v != "" {
		origin, msg := checkPublicURL(v)
		if msg != "" {
			l.add(settingPublicURL, "%s", msg)
		} else {
			cfg.PublicOrigin = origin
		}
	}
	if v := l.vals[settingTrustedProxies]; v != "" {
		prefixes, msgs := parseTrustedProxies(v)
		for _, m := range msgs {
			l.add(settingTrustedProxies, "%s", m)
		}
		cfg.TrustedProxies = prefixes
	}
	if v := l.vals[settingRedisURL]; v != "" {
		if msg := checkRedisURL(v); msg != "" {
			l.add(settingRedisURL, "%s", msg)
		} else {
			cfg.RedisURL = v
		}
	}
	if v := l.vals[settingCookieKeys]; v != "" {
		keys, msgs := parseCookieKeys(v)
		for _, m := range msgs {
			l.add(settingCookieKeys, "%s", m)
		}
		cfg.CookieKeys = keys
	} else if l.vals[settingRedisURL] != "" {
		// Each replica would make its own random key, and a login started
		// on one replica could not be finished on another.
		l.add(settingCookieKeys, "is not set, but %s is: replicas that share Redis must also share the keys that seal the login-transaction cookies, "+
			"or a login started on one replica fails on the next. Set OKTA_SAMPLE_COOKIE_KEYS to the same value on every replica "+
			"(make a key with: openssl rand -base64 32)", field(settingRedisURL))
	}
	if v := l.vals[settingMaxSessions]; v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			l.add(settingMaxSessions, "%q is not a whole number; use for example %d", v, DefaultMaxSessionsPerUser)
		case n < 1 || n > maxMaxSessionsPerUser:
			l.add(settingMaxSessions, "%d is out of range; use 1 to %d (default %d)", n, maxMaxSessionsPerUser, DefaultMaxSessionsPerUser)
		default:
			cfg.MaxSessionsPerUser = n
		}
	}
}

// checkPublicURL returns the origin users reach, normalized as browsers
// send it in Origin (RFC 6454 6.1: lower-case scheme and host, no default
// port), or what is wrong with it. The app is served at the root of that
// origin, so a path is refused rather than ignored.
func checkPublicURL(raw string) (origin, msg string) {
	const example = "use for example https://app.example.com or https://localhost:8443"
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", fmt.Sprintf("%q is not an absolute URL; %s", raw, example)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "https" && scheme != "http":
		return "", fmt.Sprintf("%q must be an https URL (http only on localhost); %s", raw, example)
	case u.User != nil:
		// Never repeat it: it may hold a password.
		return "", "must not contain a user name or password; " + example
	case u.Path != "" && u.Path != "/":
		return "", fmt.Sprintf("%q has a path; the app is served at the root of its origin, so give the origin alone, such as %s://%s", raw, scheme, u.Host)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", fmt.Sprintf("%q must not have a query or fragment; %s", raw, example)
	case u.Hostname() == "":
		return "", fmt.Sprintf("%q has no host name; %s", raw, example)
	}
	port := u.Port()
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Sprintf("%q has port %s; use 1 to 65535, or none for the scheme's default", raw, port)
		}
	}
	// Browsers send cookies marked Secure, and keep HSTS, only over https;
	// plain http is for trying the sample on this machine.
	if scheme == "http" && !isLoopback(u.Hostname()) {
		return "", fmt.Sprintf("%q uses http; a public URL must use https (http only for localhost): put a TLS-terminating proxy in front of the app", raw)
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" && port != defaultPort(scheme) {
		host += ":" + port
	}
	return scheme + "://" + host, ""
}

func defaultPort(scheme string) string {
	return map[string]string{"http": "80", "https": "443"}[strings.ToLower(scheme)]
}

// sameOrigin reports whether URL u is on origin, a normalized origin
// (scheme://host[:port], no default port).
func sameOrigin(u *url.URL, origin string) bool {
	o, err := url.Parse(origin)
	if err != nil {
		return false
	}
	port := func(x *url.URL) string {
		if p := x.Port(); p != "" {
			return p
		}
		return defaultPort(x.Scheme)
	}
	return strings.EqualFold(u.Scheme, o.Scheme) && strings.EqualFold(u.Hostname(), o.Hostname()) && port(u) == port(o)
}

// parseTrustedProxies parses a comma-separated list of CIDRs; a bare
// address stands for itself (/32 or /128). It returns every problem, one
// message per bad entry. Blank entries (a trailing comma) are skipped.
func parseTrustedProxies(list string) ([]netip.Prefix, []string) {
	var out []netip.Prefix
	var msgs []string
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, msg := parseProxy(entry)
		if msg != "" {
			msgs = append(msgs, msg)
			continue
		}
		out = append(out, p)
	}
	return out, msgs
}

func parseProxy(entry string) (netip.Prefix, string) {
	shown := strconv.Quote(entry)
	if !strings.Contains(entry, "/") {
		a, err := netip.ParseAddr(entry)
		if err != nil {
			return netip.Prefix{}, fmt.Sprintf("%s is neither an IP address nor a CIDR; use for example 10.0.0.5, 10.0.0.0/24 or ::1/128", shown)
		}
		if a.Zone() != "" {
			return netip.Prefix{}, fmt.Sprintf("%s has a zone; give the address without %%zone", shown)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), ""
	}
	p, err := netip.ParsePrefix(entry)
	if err != nil {
		return netip.Prefix{}, fmt.Sprintf("%s is not a CIDR; use for example 10.0.0.0/24 or ::1/128", shown)
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Sprintf("%s is an IPv4-mapped IPv6 range; write it as IPv4, such as 10.0.0.0/24", shown)
	}
	if m := p.Masked(); m != p {
		// 10.0.0.5/8 is probably a typo for 10.0.0.5/32, or meant 10.0.0.0/8:
		// guessing could trust a whole network by mistake.
		return netip.Prefix{}, fmt.Sprintf("%s has bits set after the prefix length; write %s for the network, or %s for the one address",
			shown, m, netip.PrefixFrom(p.Addr(), p.Addr().BitLen()))
	}
	return p, ""
}

// checkRedisURL returns what is wrong with a Redis URL, or "". It never
// repeats the password: the URL is shown redacted, or not at all.
func checkRedisURL(raw string) string {
	const example = "use redis://[user:password@]host:port/db, for example redis://127.0.0.1:6379/0, or rediss:// for TLS"
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error repeats the whole URL, password included.
		return "is not a URL; " + example
	}
	shown := redactURL(u)
	switch {
	case u.Scheme != "redis" && u.Scheme != "rediss":
		return fmt.Sprintf("%q must start with redis:// or rediss://; %s", shown, example)
	case u.Hostname() == "":
		return fmt.Sprintf("%q has no host; %s", shown, example)
	}
	if _, err := redis.ParseURL(raw); err != nil {
		msg := err.Error()
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
		return fmt.Sprintf("%q: %s; %s", shown, msg, example)
	}
	return ""
}

// parseCookieKeys parses comma-separated standard-base64 keys of 32
// bytes. Messages name a bad key by its position, never by its value.
func parseCookieKeys(list string) ([][]byte, []string) {
	entries := strings.Split(list, ",")
	var keys [][]byte
	var msgs []string
	for i, e := range entries {
		e = strings.TrimSpace(e)
		which := fmt.Sprintf("key %d of %d", i+1, len(entries))
		if len(entries) == 1 {
			which = "the key"
		}
		if e == "" {
			msgs = append(msgs, which+" is empty; remove the extra comma")
			continue
		}
		k, err := base64.StdEncoding.DecodeString(e)
		if err != nil || len(k) != cookieKeySize {
			msgs = append(msgs, which+" must be 32 random bytes in standard base64 (make one with: openssl rand -base64 32)")
			continue
		}
		keys = append(keys, k)
	}
	return keys, msgs
}

// redactedURL is raw for display: its password, if any, replaced by
// xxxxx, and its query (options, which a user might have put a secret in)
// shortened to "?…"; "(set, hidden)" when it does not parse, since it
// might then hold a password anywhere.
func redactedURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(set, hidden)"
	}
	return redactURL(u)
}

func redactURL(u *url.URL) string {
	c := *u
	query := c.RawQuery != "" || c.ForceQuery
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	s := c.Redacted()
	if query {
		s += "?…"
	}
	return s
}
