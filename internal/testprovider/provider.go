// Package testprovider is an adversarial OpenID provider for tests.
//
// It speaks Okta's dialect (discovery with
// authorization_response_iss_parameter_supported, /v1/authorize,
// /v1/token (codes, and refresh tokens with rotation for offline_access),
// /v1/keys, /v1/userinfo, /v1/logout, /v1/revoke) from an
// httptest server, signs back-channel logout tokens on request, and each
// test can tell it to misbehave: forge or mangle id_tokens and logout
// tokens, rotate keys, break the JWKS, token, userinfo and revocation
// endpoints, or answer the authorization request the way an attacker or a
// mix-up would. It counts
// every request so tests can prove what the relying party did not do (no
// token request after a forged callback, no userinfo call after a rejected
// id_token, nothing fetched from a jku or x5u header).
//
// It is written independently of package auth and shares no code with it:
// JWTs are assembled and signed by hand here, so a bug in the app's token
// handling cannot hide behind the same bug in the provider.
//
// Its RSA keys are test keys made in advance (internal/testkeys), so that
// starting one costs no key generation: every Provider starts with the
// same key material under a fresh kid, and within one Provider no key
// (signing, forger's, rotated or extra) is used twice.
//
// Authorization is approved at once for a fixed user (no login form); a
// login_hint parameter picks another subject, which lets a test play an
// attacker who signs in as someone else.
package testprovider

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

// IssuerPath is the path of the issuer on the provider's origin, as for an
// Okta custom authorization server.
const IssuerPath = "/oauth2/default"

// Config says who the provider knows. Only RedirectURI is required.
type Config struct {
	// ClientID and ClientSecret are the one registered client. Empty means
	// a fixed client id and a random secret (random, so tests can search
	// logs for it without false positives).
	ClientID     string
	ClientSecret string
	// RedirectURI is the client's registered redirect URI, matched exactly.
	RedirectURI string
	// Subject is the user authorize approves when the request carries no
	// login_hint. Empty means DefaultSubject.
	Subject string
	// Now is the provider's clock for iat, exp and auth_time; nil means
	// time.Now.
	Now func() time.Time
	// NoIssParameter makes the provider behave like one without RFC 9207:
	// discovery does not advertise authorization_response_iss_parameter_supported
	// and authorize sends no iss parameter.
	NoIssParameter bool
	// NoRevocationEndpoint leaves revocation_endpoint out of discovery,
	// as at a provider without RFC 7009 (Dex); /v1/revoke still answers.
	NoRevocationEndpoint bool
	// Engine makes the provider's origin an Okta org of that pipeline
	// ("idx" for Identity Engine, "v1" for Classic): it serves
	// /.well-known/okta-organization, answers POST /api/v1/authn with an
	// Okta error object, and answers the Sign-In Widget's CORS preflights
	// (/api/v1/authn, and {issuer}/v1/interact for "idx") for
	// TrustedOrigins. Empty: none of these exist, as at a provider that is
	// not Okta.
	Engine string
	// TrustedOrigins are the origins the Okta org's CORS policy trusts,
	// like Okta's Trusted Origins. Only with Engine.
	TrustedOrigins []string
}

// Defaults for Config.
const (
	DefaultClientID = "0oa-testprovider-client"
	DefaultSubject  = "00u-test-user-0001"
)

// Provider is a running adversarial provider. Create it with New; it is
// closed when the test ends. All methods are safe for concurrent use.
type Provider struct {
	cfg      Config
	srv      *httptest.Server
	attacker *httptest.Server
	issuer   string
	closing  chan struct{}
	stop     sync.Once
	// keys hands out the signing, forger's and rotated keys: RSA-2048
	// test keys made in advance, all distinct.
	keys testkeys.Source

	mu          sync.Mutex
	mis         Misbehaviour
	signing     *rsaKey   // signs id_tokens
	published   []*rsaKey // served at /v1/keys
	other       *rsaKey   // never published: the forger's key
	codes       map[string]grant
	accessToken map[string]string // access token -> subject
	refresh     map[string]grant  // live refresh token -> its grant
	issued      []string          // codes, access tokens and id_tokens handed out
	authorizes  []url.Values
	tokens      []TokenRequest
	userinfos   []UserInfoRequest
	revokes     []RevokeRequest

	jwksFetches  atomic.Int64
	attackerHits atomic.Int64
	logouts      atomic.Int64
}

