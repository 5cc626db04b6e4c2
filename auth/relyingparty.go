// Package auth is the relying party: it signs users in with the OAuth 2.0
// Authorization Code flow, PKCE and OpenID Connect, and is safe by
// default. A login is two calls, and no check can be left out:
//
//   - [RelyingParty.Begin], on the route that starts a login, makes a
//     fresh transaction (state, nonce, PKCE verifier, return-to), seals it
//     in a cookie of its own and returns the [Login]: the URL to redirect
//     the browser to, and the values a front end such as the Okta Sign-In
//     Widget needs.
//   - [RelyingParty.Finish], on the redirect URI, takes the transaction
//     for the callback's state (once only), checks its state and age, the
//     RFC 9207 iss, the provider's error and the code; exchanges the code
//     with client_secret_basic and the verifier; validates the id_token
//     (OIDC Core 3.1.3.7) and reads userinfo. It returns the [Identity].
//     An interaction_code in place of the code (Okta Identity Engine's
//     interaction code flow, which the Sign-In Widget ends by sending the
//     browser to the redirect URI with one) is redeemed with
//     grant_type=interaction_code and otherwise finished the same way.
//
// [New] reads the provider's discovery document once; a [Connector] keeps
// retrying it in the background so a service can start while the provider
// is down.
//
// Logging out, three ways: [RelyingParty.Logout] revokes the user's
// tokens (RFC 7009) and returns the provider's logout URL (RP-Initiated
// Logout); a provider that signs the user out elsewhere says so on the
// front channel (an iframe with iss and sid, which needs nothing from
// this package) or on the back channel, a logout token that
// [RelyingParty.VerifyLogoutToken] validates.
//
// After the login: [RelyingParty.Refresh] renews the access token with
// the refresh token (offline_access), handing over the rotated one; and
// [RelyingParty.AccessTokenVerifier] gives a resource server in the same
// process a verifier for the provider's JWT access tokens, over the same
// cached key set and refetch limit as the logins.
//
// Failures: [ErrUnknownTransaction] (no pending login for the callback in
// this browser, a replay, or too old: a 4xx), [ErrStoreUnavailable]
// (Config.SpentStates failed: a 503), and [*Error] for everything else,
// naming the step and the rule that failed. None of them carries a code, a
// token or a secret.
//
// Every login Finish takes up is recorded in a [Report], at no extra
// request: the authorization request, the callback, the token exchange,
// the keys, each check of the id_token with the values it compared, and
// userinfo. Identity.Report has it, and Error.Report up to the step that
// failed, so a page can show a person what happened and why.
//
// Behind a load balancer, give every replica the same Config.CookieKeys
// and a shared [SpentStates], and any replica can finish any login.
//
// The package knows OIDC and HTTP but nothing about HTML, so it can be
// copied into another service as it is.
package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// defaultTimeout bounds each call to the provider during a login.
const defaultTimeout = 10 * time.Second

// defaultScopes are requested when Config.Scopes is empty.
func defaultScopes() []string { return []string{oidc.ScopeOpenID, "email", "profile"} }

