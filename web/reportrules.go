package web

// What the login report says about each check auth makes: a name, the
// rule in a sentence, the specification that asks for it, and the source
// file (and function) that does it. TestReportRulesNameRealCode checks
// that each function is in its file.

// spec is a section of a specification, with its address.
type spec struct{ Name, URL string }

// Specifications the report cites.
var (
	specOIDCValidation = spec{"OIDC Core 3.1.3.7", "https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation"}
	specOIDCAtHash     = spec{"OIDC Core 3.1.3.8", "https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowTokenValidation"}
	specOIDCTokenResp  = spec{"OIDC Core 3.1.3.3", "https://openid.net/specs/openid-connect-core-1_0.html#TokenResponse"}
	specOIDCAuthReq    = spec{"OIDC Core 3.1.2.1", "https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest"}
	specOIDCSub        = spec{"OIDC Core 2", "https://openid.net/specs/openid-connect-core-1_0.html#IDToken"}
	specOIDCRotate     = spec{"OIDC Core 10.1.1", "https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys"}
	specOIDCUserInfo   = spec{"OIDC Core 5.3.2", "https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse"}
	specRFC9700CSRF    = spec{"RFC 9700 4.7", "https://www.rfc-editor.org/rfc/rfc9700#section-4.7"}
	specRFC9700Inject  = spec{"RFC 9700 4.5", "https://www.rfc-editor.org/rfc/rfc9700#section-4.5"}
	specRFC9700PKCE    = spec{"RFC 9700 2.1.1", "https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1"}
	specRFC9207        = spec{"RFC 9207 2.4", "https://www.rfc-editor.org/rfc/rfc9207#section-2.4"}
	specRFC6749Error   = spec{"RFC 6749 4.1.2.1", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1"}
	specRFC6749Code    = spec{"RFC 6749 4.1.2", "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2"}
	specRFC6749Token   = spec{"RFC 6749 5.1", "https://www.rfc-editor.org/rfc/rfc6749#section-5.1"}
	specRFC6749Type    = spec{"RFC 6749 7.1", "https://www.rfc-editor.org/rfc/rfc6749#section-7.1"}
	specRFC6749Basic   = spec{"RFC 6749 2.3.1", "https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1"}
	specRFC7636        = spec{"RFC 7636 4.5", "https://www.rfc-editor.org/rfc/rfc7636#section-4.5"}
	specRFC7519NBF     = spec{"RFC 7519 4.1.5", "https://www.rfc-editor.org/rfc/rfc7519#section-4.1.5"}
	specRFC7519        = spec{"RFC 7519 7.2", "https://www.rfc-editor.org/rfc/rfc7519#section-7.2"}
	specOWASPSession   = spec{"OWASP Session Management", "https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#renew-the-session-id-after-any-privilege-level-change"}
)

// sourceRef names the file of the repository and the function in it.
type sourceRef struct{ File, Func string }

func (s sourceRef) String() string { return s.File + " " + s.Func }

// ruleInfo is what the report says about one check.
type ruleInfo struct {
	// Title names the check; Rule says what it asks, in a sentence.
	Title, Rule string
	Specs       []spec
	Source      sourceRef
}

// reportRuleOrder lists the checks of each step in the order auth makes
// them, so the report can show the ones a failure left unchecked.
var reportRuleOrder = map[string][]string{
	stepCallback: {"state", "iss", "error", "code"},
	stepToken:    {"response", "token_type", "access_token", "id_token"},
	stepIDToken:  {"format", "alg", "signature", "iss", "aud", "azp", "exp", "iat", "nbf", "sub", "nonce", "at_hash"},
	stepUserInfo: {"sub"},
}

// reportRules describes each check, by step and rule.
var reportRules = map[string]ruleInfo{
	"callback/state": {"state", "The state comes back unchanged, matches a login started in this browser, and is used once.",
		[]spec{specRFC9700CSRF}, sourceRef{"auth/callback.go", "takeTransaction"}},
	"callback/iss": {"iss (RFC 9207)", "The response names this provider as its issuer, so it cannot come from another one (mix-up).",
		[]spec{specRFC9207}, sourceRef{"auth/callback.go", "checkCallback"}},
	"callback/error": {"error", "The provider sent no error instead of a code.",
		[]spec{specRFC6749Error}, sourceRef{"auth/callback.go", "checkCallback"}},
	"callback/code": {"code", "A code (or the widget's interaction_code) is present. Its value is never shown.",
		[]spec{specRFC6749Code}, sourceRef{"auth/callback.go", "checkCallback"}},
	"token/response": {"status", "The token endpoint answers 200 with a token response.",
		[]spec{specRFC6749Token}, sourceRef{"auth/callback.go", "redeem"}},
	"token/token_type": {"token_type", "The access token is a Bearer token, the only kind the app knows how to use.",
		[]spec{specRFC6749Type}, sourceRef{"auth/callback.go", "redeem"}},
	"token/access_token": {"access_token", "An access token is present (its value is never shown).",
		[]spec{specRFC6749Token}, sourceRef{"auth/callback.go", "redeem"}},
	"token/id_token": {"id_token", "An ID token is present: this is OpenID Connect, not plain OAuth.",
		[]spec{specOIDCTokenResp}, sourceRef{"auth/callback.go", "finish"}},
	"id_token/format": {"format", "The ID token is a signed JWT whose claims are JSON.",
		[]spec{specRFC7519}, sourceRef{"auth/idtoken.go", "verifyIDToken"}},
	"id_token/alg": {"alg", "The signature algorithm is on the allow-list (RS256); none and HMAC are always refused.",
		[]spec{specOIDCValidation}, sourceRef{"auth/idtoken.go", "verifyIDToken"}},
	"id_token/signature": {"signature", "The signature verifies with the provider's published key for the token's kid.",
		[]spec{specOIDCValidation, specOIDCRotate}, sourceRef{"auth/idtoken.go", "verifyIDToken"}},
	"id_token/iss": {"iss", "The issuer is exactly the configured one.",
		[]spec{specOIDCValidation}, sourceRef{"auth/idtoken.go", "verifyIDToken"}},
	"id_token/aud": {"aud", "The audience contains this app's client id.",
		[]spec{specOIDCValidation}, sourceRef{"auth/idtoken.go", "verifyIDToken"}},
	"id_token/azp": {"azp", "With several audiences azp must be present, and when present it is this client.",
		[]spec{specOIDCValidation}, sourceRef{"auth/idtoken.go", "checkClaims"}},
	"id_token/exp": {"exp", "The token has not expired, allowing the clock leeway.",
		[]spec{specOIDCValidation}, sourceRef{"auth/idtoken.go", "checkClaims"}},
	"id_token/iat": {"iat", "The issue time is present and not in the future, allowing the clock leeway.",
		[]spec{specOIDCValidation}, sourceRef{"auth/idtoken.go", "checkClaims"}},
	"id_token/nbf": {"nbf", "When present, the not-before time has passed, allowing the clock leeway.",
		[]spec{specRFC7519NBF}, sourceRef{"auth/idtoken.go", "checkClaims"}},
	"id_token/sub": {"sub", "A subject identifies the user.",
		[]spec{specOIDCSub}, sourceRef{"auth/idtoken.go", "checkClaims"}},
	"id_token/nonce": {"nonce", "The nonce matches the one this browser's login sent, which binds the token to it (against code injection).",
		[]spec{specOIDCValidation, specRFC9700Inject}, sourceRef{"auth/idtoken.go", "checkClaims"}},
	"id_token/at_hash": {"at_hash", "When present, it is the hash of the access token received with the ID token.",
		[]spec{specOIDCAtHash}, sourceRef{"auth/idtoken.go", "checkClaims"}},
	"userinfo/sub": {"sub", "Userinfo is about the same user as the ID token.",
		[]spec{specOIDCUserInfo}, sourceRef{"auth/callback.go", "userInfo"}},
}

// Step names, as auth.Error.Step and auth.ReportCheck.Step give them.
const (
	stepCallback = "callback"
	stepToken    = "token"
	stepIDToken  = "id_token"
	stepUserInfo = "userinfo"
)

// Sources of the steps that are not one check.
var (
	sourceBegin    = sourceRef{"auth/transaction.go", "Begin"}
	sourceExchange = sourceRef{"auth/callback.go", "exchange"}
	sourceKeys     = sourceRef{"auth/idtoken.go", "verifyIDToken"}
	sourceSession  = sourceRef{"session/session.go", "SignIn"}
)
