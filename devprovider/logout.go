package devprovider

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// handleLogout serves GET {issuer}/v1/logout (OpenID Connect RP-Initiated
// Logout 1.0 §2). Like Okta it requires id_token_hint, which names the
// client and so the post_logout_redirect_uri values it may use; requiring a
// token we signed also keeps other sites from logging users out at will.
func (p *Provider) handleLogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for _, values := range q {
			if len(values) > 1 {
				p.renderMessage(w, http.StatusBadRequest, "Invalid sign-out request", "A parameter was repeated.")
				return
			}
		}
		hint := q.Get("id_token_hint")
		if hint == "" {
			p.renderMessage(w, http.StatusBadRequest, "Invalid sign-out request",
				"The sign-out request has no id_token_hint. Sign out from the application instead.")
			return
		}
		clientID, err := p.verifyIDTokenHint(hint)
		if err != nil {
			p.log.Warn("sign-out refused: bad id_token_hint", "err", err)
			p.renderMessage(w, http.StatusBadRequest, "Invalid sign-out request",
				"The sign-out request was not issued by a known application.")
			return
		}
		target := q.Get("post_logout_redirect_uri")
		// Exact match against the hint's client, like redirect_uri at
		// authorize: anything else would be an open redirector.
		if target != "" && !slices.Contains(p.clients[clientID].PostLogoutRedirectURIs, target) {
			p.log.Warn("sign-out refused: unregistered post_logout_redirect_uri", "client_id", clientID)
			p.renderMessage(w, http.StatusBadRequest, "Invalid sign-out request",
				"The post_logout_redirect_uri is not registered for the application.")
			return
		}

		p.endSession(w, r)
		p.log.Info("signed out", "client_id", clientID)
		if target == "" {
			p.renderMessage(w, http.StatusOK, "Signed out", "You have been signed out of the development provider.")
			return
		}
		params := url.Values{}
		if state := q.Get("state"); state != "" {
			params.Set("state", state)
		}
		p.redirectToClient(w, r, target, params, http.StatusFound)
	})
}

// verifyIDTokenHint checks that hint is an ID Token this provider signed,
// with one of its published keys, and returns its audience. Expired tokens
// are accepted as hints (RP-Initiated Logout §2; Okta does the same):
// signing out usually happens after the ID Token has expired.
func (p *Provider) verifyIDTokenHint(hint string) (string, error) {
	tok, err := jwt.ParseSigned(hint, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	if len(tok.Headers) != 1 {
		return "", errors.New("expected exactly one signature")
	}
	key, ok := p.keys.publicKey(tok.Headers[0].KeyID)
	if !ok {
		return "", errors.New("unknown kid")
	}
	var c struct {
		Issuer   string       `json:"iss"`
		Audience jwt.Audience `json:"aud"`
	}
	if err := tok.Claims(key, &c); err != nil {
		return "", fmt.Errorf("verify signature: %w", err)
	}
	if c.Issuer != p.issuer {
		return "", errors.New("wrong issuer")
	}
	if len(c.Audience) != 1 {
		return "", errors.New("expected exactly one audience")
	}
	if _, known := p.clients[c.Audience[0]]; !known {
		return "", errors.New("unknown audience")
	}
	return c.Audience[0], nil
}