// grant is what an authorization code stands for.
type grant struct {
	clientID      string
	redirectURI   string
	subject       string
	nonce         string
	scope         string
	codeChallenge string // "" when the code was minted without PKCE
	method        string
	authTime      time.Time
}

// TokenRequest is what the relying party sent to /v1/token.
type TokenRequest struct {
	// ClientAuth is "client_secret_basic", "client_secret_post" or "none".
	ClientAuth   string
	ClientID     string
	SecretOK     bool
	GrantType    string
	Code         string
	RefreshToken string
	RedirectURI  string
	CodeVerifier string
}

// UserInfoRequest is what the relying party sent to /v1/userinfo.
type UserInfoRequest struct {
	// Authorization is the Authorization header as sent.
	Authorization string
	// BearerValid reports whether it was "Bearer <an access token this
	// provider issued>".
	BearerValid bool
	// TokenInQuery reports whether an access_token appeared in the URL,
	// where it would leak into logs (RFC 6750 5.3).
	TokenInQuery bool
}

// New starts a provider, and a second "attacker" server that jku and x5u
// headers can point at, and closes both when t ends.
func New(t testing.TB, cfg Config) *Provider {
	t.Helper()
	if cfg.RedirectURI == "" {
		t.Fatal("testprovider: Config.RedirectURI is required")
	}
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = "tp-secret-" + rand.Text()
	}
	if cfg.Subject == "" {
		cfg.Subject = DefaultSubject
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &Provider{
		cfg:         cfg,
		closing:     make(chan struct{}),
		codes:       make(map[string]grant),
		accessToken: make(map[string]string),
		refresh:     make(map[string]grant),
	}
	signing, err := p.newRSAKey()
	if err != nil {
		t.Fatalf("testprovider: %v", err)
	}
	other, err := p.newRSAKey()
	if err != nil {
		t.Fatalf("testprovider: %v", err)
	}
	p.signing, p.published, p.other = signing, []*rsaKey{signing}, other
	p.srv = httptest.NewServer(p.routes())
	p.issuer = p.srv.URL + IssuerPath
	p.attacker = httptest.NewServer(p.attackerHandler())
	t.Cleanup(p.Close)
	return p
}

// Close releases every hanging handler and stops both servers. It is
// called automatically when the test ends.
func (p *Provider) Close() {
	p.stop.Do(func() {
		close(p.closing)
		p.srv.Close()
		p.attacker.Close()
	})
}

// Issuer is the provider's issuer identifier.
func (p *Provider) Issuer() string { return p.issuer }

// URL is the provider's origin.
func (p *Provider) URL() string { return p.srv.URL }

// ClientID is the registered client's id.
func (p *Provider) ClientID() string { return p.cfg.ClientID }

// ClientSecret is the registered client's secret.
func (p *Provider) ClientSecret() string { return p.cfg.ClientSecret }

// AttackerURL is the origin of the attacker's server. It serves a key set
// with the forger's key at /jwks.json and counts every request it gets.
func (p *Provider) AttackerURL() string { return p.attacker.URL }

// Misbehave replaces the provider's misbehaviour; the zero Misbehaviour
// makes it a correct provider again. Keys and counters are kept.
func (p *Provider) Misbehave(m Misbehaviour) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mis = m
}

func (p *Provider) misbehaviour() Misbehaviour {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mis
}

// JWKSFetches counts requests to /v1/keys.
func (p *Provider) JWKSFetches() int { return int(p.jwksFetches.Load()) }

