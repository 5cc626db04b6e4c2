package auth

import (
	"errors"
	"fmt"
)

// Every error of the package is here: the three sentinels a caller tells
// apart with errors.Is, the one error type it reads with errors.As, and
// the unexported errors that only travel inside them.

// ErrUnknownTransaction means the callback's state matches no pending
// login in this browser: a forged or cross-browser callback (login CSRF,
// RFC 9700 4.7), a replay, a login older than 10 minutes, or a
// transaction cookie sealed with a key that is no longer configured. No
// token request was made. It is the user's (or an attacker's) doing: a
// 4xx, never a 5xx.
var ErrUnknownTransaction = errors.New("auth: no pending login for this state in this browser")

// ErrStoreUnavailable means Config.SpentStates failed (for example Redis
// is down), so Finish could not make sure the callback is used once, or
// VerifyLogoutToken that the logout token is new. The login was refused
// before any token request: answer 503 and let the user try again. The
// logout token was not used: answer 503, and the provider may retry.
var ErrStoreUnavailable = errors.New("auth: the spent-state store is unavailable")

// ErrNotReady is returned by Connector.RelyingParty until discovery has
// succeeded; it wraps the last discovery error.
var ErrNotReady = errors.New("auth: provider not reachable yet")

// Error is why Finish refused a login whose transaction it found, why
// Refresh refused a refresh, or why VerifyLogoutToken refused a logout
// token. Step says where the login stopped and Check which rule failed:
//
//	Step        Check       what failed
//	"callback"  "iss"       RFC 9207: iss is wrong, or missing although
//	                        discovery advertises it (Got is then "")
//	            "error"     the provider sent error= instead of a code
//	                        (RFC 6749 4.1.2.1); see Code and Description
//	            "code"      neither a code nor an error
//	"token"     "error"     the token endpoint refused the code
//	                        (RFC 6749 5.2), e.g. Code "invalid_grant"
//	            "response"  no usable token response: a transport error, a
//	                        timeout, not JSON, too large, no id_token, a
//	                        token_type other than Bearer
//	"id_token"  the rule of OIDC Core 3.1.3.7: "alg", "signature",
//	            "format", "iss", "aud", "azp", "exp", "iat", "nbf", "sub",
//	            "nonce" or "at_hash"
//	"userinfo"  "sub"       userinfo is about another user (OIDC Core 5.3.2)
//	"logout_token"          Back-Channel Logout 1.0, 2.6: "alg",
//	            "signature", "format", "iss", "aud", "iat", "exp",
//	            "events", "nonce" (present), "sub" (neither sub nor sid),
//	            "jti" (missing, or already received: a replay)
//	"refresh"   "error"     the token endpoint refused the refresh token
//	                        (Refresh): Code "invalid_grant" means it is
//	                        expired, revoked or already used
//	            "response"  no usable token response, as for "token"
//
// A refreshed id_token that fails is Step "id_token", as at login, with
// Check "sub" when it is about another user.
//
// Nothing in an Error is a secret: never the code, a token or the client
// secret. Description, Got and Want come from the provider or the
// callback's query, so escape them before showing them.
type Error struct {
	Step, Check string
	// Code and Description are the OAuth error the provider sent (error
	// and error_description), on the callback or from the token endpoint.
	Code, Description string
	// Got and Want are the values compared, when the check compares two:
	// the issuers for "iss" on the callback, the subjects for userinfo.
	Got, Want string
	// Err is the detail, for the log.
	Err error
	// Report is the login up to the step that failed, the failed check
	// last; nil when Finish did not make the error.
	Report *Report
}

// maxDescription bounds the provider's error_description in Error's text.
const maxDescription = 256

// Error says what failed, with the provider's error_description when it
// sent one: escaped, and cut at 256 bytes.
func (e *Error) Error() string {
	var msg string
	switch {
	case e.Step == "id_token":
		msg = fmt.Sprintf("auth: id_token failed the %s check: %v", e.Check, e.Err)
	case e.Step == "logout_token":
		msg = fmt.Sprintf("auth: logout token failed the %s check: %v", e.Check, e.Err)
	case e.Step == "callback" && e.Check == "error":
		msg = fmt.Sprintf("auth: provider returned error %q", e.Code)
	case e.Step == "token" && e.Check == "error":
		msg = fmt.Sprintf("auth: token request refused with %q: %v", e.Code, e.Err)
	case e.Step == "token":
		msg = fmt.Sprintf("auth: token request failed: %v", e.Err)
	case e.Step == "refresh" && e.Check == "error":
		msg = fmt.Sprintf("auth: refresh refused with %q: %v", e.Code, e.Err)
	case e.Step == "refresh":
		msg = fmt.Sprintf("auth: refresh failed: %v", e.Err)
	default:
		msg = fmt.Sprintf("auth: %v", e.Err)
	}
	if d := e.Description; d != "" {
		if len(d) > maxDescription {
			d = d[:maxDescription] + "…"
		}
		// %q escapes whatever the provider or the query put there.
		msg += fmt.Sprintf(" (error_description %q)", d)
	}
	return msg
}

// Unwrap returns the detail, Err.
func (e *Error) Unwrap() error { return e.Err }

// errBadCookie is any transaction cookie that does not open: tampered,
// truncated, sealed with a key no longer configured, or under another
// name. It is wrapped in ErrUnknownTransaction.
var errBadCookie = errors.New("the transaction cookie does not open")

// errResponseTooLarge is returned when a provider response exceeds
// maxResponseBytes.
var errResponseTooLarge = fmt.Errorf("auth: provider response larger than %d bytes", maxResponseBytes)

// errJWKSRateLimited is returned instead of fetching the key set again too soon.
var errJWKSRateLimited = errors.New("auth: key set refetched too often; refusing to fetch it again yet")
