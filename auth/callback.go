package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Callback is the provider's authorization response, as received on the
// redirect URI (RFC 6749 4.1.2, RFC 9207 2).
type Callback struct {
	State            string
	Code             string
	Error            string
	ErrorDescription string
	Issuer           string
	HasIssuer        bool
}

// ParseCallback reads the authorization response from the callback's query.
func ParseCallback(q url.Values) Callback {
	_, hasIss := q["iss"]
	return Callback{
		State:            q.Get("state"),
		Code:             q.Get("code"),
		Error:            q.Get("error"),
		ErrorDescription: q.Get("error_description"),
		Issuer:           q.Get("iss"),
		HasIssuer:        hasIss,
	}
}

// Identity is the result of a successful login.
type Identity struct {
	Subject string
	// IDTokenClaims are the verified id_token's claims.
	IDTokenClaims map[string]any
	// UserInfoClaims are the userinfo claims, nil when userinfo was not
	// available (UserInfoErr says why). Their sub matched the id_token's.
	UserInfoClaims map[string]any
	UserInfoErr    error
	// RawIDToken is kept server-side for logout's id_token_hint.
	RawIDToken string
	// Expiry is the id_token's exp.
	Expiry time.Time
}

// Finish completes the login tx with the provider's response cb. The
// order matters: everything that can be checked without the network is
// checked before the code is exchanged, and the id_token is fully
// validated before any other call is made with the access token. All the
// calls together take at most Config.Timeout; userinfo gets what is left.
func (rp *RelyingParty) Finish(ctx context.Context, tx *Transaction, cb Callback) (*Identity, error) {
	// RFC 9207: a wrong iss means the response may come from another
	// provider; a missing one is suspect when the provider says it sends it.
	if cb.HasIssuer && cb.Issuer != rp.cfg.Issuer {
		return nil, &IssuerMismatchError{Got: cb.Issuer, Want: rp.cfg.Issuer}
	}
	if !cb.HasIssuer && rp.meta.IssParameterSupported {
		return nil, &IssuerMismatchError{Want: rp.cfg.Issuer, Missing: true}
	}
	if cb.Error != "" {
		return nil, &ProviderError{Code: cb.Error, Description: cb.ErrorDescription}
	}
	if cb.Code == "" {
		return nil, ErrMissingCode
	}

	ctx, cancel := context.WithTimeout(ctx, rp.cfg.Timeout)
	defer cancel()
	tok, err := rp.exchange(ctx, tx, cb.Code)
	if err != nil {
		return nil, err
	}
	rawIDToken, _ := tok.Extra("id_token").(string)
	if rawIDToken == "" {
		return nil, &ExchangeError{Err: errors.New("token response has no id_token")}
	}
	idToken, claims, err := rp.verifyIDToken(ctx, rawIDToken, tx.Nonce, tok.AccessToken)
	if err != nil {
		return nil, err
	}

	id := &Identity{
		Subject:       idToken.Subject,
		IDTokenClaims: claims,
		RawIDToken:    rawIDToken,
		Expiry:        idToken.Expiry,
	}
	id.UserInfoClaims, id.UserInfoErr = rp.userInfo(ctx, tok, idToken.Subject)
	var mismatch *UserInfoSubjectError
	if errors.As(id.UserInfoErr, &mismatch) {
		// Another user's claims in this user's session would be worse
		// than no login: fail closed.
		return nil, id.UserInfoErr
	}
	return id, nil
}

// exchange redeems the code at the token endpoint with client_secret_basic
// and the PKCE verifier (RFC 7636 4.5).
func (rp *RelyingParty) exchange(ctx context.Context, tx *Transaction, code string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, rp.client)
	tok, err := rp.oauth2.Exchange(ctx, code, oauth2.VerifierOption(tx.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			// Never wrap re itself: its Body may echo request data.
			return nil, &ExchangeError{OAuthCode: re.ErrorCode, Err: fmt.Errorf("status %d", re.Response.StatusCode)}
		}
		return nil, &ExchangeError{Err: scrub(err)}
	}
	// RFC 6749 7.1: the app only knows how to use Bearer tokens.
	if !strings.EqualFold(tok.TokenType, "Bearer") {
		return nil, &ExchangeError{Err: fmt.Errorf("token_type %q is not Bearer", tok.TokenType)}
	}
	if tok.AccessToken == "" {
		return nil, &ExchangeError{Err: errors.New("token response has no access_token")}
	}
	return tok, nil
}

// scrub keeps the kind of a transport error but drops anything that could
// carry request data, such as a URL with a code in it.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("timed out waiting for the provider")
		}
		return fmt.Errorf("%s failed: %w", ue.Op, ue.Err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("timed out waiting for the provider")
	}
	return err
}

// userInfo calls the userinfo endpoint with the access token in the
// Authorization header (OIDC Core 5.3.1). Its sub must equal the
// id_token's (5.3.2). A provider without userinfo, or one that fails, is
// not fatal: the id_token already proved who the user is.
func (rp *RelyingParty) userInfo(ctx context.Context, tok *oauth2.Token, subject string) (map[string]any, error) {
	if rp.provider.UserInfoEndpoint() == "" {
		return nil, errors.New("provider has no userinfo endpoint")
	}
	ui, err := rp.provider.UserInfo(oidc.ClientContext(ctx, rp.client), oauth2.StaticTokenSource(tok))
	if err != nil {
		return nil, fmt.Errorf("auth: userinfo: %w", scrub(err))
	}
	if subtle.ConstantTimeCompare([]byte(ui.Subject), []byte(subject)) != 1 {
		return nil, &UserInfoSubjectError{IDTokenSubject: subject, UserInfoSubject: ui.Subject}
	}
	var claims map[string]any
	if err := ui.Claims(&claims); err != nil {
		return nil, fmt.Errorf("auth: userinfo claims: %w", err)
	}
	return claims, nil
}
