package devprovider

import (
	"cmp"
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
	// tokenTTL is the lifetime of ID Tokens, and of access tokens unless
	// Config.AccessTokenTTL says otherwise.
	tokenTTL = time.Hour
	// defaultRefreshTokenTTL is Config.RefreshTokenTTL's default.
	defaultRefreshTokenTTL = 7 * 24 * time.Hour
	// maxStoreEntries bounds each in-memory store, and the sign-in
	// throttle, so that a client in a loop cannot exhaust memory. A full
	// store drops an entry of the client holding the most rather than
	// refuse (see store).
	maxStoreEntries = 10000
	// maxEntriesPerClient bounds what one client address may hold in each
	// store (see clientKey): ten clients are needed to fill one. It is far
	// above what a person or a load test with a thousand parallel logins
	// needs.
	maxEntriesPerClient = maxStoreEntries / 10
	// interactionTTL bounds an Identity Engine interaction, from
	// /v1/interact to its interaction code, and so its state handles.
	interactionTTL = 10 * time.Minute
	// mfaPendingTTL bounds the wait between a correct password and the
	// one-time code that must follow it (Okta's stateToken lives 5 minutes).
	mfaPendingTTL = 5 * time.Minute
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
	// Engine is the Okta pipeline the provider imitates, as it reports at
	// /.well-known/okta-organization: EngineIdentity (the default) or
	// EngineClassic.
	Engine Engine
	// ClientIP returns the address of the client that sent a request. The
	// provider keeps each client address to its share of its stores, so
	// that one client cannot push out the others' pending sign-ins. Nil
	// means the host of http.Request.RemoteAddr; set it only behind a
	// reverse proxy you trust, to return the address that proxy reports.
	ClientIP func(r *http.Request) string
	// Logger receives structured events. Nil discards them.
	Logger *slog.Logger
	// Now returns the current time. Nil means time.Now. Tests set it to
	// control expiry.
	Now func() time.Time
	// AccessTokenTTL is the lifetime of access tokens. Zero means one hour,
	// Okta's default. Tests set seconds, with Now, to see tokens expire.
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is how long a refresh token stays usable after it
	// was issued; each use returns a new one that lives as long (Okta's
	// "expire if not used every"). Zero means 7 days.
	RefreshTokenTTL time.Duration
	// AccessTokenAudience is the aud claim of access tokens: the resource
	// server's identifier. Empty means DefaultAccessTokenAudience,
	// api://default.
	AccessTokenAudience string
	// HTTPClient sends the back-channel logout requests to the clients.
	// Nil means a client with a 5-second timeout. Redirects are never
	// followed, whatever the client says: a logout token goes to the
	// registered URI or nowhere.
	HTTPClient *http.Client
	// BackchannelLogoutTimeout bounds the back-channel logout requests of
	// one ended session, sent concurrently: the sign-out page waits for
	// them at most this long. Zero means 5 seconds.
	BackchannelLogoutTimeout time.Duration
	// NewSigningKey returns each RS256 signing key: the one New starts
	// with and one per RotateKey. Nil generates a fresh 2048-bit RSA key,
	// which takes about half a second; tests set it to hand out keys made
	// in advance (internal/testkeys). Keys shorter than 2048 bits are
	// refused (RFC 7518 §3.3).
	NewSigningKey func() (*rsa.PrivateKey, error)
}

