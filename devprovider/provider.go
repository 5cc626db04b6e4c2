package devprovider

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Lifetimes of the things the provider hands out. They follow Okta's
// defaults where Okta has one.
const (
	// pendingLoginTTL bounds how long a sign-in page stays usable.
	pendingLoginTTL = 10 * time.Minute
	// codeTTL is the authorization code lifetime. RFC 6749 §4.1.2 recommends
	// at most 10 minutes; Okta uses 60 seconds.
	codeTTL = 60 * time.Second
	// sessionTokenTTL is the lifetime of an /api/v1/authn sessionToken.
	sessionTokenTTL = 60 * time.Second
	// ssoSessionTTL is the lifetime of the provider's own sign-in session.
	ssoSessionTTL = 2 * time.Hour
	// tokenTTL is the lifetime of access tokens and ID Tokens.
	tokenTTL = time.Hour
	// maxStoreEntries bounds each in-memory store, and the sign-in
	// throttle, so that a client in a loop cannot exhaust memory. A full
	// store drops its oldest entry rather than refuse (see store).
	maxStoreEntries = 10000
)

// Config configures a Provider. Only Issuer and Clients are required.
type Config struct {
	// Issuer is the absolute issuer URL including its path, for example
	// http://127.0.0.1:8081/oauth2/default. Every endpoint lives under it,
	// except /api/v1/authn, which lives at the root of its origin (as at Okta).
	Issuer string
	// Clients are the registered OAuth clients. At least one is required.
	Clients []Client
	// Users are the accounts that can sign in. If nil, DemoUsers is used.
	Users []User
	// TrustedOrigins are the exact origins (scheme://host[:port]) that may
	// call /api/v1/authn and read the discovery document and keys from a
	// browser, like Okta's Trusted Origins (CORS).
	TrustedOrigins []string
	// Logger receives structured events. Nil discards them.
	Logger *slog.Logger
	// Now returns the current time. Nil means time.Now. Tests set it to
	// control expiry.
	Now func() time.Time
	// NewSigningKey returns each RS256 signing key: the one New starts
	// with and one per RotateKey. Nil generates a fresh 2048-bit RSA key,
	// which takes about half a second; tests set it to hand out keys made
	// in advance (internal/testkeys). Keys shorter than 2048 bits are
	// refused (RFC 7518 §3.3).
	NewSigningKey func() (*rsa.PrivateKey, error)
}

// Client is a registered confidential OAuth client.
type Client struct {
	// ID is the client_id.
	ID string
	// Secret is the client_secret, sent with client_secret_basic or
	// client_secret_post (RFC 6749 §2.3.1).
	Secret string
	// RedirectURIs are the exact redirect_uri values allowed at /v1/authorize.
	RedirectURIs []string
	// PostLogoutRedirectURIs are the exact post_logout_redirect_uri values
	// allowed at /v1/logout.
	PostLogoutRedirectURIs []string
}

// User is an account that can sign in.
type User struct {
	// Subject is the stable sub claim, for example an Okta-style user id.
	Subject string
	// Login is the username, an email address as at Okta. It is compared
	// case-insensitively.
	Login string
	// Password is the plain-text password. This is a development provider:
	// never put a real password here.
	Password string
	// Email is the email claim; it is reported as verified.
	Email string
	// GivenName and FamilyName make up the name claim.
	GivenName  string
	FamilyName string
	// Locale is a BCP 47 tag such as en-US.
	Locale string
	// ZoneInfo is an IANA time zone such as America/Los_Angeles.
	ZoneInfo string
}

// Provider is an OpenID provider. It is an http.Handler meant to be served
// at the root of its own origin. Create one with New; it is safe for
// concurrent use.
type Provider struct {
	issuer        string // without a trailing slash
	issuerPath    string // the issuer's path, "" or like "/oauth2/default"
	origin        string // scheme://host[:port] of the issuer
	secureCookies bool
	demoUsers     bool // the users are DemoUsers, whose passwords are public
	discoveryJSON []byte

	clients        map[string]Client
	users          *directory
	trustedOrigins map[string]bool
	log            *slog.Logger
	now            func() time.Time
	startedAt      time.Time

	keys          *keyRing
	newKey        func() (*rsa.PrivateKey, error) // Config.NewSigningKey or generateRSAKey
	pending       *store[authRequest]
	codes         *store[codeGrant]
	redeemed      *store[string] // used code -> access token issued from it
	sessions      *store[authentication]
	sessionTokens *store[authentication]
	accessTokens  *store[accessGrant]
	throttle      *throttle
	pages         *pages
	// logHashKey keys the hash that stands for an unknown username in the
	// log (see signInAttr).
	logHashKey []byte

	handler http.Handler
}