// Config configures a RelyingParty. Issuer, ClientID and RedirectURL are
// required; every other field has a safe default.
type Config struct {
	// Issuer is the provider's issuer URL, e.g.
	// https://dev-123456.okta.com/oauth2/default; discovery is read from
	// Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID and ClientSecret are the app's credentials at the provider.
	// The secret is sent only to the token endpoint, with
	// client_secret_basic.
	ClientID     string
	ClientSecret string
	// RedirectURL is the callback registered with the provider.
	RedirectURL string
	// Scopes requested; empty means openid email profile.
	Scopes []string
	// Leeway is the allowed clock skew for exp, iat and nbf.
	Leeway time.Duration
	// SigningAlgs is the allow-list for id_token signatures; empty means
	// RS256 only. "none" and HMAC algorithms are always refused.
	SigningAlgs []string

	// CookieKeys seal the transaction cookies (AES-256-GCM), each exactly
	// 32 random bytes. The first seals new cookies; every one opens
	// existing ones. To rotate, put a new key first, and drop the old one
	// once the logins it sealed are over (10 minutes): a cookie sealed
	// with a dropped key is an unknown transaction. Empty means one
	// random key, which is right for a single process only: replicas
	// must share their keys.
	CookieKeys [][]byte
	// CookiePath scopes the transaction cookies. It must cover the
	// callback, for Finish, and every route that calls Begin, so that
	// Begin sees the old cookies and prunes them. Empty means the folder
	// of RedirectURL's path, such as /authorization-code/ for
	// /authorization-code/callback.
	CookiePath string
	// SecureCookies marks the transaction cookies Secure; set it when the
	// app is served over https.
	SecureCookies bool
	// SpentStates remembers used states so that each callback is accepted
	// once. Nil means a store in this process's memory, bounded, that
	// forgets its oldest entries first; replicas need a shared one.
	SpentStates SpentStates

	// HTTPClient makes every call to the provider; nil means
	// NewHTTPClient(Timeout).
	HTTPClient *http.Client
	// Timeout bounds discovery, each key set fetch, the whole of Finish
	// (token, keys, userinfo together), the revocations of Logout and
	// the whole of VerifyLogoutToken, also when HTTPClient has no timeout
	// of its own, so a hanging provider gets an error page, not a hanging
	// browser. Zero means 10 seconds.
	Timeout time.Duration
	// JWKSRefetchEvery and JWKSRefetchBurst bound how often an unknown key
	// id can make the app fetch the provider's keys (default every 10s,
	// burst 3), so a flood of forged tokens cannot turn the app into a
	// load generator against the provider.
	JWKSRefetchEvery time.Duration
	JWKSRefetchBurst int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RelyingParty performs logins against one provider. It is safe for
// concurrent use. It holds no per-login state: that lives in each
// browser's transaction cookie, and the used states in SpentStates.
type RelyingParty struct {
	cfg      Config
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	// logoutVerifier checks back-channel logout tokens with the same key
	// set (and so the same refetch limit) as id_tokens.
	logoutVerifier *oidc.IDTokenVerifier
	// keySet is shared with AccessTokenVerifier, so a resource server in
	// this process uses the same cached keys and refetch limit.
	keySet  oidc.KeySet
	oauth2  oauth2.Config
	meta    providerMetadata
	client  *http.Client
	now     func() time.Time
	cookies *txCookies
	spent   SpentStates
	// algs is the signature allow-list; jwksURL and jwks the key set's
	// address and what its fetches showed, for the Report.
	algs    []string
	jwksURL string
	jwks    *jwksWatch
}

// providerMetadata holds discovery fields that go-oidc does not expose.
type providerMetadata struct {
	Issuer                 string   `json:"issuer"`
	EndSessionEndpoint     string   `json:"end_session_endpoint"`
	RevocationEndpoint     string   `json:"revocation_endpoint"`
	IssParameterSupported  bool     `json:"authorization_response_iss_parameter_supported"`
	CodeChallengeMethods   []string `json:"code_challenge_methods_supported"`
	IDTokenSigningAlgs     []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMeths []string `json:"token_endpoint_auth_methods_supported"`
}

// New checks cfg, fetches the provider's discovery document and returns
// a RelyingParty ready for logins.
func New(ctx context.Context, cfg Config) (*RelyingParty, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("auth: Issuer, ClientID and RedirectURL are required")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = defaultScopes()
	}
	algs, err := allowedAlgs(cfg.SigningAlgs)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = NewHTTPClient(cfg.Timeout)
	}
	cfg.HTTPClient = boundedClient(cfg.HTTPClient)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.JWKSRefetchEvery <= 0 {
		cfg.JWKSRefetchEvery = 10 * time.Second
	}
	if cfg.JWKSRefetchBurst <= 0 {
		cfg.JWKSRefetchBurst = 3
	}
	cookies, err := newCookiesFor(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.SpentStates == nil {
		cfg.SpentStates = newMemorySpent(defaultMaxSpent, cfg.Now)
	}

	dctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	provider, err := oidc.NewProvider(oidc.ClientContext(dctx, cfg.HTTPClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: discovery at %s failed: %w", discoveryURL(cfg.Issuer), err)
	}
	var meta providerMetadata
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("auth: reading discovery document: %w", err)
	}

	// The key set gets its own client whose transport limits how often the
	// JWKS may be fetched. go-oidc's RemoteKeySet caches keys and refetches
	// on an unknown kid (OIDC Core 10.1.1); the limiter bounds that refetch.
	var jwksURL struct {
		URL string `json:"jwks_uri"`
	}
	if err := provider.Claims(&jwksURL); err != nil || jwksURL.URL == "" {
		return nil, errors.New("auth: discovery document has no jwks_uri")
	}
	// The watch sits behind the limiter, so it sees only real fetches.
	jwks := &jwksWatch{next: transportOrDefault(cfg.HTTPClient.Transport)}
	jwksClient := &http.Client{
		// go-oidc fetches keys in the background with a context that is
		// never cancelled, so only a client timeout ends a hung fetch.
		Timeout:   shorter(cfg.HTTPClient.Timeout, cfg.Timeout),
		Transport: newRateLimitedTransport(jwks, cfg.JWKSRefetchEvery, cfg.JWKSRefetchBurst),
	}
	keySet := oidc.NewRemoteKeySet(oidc.ClientContext(context.WithoutCancel(ctx), jwksClient), jwksURL.URL)

	endpoint := provider.Endpoint()
	// client_secret_basic (RFC 6749 2.3.1), as Okta's Web apps expect by
	// default; never guess, because a failed guess sends the secret twice.
	endpoint.AuthStyle = oauth2.AuthStyleInHeader

	verifierConfig := &oidc.Config{
		ClientID:             cfg.ClientID,
		SupportedSigningAlgs: algs,
		// go-oidc checks exp with no leeway; checkClaims (and
		// checkLogoutClaims) apply exp, nbf and iat with the configured
		// leeway instead.
		SkipExpiryCheck: true,
		Now:             cfg.Now,
	}
	rp := &RelyingParty{
		cfg:            cfg,
		provider:       provider,
		keySet:         keySet,
		verifier:       oidc.NewVerifier(cfg.Issuer, keySet, verifierConfig),
		logoutVerifier: oidc.NewVerifier(cfg.Issuer, keySet, verifierConfig),
		oauth2: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     endpoint,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       cfg.Scopes,
		},
		meta:    meta,
		client:  cfg.HTTPClient,
		now:     cfg.Now,
		cookies: cookies,
		spent:   cfg.SpentStates,
		algs:    algs,
		jwksURL: jwksURL.URL,
		jwks:    jwks,
	}
	return rp, nil
}