// Client is a registered OAuth client: confidential, such as the sample web
// app, or public, such as a single-page app.
type Client struct {
	// ID is the client_id.
	ID string
	// Secret is the client_secret of a confidential client, sent with
	// client_secret_basic or client_secret_post (RFC 6749 §2.3.1). A
	// public client has none.
	Secret string
	// Public marks a public client (RFC 6749 §2.1), such as a single-page
	// app, which cannot keep a secret: it has no Secret and authenticates
	// with its client_id alone (token_endpoint_auth_method "none"), it must
	// use PKCE with S256 (RFC 9700 §2.1.1), and its redirect URIs' origins
	// may call the token, revocation and userinfo endpoints and read
	// discovery and the keys from a browser (CORS, without credentials).
	Public bool
	// RedirectURIs are the exact redirect_uri values allowed at /v1/authorize.
	RedirectURIs []string
	// PostLogoutRedirectURIs are the exact post_logout_redirect_uri values
	// allowed at /v1/logout.
	PostLogoutRedirectURIs []string
	// FrontchannelLogoutURI is the client's frontchannel_logout_uri (OpenID
	// Connect Front-Channel Logout 1.0 §2): when a provider session that
	// signed into the client ends, the provider's sign-out page loads it in
	// an iframe, with iss and sid added. Its scheme, host and port must be
	// those of one of RedirectURIs (§2). Empty means, for a confidential
	// client, the sample app's route, FrontchannelLogoutPath, at the origin
	// of RedirectURIs[0], and none for a public client; NoLogoutURI means
	// none.
	FrontchannelLogoutURI string
	// BackchannelLogoutURI is the client's backchannel_logout_uri (OpenID
	// Connect Back-Channel Logout 1.0 §2.2): when a provider session that
	// signed into the client ends, the provider POSTs a logout token to it.
	// Empty means, for a confidential client, the sample app's route,
	// BackchannelLogoutPath, at the origin of RedirectURIs[0], and none for
	// a public client; NoLogoutURI means none.
	BackchannelLogoutURI string
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
	// TOTPSecret, when set, gives the user a second factor: a TOTP
	// authenticator (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits, as
	// Google Authenticator), asked for after the password. It is the
	// shared secret in base32 (RFC 4648 §6), at least 128 bits (RFC 4226
	// §4 R6). See User.TOTPURI.
	TOTPSecret string
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
	engine        Engine
	discoveryJSON []byte
	orgJSON       []byte

	clients        map[string]Client // with their logout URIs resolved
	users          *directory
	trustedOrigins map[string]bool
	// publicClientOrigins are the origins of the public clients' redirect
	// URIs: single-page apps that call the token, revocation and userinfo
	// endpoints from the browser. readerOrigins may read the public
	// documents (discovery, keys): those and the trusted origins.
	publicClientOrigins map[string]bool
	readerOrigins       map[string]bool
	clientIP            func(*http.Request) string
	log                 *slog.Logger
	now                 func() time.Time
	startedAt           time.Time

	// httpClient and backchannelTimeout send back-channel logout requests.
	httpClient         *http.Client
	backchannelTimeout time.Duration

	keys          *keyRing
	newKey        func() (*rsa.PrivateKey, error) // Config.NewSigningKey or generateRSAKey
	pending       *store[pendingSignIn]
	codes         *store[codeGrant]
	redeemed      *store[redeemedCode] // used code -> what it bought
	sessions      *store[*ssoSession]  // by cookie value (see ssoSession)
	sessionTokens *store[authentication]
	accessTokens  *store[accessGrant] // by jti
	refreshTokens *store[*refreshFamily]
	// accessTokenTTL and accessTokenAudience describe the access tokens.
	accessTokenTTL      time.Duration
	accessTokenAudience string
	// Identity Engine: interactions by interaction_handle, the current
	// state handle of each, and the interaction codes they end with.
	interactions     *store[*interaction]
	stateHandles     *store[string]
	interactionCodes *store[codeGrant]
	// Sign-ins that passed the password and wait for the one-time code:
	// on the hosted page, and at /api/v1/authn (keyed by stateToken).
	otpPending *store[otpPending]
	authnMFA   *store[authentication]
	userSwitch *store[userSwitch]
	signOuts   *store[pendingSignOut] // logout requests waiting for the user
	totp       *totpGuard
	throttle   *throttle
	pages      *pages
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

	engine := cfg.Engine
	if engine == "" {
		engine = EngineIdentity
	}
	backchannelTimeout := cmp.Or(cfg.BackchannelLogoutTimeout, defaultBackchannelTimeout)
	accessTokenTTL := cmp.Or(cfg.AccessTokenTTL, tokenTTL)
	refreshTokenTTL := cmp.Or(cfg.RefreshTokenTTL, defaultRefreshTokenTTL)

	p := &Provider{
		issuer:              issuer,
		issuerPath:          u.EscapedPath(),
		origin:              u.Scheme + "://" + u.Host,
		secureCookies:       u.Scheme == "https",
		demoUsers:           slices.Equal(users, DemoUsers()),
		engine:              engine,
		clients:             make(map[string]Client, len(cfg.Clients)),
		users:               newDirectory(users),
		trustedOrigins:      make(map[string]bool, len(cfg.TrustedOrigins)),
		clientIP:            cfg.ClientIP,
		httpClient:          noRedirects(cfg.HTTPClient),
		backchannelTimeout:  backchannelTimeout,
		log:                 logger,
		now:                 now,
		startedAt:           now(),
		newKey:              newKey,
		keys:                newKeyRing(key),
		pending:             newClientStore[pendingSignIn](now, pendingLoginTTL),
		codes:               newClientStore[codeGrant](now, codeTTL),
		redeemed:            newClientStore[redeemedCode](now, codeTTL),
		sessions:            newClientStore[*ssoSession](now, ssoSessionTTL),
		sessionTokens:       newClientStore[authentication](now, sessionTokenTTL),
		accessTokens:        newClientStore[accessGrant](now, accessTokenTTL),
		refreshTokens:       newClientStore[*refreshFamily](now, refreshTokenTTL),
		accessTokenTTL:      accessTokenTTL,
		accessTokenAudience: cmp.Or(cfg.AccessTokenAudience, DefaultAccessTokenAudience),
		interactions:        newClientStore[*interaction](now, interactionTTL),
		stateHandles:        newClientStore[string](now, interactionTTL),
		interactionCodes:    newClientStore[codeGrant](now, codeTTL),
		otpPending:          newClientStore[otpPending](now, mfaPendingTTL),
		authnMFA:            newClientStore[authentication](now, mfaPendingTTL),
		userSwitch:          newClientStore[userSwitch](now, pendingLoginTTL),
		signOuts:            newClientStore[pendingSignOut](now, pendingLoginTTL),
		totp:                newTOTPGuard(),
		throttle:            newThrottle(now, users...),
		pages:               pg,
		logHashKey:          []byte(rand.Text()),
	}
	p.publicClientOrigins, p.readerOrigins = map[string]bool{}, map[string]bool{}
	for _, c := range cfg.Clients {
		p.clients[c.ID] = c.withLogoutURIs()
		if !c.Public {
			continue
		}
		for _, ru := range c.RedirectURIs {
			if o, err := originOf(ru); err == nil {
				p.publicClientOrigins[o] = true
				p.readerOrigins[o] = true
			}
		}
	}
	for _, o := range cfg.TrustedOrigins {
		p.trustedOrigins[o] = true
		p.readerOrigins[o] = true
	}
	if p.discoveryJSON, err = p.discoveryDocument(); err != nil {
		return nil, fmt.Errorf("devprovider: %w", err)
	}
	if p.orgJSON, err = p.organizationDocument(); err != nil {
		return nil, fmt.Errorf("devprovider: %w", err)
	}
	p.handler = p.routes()
	return p, nil
}

