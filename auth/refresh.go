package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Refresh renews the tokens of the user subject with their refresh token
// (RFC 6749 section 6; the offline_access scope, OIDC Core section 11),
// with client_secret_basic as at login. The Identity it returns holds the
// new access token and its expiry, the refresh token to keep (the new one
// when the provider rotates it, as Okta does; the old one otherwise) and,
// when the provider sent one, the new id_token with its claims; userinfo
// is not read again.
//
// A new id_token is checked as at login (OIDC Core 12.2), with the same
// verifier, algorithms and leeway, except the nonce, which a refreshed
// id_token does not carry; its sub must be subject, or the tokens belong
// to someone else.
//
// A refresh token that the provider refuses (expired, revoked, or used
// again after a rotation, which makes Okta revoke the whole chain) is an
// *Error with Step "refresh", Check "error" and Code "invalid_grant": the
// session it belongs to is over. The whole call is bounded by
// Config.Timeout. Two calls with the same refresh token at once would
// spend it twice: serialize them per session.
func (rp *RelyingParty) Refresh(ctx context.Context, refreshToken, subject string) (*Identity, error) {
	if refreshToken == "" || subject == "" {
		return nil, &Error{Step: "refresh", Check: "response", Err: errors.New("no refresh token or subject to refresh")}
	}
	ctx, cancel := context.WithTimeout(ctx, rp.cfg.Timeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, rp.client)
	// An expired token makes the source refresh at once; it keeps the old
	// refresh token when the answer has none (no rotation).
	src := rp.oauth2.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)})
	// A refresh is not a login: its checks are not reported anywhere, so
	// they go to a report that is thrown away.
	scratch := &Report{}
	tok, err := src.Token()
	tok, err = rp.redeem(tok, err, scratch)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Step == "token" {
			e.Step = "refresh"
		}
		return nil, err
	}
	id := &Identity{
		Subject:           subject,
		AccessToken:       tok.AccessToken,
		RefreshToken:      tok.RefreshToken,
		AccessTokenExpiry: tok.Expiry,
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return id, nil
	}
	idToken, claims, err := rp.verifyRefreshedIDToken(ctx, raw, subject, tok.AccessToken, scratch)
	if err != nil {
		return nil, err
	}
	id.RawIDToken, id.IDTokenClaims, id.Expiry = raw, claims, idToken.Expiry
	return id, nil
}

// verifyRefreshedIDToken checks an id_token from a refresh (OIDC Core
// 12.2): as at login, with no nonce expected, and about subject.

func (rp *RelyingParty) verifyRefreshedIDToken(ctx context.Context, raw, subject, accessToken string, rep *Report) (*oidc.IDToken, map[string]any, error) {
	idToken, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, nil, tokenError(classifyVerifyError(err), err)
	}
	var claims map[string]any
	if err := idToken.Claims(&claims); err != nil {
		return nil, nil, tokenError("format", err)
	}
	// checkClaims compares the nonce with the one given: the token's own,
	// since 12.2 does not require one and a provider may repeat the
	// login's.
	if err := rp.checkClaims(idToken, claims, idToken.Nonce, accessToken, rep); err != nil {
		return nil, nil, err
	}
	if idToken.Subject != subject {
		return nil, nil, &Error{Step: "id_token", Check: "sub", Got: idToken.Subject, Want: subject,
			Err: fmt.Errorf("the refreshed id_token is about %q, not %q", idToken.Subject, subject)}
	}
	return idToken, claims, nil
}