// New validates cfg, makes a signing key with a random key id (a fresh
// 2048-bit RSA key unless Config.NewSigningKey says otherwise), and
// returns a ready Provider. All configuration problems are reported at once.
func New(cfg Config) (*Provider, error) {
	users := cfg.Users
	if users == nil {
		users = DemoUsers()
	}
	if err := cfg.validate(users); err != nil {
		return nil, fmt.Errorf("devprovider: invalid Config:\n%w", err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	u, err := url.Parse(issuer)
	if err != nil {
		// validate has parsed it already.
		return nil, fmt.Errorf("devprovider: parse issuer: %w", err)
	}
	newKey := cfg.NewSigningKey
	if newKey == nil {
		newKey = generateRSAKey
	}
	key, err := newSigningKey(newKey)
	if err != nil {
		return nil, fmt.Errorf("devprovider: %w", err)
	}
	pg, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("devprovider: %w", err)
	}

	p := &Provider{
		issuer:         issuer,
		issuerPath:     u.EscapedPath(),
		origin:         u.Scheme + "://" + u.Host,
		secureCookies:  u.Scheme == "https",
		demoUsers:      slices.Equal(users, DemoUsers()),
		clients:        make(map[string]Client, len(cfg.Clients)),
		users:          newDirectory(users),
		trustedOrigins: make(map[string]bool, len(cfg.TrustedOrigins)),
		log:            logger,
		now:            now,
		startedAt:      now(),
		newKey:         newKey,
		keys:           newKeyRing(key),
		pending:        newStore[authRequest](now, pendingLoginTTL),
		codes:          newStore[codeGrant](now, codeTTL),
		redeemed:       newStore[string](now, codeTTL),
		sessions:       newStore[authentication](now, ssoSessionTTL),
		sessionTokens:  newStore[authentication](now, sessionTokenTTL),
		accessTokens:   newStore[accessGrant](now, tokenTTL),
		throttle:       newThrottle(now),
		pages:          pg,
		logHashKey:     []byte(rand.Text()),
	}
	for _, c := range cfg.Clients {
		p.clients[c.ID] = c
	}
	for _, o := range cfg.TrustedOrigins {
		p.trustedOrigins[o] = true
	}
	if p.discoveryJSON, err = p.discoveryDocument(); err != nil {
		return nil, fmt.Errorf("devprovider: %w", err)
	}
	p.handler = p.routes()
	return p, nil
}

// ServeHTTP serves the provider's endpoints under the issuer's path, and
// /api/v1/authn at the origin root. Mount it at "/" of its own server.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.handler.ServeHTTP(w, r)
}

// issuerPathRE keeps the issuer's path usable inside a ServeMux pattern.
var issuerPathRE = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)*/?$`)

// validate reports every problem in cfg at once, naming the field.
func (cfg Config) validate(users []User) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}

	if cfg.Issuer == "" {
		bad("Issuer is empty: set it to an absolute URL such as http://127.0.0.1:8081/oauth2/default")
	} else if u, err := url.Parse(cfg.Issuer); err != nil {
		bad("Issuer %q is not a URL: %w", cfg.Issuer, err)
	} else {
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			bad("Issuer %q must be an absolute http or https URL", cfg.Issuer)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			bad("Issuer %q must not have a query, fragment or user info (OIDC Discovery §2)", cfg.Issuer)
		}
		if !issuerPathRE.MatchString(u.EscapedPath()) {
			bad("Issuer path %q may only contain letters, digits and . _ ~ - between slashes", u.EscapedPath())
		}
	}

	if len(cfg.Clients) == 0 {
		bad("Clients is empty: register at least one client")
	}
	seenClients := map[string]bool{}
	for i, c := range cfg.Clients {
		switch {
		case c.ID == "":
			bad("Clients[%d].ID is empty", i)
		case seenClients[c.ID]:
			bad("Clients[%d].ID %q is registered twice", i, c.ID)
		}
		seenClients[c.ID] = true
		if c.Secret == "" {
			bad("Clients[%d].Secret is empty: only confidential clients are supported", i)
		}
		if len(c.RedirectURIs) == 0 {
			bad("Clients[%d].RedirectURIs is empty: register the app's callback URL", i)
		}
		for j, ru := range c.RedirectURIs {
			if err := checkRegisteredURI(ru); err != nil {
				bad("Clients[%d].RedirectURIs[%d]: %w", i, j, err)
			}
		}
		for j, ru := range c.PostLogoutRedirectURIs {
			if err := checkRegisteredURI(ru); err != nil {
				bad("Clients[%d].PostLogoutRedirectURIs[%d]: %w", i, j, err)
			}
		}
	}

	if users != nil && len(users) == 0 {
		bad("Users is empty: leave it nil to get DemoUsers")
	}
	seenSubjects, seenLogins := map[string]bool{}, map[string]bool{}
	for i, u := range users {
		switch {
		case u.Subject == "":
			bad("Users[%d].Subject is empty", i)
		case seenSubjects[u.Subject]:
			bad("Users[%d].Subject %q is used twice", i, u.Subject)
		}
		seenSubjects[u.Subject] = true
		login := normalizeLogin(u.Login)
		switch {
		case login == "":
			bad("Users[%d].Login is empty", i)
		case seenLogins[login]:
			bad("Users[%d].Login %q is used twice (logins are case-insensitive)", i, u.Login)
		}
		seenLogins[login] = true
		if u.Password == "" {
			bad("Users[%d].Password is empty", i)
		}
	}

	for i, o := range cfg.TrustedOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.Scheme+"://"+u.Host != o {
			bad("TrustedOrigins[%d] %q must be an exact origin like http://localhost:8080 (no path or trailing slash)", i, o)
		}
	}
	return errors.Join(errs...)
}

// checkRegisteredURI checks a redirect URI for registration. RFC 6749
// §3.1.2 requires an absolute URI without a fragment.
func checkRegisteredURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("%q must be an absolute URL (RFC 6749 §3.1.2)", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("%q must not contain a fragment (RFC 6749 §3.1.2)", raw)
	}
	return nil
}
