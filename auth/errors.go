package auth

import (
	"errors"
	"fmt"
)

// ProviderError is an error the provider sent back to the callback instead
// of a code (RFC 6749 4.1.2.1), for example access_denied.
type ProviderError struct {
	Code        string // the error parameter
	Description string // error_description, as the provider wrote it
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("auth: provider returned error %q", e.Code)
}

// ErrMissingCode means the callback carried neither a code nor an error.
var ErrMissingCode = errors.New("auth: callback has no code")

// IssuerMismatchError means the iss parameter of the authorization
// response is wrong or missing while discovery promises it (RFC 9207 2.4):
// the response may come from another provider (a mix-up attack,
// RFC 9700 4.4).
type IssuerMismatchError struct {
	Got, Want string
	Missing   bool
}

func (e *IssuerMismatchError) Error() string {
	if e.Missing {
		return "auth: authorization response has no iss parameter, but the provider advertises it (RFC 9207)"
	}
	return fmt.Sprintf("auth: authorization response iss %q is not the issuer %q (RFC 9207)", e.Got, e.Want)
}

// ExchangeError means the token request failed: the provider refused the
// code (OAuthCode is then set, e.g. invalid_grant), did not answer in
// time, or answered with something that is not a token response.
type ExchangeError struct {
	OAuthCode string
	Err       error
}

func (e *ExchangeError) Error() string {
	if e.OAuthCode != "" {
		return fmt.Sprintf("auth: token request refused with %q: %v", e.OAuthCode, e.Err)
	}
	return fmt.Sprintf("auth: token request failed: %v", e.Err)
}

func (e *ExchangeError) Unwrap() error { return e.Err }

// TokenError means the id_token failed one of the checks of OIDC Core
// 3.1.3.7. Check names the rule, such as "nonce" or "signature".
type TokenError struct {
	Check string
	Err   error
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("auth: id_token failed the %s check: %v", e.Check, e.Err)
}

func (e *TokenError) Unwrap() error { return e.Err }

// UserInfoSubjectError means the userinfo response is about another user
// than the id_token (OIDC Core 5.3.2: its claims must not be used).
type UserInfoSubjectError struct {
	IDTokenSubject, UserInfoSubject string
}

func (e *UserInfoSubjectError) Error() string {
	return "auth: userinfo sub does not match the id_token sub"
}
