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
//   - session.go: the provider's single sign-on sessions, each with a sid
//     and the clients it signed into.
//   - token.go: the token endpoint (RFC 6749 §4.1.3, §5); clientauth.go:
//     client authentication (RFC 6749 §2.3.1).
//   - idtoken.go: ID Token minting (OIDC Core 2, 3.1.3.6).
//   - accesstoken.go: JWT access tokens with Okta's claims (aud
//     api://default, cid, scp, uid), signed with the same keys.
//   - refresh.go: refresh tokens for offline_access (RFC 6749 §6), rotated
//     on each use; a reused one revokes its whole chain.
//   - keys.go: the signing keys and the JWKS endpoint (RFC 7517), with rotation.
//   - userinfo.go: the UserInfo endpoint (OIDC Core 5.3, RFC 6750).
//   - logout.go: RP-initiated logout (OpenID Connect RP-Initiated Logout
//     1.0), which ends the browser's session only for the id_token_hint's
//     own user and otherwise asks.
//   - backchannel.go and frontchannel.go: single logout. When a provider
//     session ends, every other client it signed into is told: a signed
//     logout token POSTed to its backchannel_logout_uri (OpenID Connect
//     Back-Channel Logout 1.0), and an iframe of its frontchannel_logout_uri
//     on the sign-out page (Front-Channel Logout 1.0, Okta's Single
//     Logout). clients.go has the clients' logout URIs and the demo clients.
//   - devsessions.go: the dev-only page that signs a user out everywhere.
//   - revoke.go: token revocation (RFC 7009) of access and refresh tokens.
//   - authn.go, authnmfa.go: Okta's classic Authentication API (POST
//     /api/v1/authn, MFA_REQUIRED and the factor's verify link) used by the
//     Okta Sign-In Widget in classic mode; cors.go: CORS for trusted
//     origins and public clients' origins.
//   - idx.go and idxwire.go: Okta Identity Engine's interaction code flow,
//     as the Sign-In Widget 7 runs it: /v1/interact, /idp/idx/introspect,
//     /idp/idx/identify, /idp/idx/challenge/answer and the interaction_code
//     grant at the token endpoint.
//   - org.go: /.well-known/okta-organization, which tells clients the
//     engine (Config.Engine): "idx" for Identity Engine, "v1" for Classic.
//   - totp.go and loginotp.go: a TOTP second factor (RFC 6238) on every
//     sign-in path, and the dev-only page that shows the demo codes.
//   - switchuser.go: the confirmation asked before a sessionToken replaces
//     another user's SSO session.
//   - users.go and throttle.go: the user directory and the lockout after
//     repeated failures, whose records of real accounts no flood can evict.
//   - store.go and clientkey.go: the bounded in-memory stores, where each
//     client address keeps its share.
//
// Clients are confidential (a secret, as the sample web app) or public (a
// single-page app: PKCE with S256, no secret, and CORS for its origin on
// the endpoints a browser app calls; see Client.Public and DemoSPAClient).
//
// It is not a production identity provider: all state lives in memory and
// ends with the process, users and clients are fixed at start-up, and only
// the authorization code, interaction code and refresh token grants are
// supported.
package devprovider
