// Package devprovider is an embedded OpenID Connect provider that speaks
// Okta's dialect, for development and tests.
//
// It lets the sample application run with no Okta account: mount a Provider
// on its own origin (for example http://127.0.0.1:8081) and point the
// application at the issuer http://127.0.0.1:8081/oauth2/default. It is the
// other side of the protocol and deliberately shares no code with the
// application's own auth package, so a bug on one side cannot hide the same
// bug on the other.
//
// What it implements, one file per concern:
//
//   - discovery.go: OpenID Connect Discovery 1.0 §4 and RFC 8414 metadata.
//   - authorize.go: the authorization endpoint (RFC 6749 §4.1.1, OIDC Core
//     3.1.2) with PKCE (RFC 7636) and the iss response parameter (RFC 9207).
//   - login.go: the hosted sign-in page that authorize shows without a session.
//   - session.go: the provider's single sign-on session cookie.
//   - token.go: the token endpoint (RFC 6749 §4.1.3, §5) and client
//     authentication (RFC 6749 §2.3.1).
//   - idtoken.go: ID Token minting (OIDC Core 2, 3.1.3.6).
//   - keys.go: the signing keys and the JWKS endpoint (RFC 7517), with rotation.
//   - userinfo.go: the UserInfo endpoint (OIDC Core 5.3, RFC 6750).
//   - logout.go: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).
//   - authn.go and cors.go: Okta's classic Authentication API
//     (POST /api/v1/authn) used by the Okta Sign-In Widget, with CORS for
//     trusted origins.
//   - users.go and throttle.go: the user directory and the slow-down of
//     repeated failed sign-ins.
//
// It is not a production identity provider: all state lives in memory and
// ends with the process, users and clients are fixed at start-up, and only
// confidential clients using the authorization code flow are supported.
package devprovider