// AttackerHits counts requests to the attacker's server, for example to a
// jku or x5u URL taken from a token header. It should stay zero.
func (p *Provider) AttackerHits() int { return int(p.attackerHits.Load()) }

// LogoutRequests counts requests to /v1/logout.
func (p *Provider) LogoutRequests() int { return int(p.logouts.Load()) }

// AuthorizeRequests returns a copy of the query of every authorization
// request received.
func (p *Provider) AuthorizeRequests() []url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]url.Values, len(p.authorizes))
	for i, q := range p.authorizes {
		out[i] = cloneValues(q)
	}
	return out
}

// TokenRequests returns every request made to /v1/token.
func (p *Provider) TokenRequests() []TokenRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.tokens)
}

// UserInfoRequests returns every request made to /v1/userinfo.
func (p *Provider) UserInfoRequests() []UserInfoRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.userinfos)
}

// Issued returns every secret the provider has handed out: codes, access
// tokens, refresh tokens and id_tokens. Tests check that none of them reaches a log.
func (p *Provider) Issued() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.issued)
}

// RotateKeys makes a new signing key and publishes it alone: the old key
// disappears from /v1/keys, as after a provider's key rollover.
func (p *Provider) RotateKeys(t testing.TB) {
	t.Helper()
	k, err := p.newRSAKey()
	if err != nil {
		t.Fatalf("testprovider: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signing = k
	p.published = []*rsaKey{k}
}

// PublishExtraKey publishes one more key that never signs anything, so
// the key set holds several keys.
func (p *Provider) PublishExtraKey(t testing.TB) {
	t.Helper()
	k, err := p.newRSAKey()
	if err != nil {
		t.Fatalf("testprovider: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published = append(p.published, k)
}

// PublishedKID is the kid of the key that signs id_tokens.
func (p *Provider) PublishedKID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.signing.kid
}

// OtherJWK is the public JWK of the forger's key, which the provider never
// publishes: embed it in a token header to try a "jwk" header attack.
func (p *Provider) OtherJWK() map[string]any {
	return p.other.publicJWK()
}

// routes lists the provider's endpoints, all under the issuer.
func (p *Provider) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+IssuerPath+"/.well-known/openid-configuration", p.handleDiscovery)
	mux.HandleFunc("GET "+IssuerPath+"/v1/authorize", p.handleAuthorize)
	mux.HandleFunc("POST "+IssuerPath+"/v1/token", p.handleToken)
	mux.HandleFunc("GET "+IssuerPath+"/v1/keys", p.handleKeys)
	mux.HandleFunc(IssuerPath+"/v1/userinfo", p.handleUserInfo)
	mux.HandleFunc("GET "+IssuerPath+"/v1/logout", p.handleLogout)
	mux.HandleFunc("POST "+IssuerPath+"/v1/revoke", p.handleRevoke)
	if p.cfg.Engine != "" {
		mux.HandleFunc("GET /.well-known/okta-organization", p.handleOrganization)
		mux.HandleFunc("POST /api/v1/authn", p.handleAuthn)
		mux.HandleFunc("OPTIONS /api/v1/authn", p.handlePreflight)
		if p.cfg.Engine == "idx" {
			mux.HandleFunc("OPTIONS "+IssuerPath+"/v1/interact", p.handlePreflight)
		}
	}
	return p.dated(mux)
}

// now is the provider's clock: Config.Now, moved by
// Misbehaviour.ClockSkew.
func (p *Provider) now() time.Time {
	return p.cfg.Now().Add(p.misbehaviour().ClockSkew)
}

// dated sets the Date header of every answer from the provider's clock
// (RFC 9110 6.6.1), so a skewed clock shows there as it does at a real
// provider.
func (p *Provider) dated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", p.now().UTC().Format(http.TimeFormat))
		h.ServeHTTP(w, r)
	})
}

// hang blocks until the client gives up or the provider closes.
func (p *Provider) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-p.closing:
	}
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}