// newClientStore returns a store that keeps each client address to its
// share (see store and clientKey).
func newClientStore[T any](now func() time.Time, ttl time.Duration) *store[T] {
	return newFairStore[T](now, ttl, maxStoreEntries, maxEntriesPerClient)
}

// ServeHTTP serves the provider's endpoints under the issuer's path, and
// Okta's organization-wide ones (/api/v1/authn, /idp/idx/...,
// /.well-known/okta-organization) at the origin root. Mount it at "/" of
// its own server.
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
		switch {
		case c.Public && c.Secret != "":
			bad("Clients[%d] is Public and has a Secret: a public client cannot keep one (RFC 6749 §2.1); drop it", i)
		case !c.Public && c.Secret == "":
			bad("Clients[%d].Secret is empty: set one, or mark a single-page app's client Public", i)
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
		for _, err := range c.checkLogoutURIs() {
			bad("Clients[%d].%w", i, err)
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
		if u.TOTPSecret != "" {
			if err := checkTOTPSecret(u.TOTPSecret); err != nil {
				bad("Users[%d].TOTPSecret: %w", i, err)
			}
		}
	}

	if cfg.AccessTokenTTL < 0 || cfg.RefreshTokenTTL < 0 || cfg.BackchannelLogoutTimeout < 0 {
		bad("AccessTokenTTL, RefreshTokenTTL and BackchannelLogoutTimeout must not be negative (zero means the default)")
	}

	switch cfg.Engine {
	case "", EngineIdentity, EngineClassic:
	default:
		bad("Engine %q is unknown: use %q (Identity Engine) or %q (Classic Engine)", cfg.Engine, EngineIdentity, EngineClassic)
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