// newCookiesFor makes the transaction cookie store that cfg describes. A
// path that does not cover the callback would make every login fail, so
// it is refused here rather than at the first callback.
func newCookiesFor(cfg Config) (*txCookies, error) {
	redirect, err := url.Parse(cfg.RedirectURL)
	if err != nil || redirect.Path == "" {
		return nil, fmt.Errorf("auth: RedirectURL %q is not an absolute URL with a path", cfg.RedirectURL)
	}
	path := cfg.CookiePath
	if path == "" {
		path = redirect.Path[:strings.LastIndex(redirect.Path, "/")+1]
	}
	if !strings.HasPrefix(path, "/") || !pathMatch(redirect.Path, path) {
		return nil, fmt.Errorf("auth: CookiePath %q does not cover the callback path %q, so the callback would never see the transaction cookies", path, redirect.Path)
	}
	keys := cfg.CookieKeys
	if len(keys) == 0 {
		key := make([]byte, 32)
		// crypto/rand.Read never returns an error since Go 1.24.
		_, _ = rand.Read(key)
		keys = [][]byte{key}
	}
	return newTxCookies(keys, path, cfg.SecureCookies, cfg.Now)
}

// pathMatch reports whether a cookie with path cookiePath is sent to
// requests for reqPath (RFC 6265 5.1.4).
func pathMatch(reqPath, cookiePath string) bool {
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return len(reqPath) == len(cookiePath) || strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
}

// shorter returns the shorter of two timeouts, where zero means none.
func shorter(a, b time.Duration) time.Duration {
	if a <= 0 || (b > 0 && b < a) {
		return b
	}
	return a
}

// allowedAlgs returns the signature allow-list. HMAC would let anyone who
// knows the client secret (or the public key, in the classic confusion
// attack) mint tokens, and "none" is no signature at all.
func allowedAlgs(requested []string) ([]string, error) {
	if len(requested) == 0 {
		return []string{oidc.RS256}, nil
	}
	for _, a := range requested {
		switch a {
		case oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA:
		default:
			return nil, fmt.Errorf("auth: signing algorithm %q is not allowed; use asymmetric algorithms such as RS256", a)
		}
	}
	return requested, nil
}

func discoveryURL(issuer string) string {
	return issuer + "/.well-known/openid-configuration"
}

// AccessTokenVerifier returns a go-oidc verifier for JWT access tokens
// that this provider issues for audience, such as Okta's api://default. It
// checks what the id_token verifier checks, with the same key set (its
// cache and its refetch limit are shared with the logins) and the same
// Config.SigningAlgs: the alg allow-list, the signature with the key for
// the token's kid, iss, and that aud holds audience.
//
// Like the id_token verifier it skips go-oidc's expiry check, which has no
// leeway: the caller checks exp, iat and nbf with its own leeway, and the
// claims that make the token fit for its API, such as the client (Okta's
// cid) and the scopes (scp), as RFC 9068 section 4 asks of a resource
// server.
func (rp *RelyingParty) AccessTokenVerifier(audience string) *oidc.IDTokenVerifier {
	return oidc.NewVerifier(rp.cfg.Issuer, rp.keySet, &oidc.Config{
		ClientID:             audience,
		SupportedSigningAlgs: slices.Clone(rp.algs),
		SkipExpiryCheck:      true,
		Now:                  rp.now,
	})
}

// AuthorizationEndpoint is where logins start, from discovery.
func (rp *RelyingParty) AuthorizationEndpoint() string { return rp.provider.Endpoint().AuthURL }

// endSessionURL returns the provider's logout URL (OpenID Connect
// RP-Initiated Logout 1.0, section 2), or "" when discovery lists no
// end_session_endpoint.
func (rp *RelyingParty) endSessionURL(idTokenHint, postLogoutRedirectURI, state string) string {
	if rp.meta.EndSessionEndpoint == "" {
		return ""
	}
	u, err := url.Parse(rp.meta.EndSessionEndpoint)
	if err != nil {
		return ""
	}
	q := u.Query()
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	q.Set("post_logout_redirect_uri", postLogoutRedirectURI)
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String()
}
