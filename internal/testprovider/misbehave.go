package testprovider

import "time"

// Misbehaviour says how the provider departs from the specifications.
// The zero value is a correct provider. Set it with Provider.Misbehave.
type Misbehaviour struct {
	// Claims edits the id_token's claims just before signing. Delete a key
	// to leave a claim out. Times are Unix seconds (int64).
	Claims func(claims map[string]any)
	// Header edits the JOSE header just before signing, after Signing has
	// chosen alg and kid.
	Header func(h *Header)
	// Signing chooses the key and algorithm that sign the id_token.
	Signing Signing
	// NewKeyBeforeSigning makes a fresh key at each token request, just
	// before signing: it is published next to the old one and signs the
	// id_token, so a relying party that cached the keys sees an unknown kid.
	NewKeyBeforeSigning bool

	// JWKS is how /v1/keys answers.
	JWKS JWKSBehaviour
	// Token is how /v1/token answers.
	Token TokenBehaviour
	// TokenError is the OAuth error code for TokenOAuthError; empty means
	// invalid_grant.
	TokenError string
	// TokenErrorDescription is the error_description for TokenOAuthError;
	// empty means "told to fail with" and the code.
	TokenErrorDescription string
	// TokenType, when set, replaces "Bearer" in the token response.
	TokenType string
	// UserInfo is how /v1/userinfo answers.
	UserInfo UserInfoBehaviour
	// Revoke is how /v1/revoke answers.
	Revoke RevokeBehaviour
	// Authorize is how /v1/authorize answers.
	Authorize AuthorizeBehaviour
	// IgnorePKCE makes authorize mint codes without the code_challenge,
	// and the token endpoint then accepts any code_verifier, or none: a
	// provider that does not implement PKCE.
	IgnorePKCE bool

	// DiscoveryIssuer, when set, is the issuer the discovery document
	// names instead of the provider's own: a misconfigured provider, or a
	// relying party configured with the wrong issuer.
	DiscoveryIssuer string
	// ClockSkew moves the provider's clock: ahead when positive, behind
	// when negative. It shows in the Date header of every answer and in
	// the times of every id_token (iat, exp, auth_time).
	ClockSkew time.Duration
	// NoCORS makes the Okta org's preflights (Config.Engine) refuse every
	// origin, trusted or not, as when the app's origin is missing from
	// Okta's Trusted Origins.
	NoCORS bool
}

// Signing chooses how the id_token is signed.
type Signing int

const (
	// SignPublished signs with the published key and its kid (RS256, or the
	// RSA algorithm the Header hook sets, such as RS512 or PS256).
	SignPublished Signing = iota
	// SignOtherKeySameKID signs with an unpublished key under the
	// published key's kid.
	SignOtherKeySameKID
	// SignOtherKey signs with an unpublished key under its own kid, which
	// the relying party has never seen.
	SignOtherKey
	// SignHS256ClientSecret MACs the token with HS256 keyed by the client
	// secret, which the relying party knows too.
	SignHS256ClientSecret
	// SignHS256PublicKey MACs the token with HS256 keyed by the PEM of the
	// published RSA public key: the classic algorithm-confusion attack on
	// verifiers that pass the "key" to whatever alg the header names.
	SignHS256PublicKey
	// SignNone sends alg "none" and an empty signature.
	SignNone
	// SignCorrupted signs correctly and then flips a bit of the signature.
	SignCorrupted
)

// JWKSBehaviour is how /v1/keys answers.
type JWKSBehaviour int

const (
	// JWKSOK serves the published keys.
	JWKSOK JWKSBehaviour = iota
	// JWKSDown answers 503.
	JWKSDown
	// JWKSSlow never answers: it hangs until the client gives up.
	JWKSSlow
	// JWKSGarbage answers 200 with a body that is not a key set.
	JWKSGarbage
)

// TokenBehaviour is how /v1/token answers.
type TokenBehaviour int

const (
	// TokenOK checks the request (client_secret_basic or _post, single-use
	// code, redirect_uri, PKCE) and answers with tokens.
	TokenOK TokenBehaviour = iota
	// TokenOAuthError answers 400 with OAuth error JSON (RFC 6749 5.2);
	// the code is Misbehaviour.TokenError.
	TokenOAuthError
	// TokenNotJSON answers 200 with an HTML page.
	TokenNotJSON
	// TokenHuge answers 200 with a 20 MB JSON-typed body.
	TokenHuge
	// TokenHang never answers: it hangs until the client gives up.
	TokenHang
	// TokenNoIDToken answers a valid response without an id_token.
	TokenNoIDToken
)

// HugeBodyBytes is the size of a TokenHuge body.
const HugeBodyBytes = 20 << 20

// UserInfoBehaviour is how /v1/userinfo answers.
type UserInfoBehaviour int

const (
	// UserInfoOK answers with the user's claims for a valid Bearer token.
	UserInfoOK UserInfoBehaviour = iota
	// UserInfoOtherSubject answers with another user's sub.
	UserInfoOtherSubject
	// UserInfoError answers 500.
	UserInfoError
	// UserInfoHang never answers: it hangs until the client gives up.
	UserInfoHang
)

// AuthorizeBehaviour is how /v1/authorize answers.
type AuthorizeBehaviour int

const (
	// AuthorizeOK approves at once and redirects with code, state and iss.
	AuthorizeOK AuthorizeBehaviour = iota
	// AuthorizeWrongIss sends another issuer in the iss parameter, as if
	// the response came from another provider (mix-up, RFC 9207).
	AuthorizeWrongIss
	// AuthorizeNoIss leaves out the iss parameter although discovery
	// advertises it.
	AuthorizeNoIss
	// AuthorizeAccessDenied redirects with error=access_denied.
	AuthorizeAccessDenied
	// AuthorizeRedirectURIError redirects with error=invalid_request and
	// RedirectURIErrorDescription, as a provider that reports a
	// redirect_uri it does not know for the client.
	AuthorizeRedirectURIError
)

// RedirectURIErrorDescription is the error_description that
// AuthorizeRedirectURIError sends: Okta's words for a redirect_uri that is
// not among the app's sign-in redirect URIs.
const RedirectURIErrorDescription = "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings"

// WrongIssuer is the iss that AuthorizeWrongIss sends.
const WrongIssuer = "https://evil.example/oauth2/default"

// Header is the JOSE header of an id_token. Empty fields are left out.
type Header struct {
	Alg string
	Kid string
	Typ string
	// JWK is an embedded public key (RFC 7515 4.1.3). A relying party must
	// not trust it.
	JWK map[string]any
	// JKU and X5U point at keys or certificates (RFC 7515 4.1.2, 4.1.5).
	// A relying party must not fetch them.
	JKU string
	X5U string
}
