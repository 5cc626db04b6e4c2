package devprovider

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Refresh tokens (RFC 6749 §6), issued when the client asked for the
// offline_access scope (OIDC Core §11), with rotation as Okta does it and
// RFC 9700 §4.14.2 asks of public clients: each use returns a new refresh
// token and the old one stops working. Using an old one again means two
// parties hold the chain, one of them an attacker, so the whole chain is
// revoked, with the access tokens issued in it.

// offlineAccessScope asks for a refresh token (OIDC Core §11).
const offlineAccessScope = "offline_access"

// refreshFamily is one chain of refresh tokens: one authorization, and
// every token rotated from it. Every token of the chain stays in the
// provider's store, under the chain, until it expires, so that the use of
// an old one is seen.
type refreshFamily struct {
	clientID string
	subject  string
	scope    string // as granted at the authorization
	auth     authentication
	sid      string

	mu      sync.Mutex
	current string // the only token of the chain that works
	revoked bool
}

func (f *refreshFamily) isRevoked() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.revoked
}

// revoke ends the chain: its refresh tokens and its access tokens.
func (f *refreshFamily) revoke() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked = true
}

// newRefreshToken returns a fresh refresh token.
func newRefreshToken() string { return "RT." + rand.Text() }

// startRefreshFamily starts a chain for a code grant that asked for
// offline_access, kept for owner, and returns it with its first token.
func (p *Provider) startRefreshFamily(owner string, g codeGrant) (*refreshFamily, string) {
	token := newRefreshToken()
	f := &refreshFamily{clientID: g.clientID, subject: g.auth.subject, scope: g.scope, auth: g.auth, sid: g.sid, current: token}
	p.refreshTokens.putFor(owner, token, f)
	return f, token
}

// refresh serves grant_type=refresh_token at the token endpoint for the
// authenticated client.
func (p *Provider) refresh(r *http.Request, form url.Values, client Client) (*tokenResponse, *oauthError) {
	invalid := func(code, description string) *oauthError {
		return &oauthError{status: http.StatusBadRequest, code: code, description: description}
	}
	token := form.Get("refresh_token")
	if token == "" {
		return nil, invalid("invalid_request", "The refresh_token parameter is required.")
	}
	f, ok := p.refreshTokens.get(token)
	if !ok {
		return nil, invalid("invalid_grant", "The refresh token is invalid or expired.")
	}
	// RFC 6749 §6: the refresh token is bound to the client it was issued to.
	if f.clientID != client.ID {
		return nil, invalid("invalid_grant", "The refresh token was issued to another client.")
	}
	// RFC 6749 §6: the scope may be narrowed, never widened.
	scope := f.scope
	if requested, sent := form["scope"]; sent {
		granted := strings.Fields(f.scope)
		for _, s := range strings.Fields(requested[0]) {
			if !slices.Contains(granted, s) {
				return nil, invalid("invalid_scope", "The requested scope exceeds the scope granted by the resource owner.")
			}
		}
		if len(strings.Fields(requested[0])) > 0 {
			scope = strings.Join(strings.Fields(requested[0]), " ")
		}
	}
	user, ok := p.users.subject(f.subject)
	if !ok {
		return nil, invalid("invalid_grant", "The user no longer exists.")
	}

	next := newRefreshToken()
	f.mu.Lock()
	switch {
	case f.revoked:
		f.mu.Unlock()
		return nil, invalid("invalid_grant", "The refresh token is invalid or expired.")
	case token != f.current:
		// An old token of the chain: rotation says it was already used.
		f.revoked = true
		f.mu.Unlock()
		p.log.Warn("refresh token reused: the chain and its access tokens are revoked", "client_id", client.ID, "sub", f.subject)
		return nil, invalid("invalid_grant", "The refresh token is invalid or expired.")
	}
	f.current = next
	f.mu.Unlock()

	owner := p.clientKey(r)
	p.refreshTokens.putFor(owner, next, f)
	at, err := p.mintAccessToken(owner, user, client.ID, scope, f.auth, f)
	if err != nil {
		p.log.Error("sign access token", "err", err)
		return nil, &oauthError{status: http.StatusInternalServerError, code: "server_error", description: "The provider could not sign the access token."}
	}
	resp := &tokenResponse{AccessToken: at.raw, TokenType: "Bearer", ExpiresIn: at.expiresIn, Scope: scope, RefreshToken: next}
	if slices.Contains(strings.Fields(scope), "openid") {
		// OIDC Core §12.2: the new ID Token has the original iss, sub,
		// aud and auth_time, and no nonce (the refresh request has none).
		idToken, err := p.mintIDToken(user, client.ID, codeGrant{scope: scope, auth: f.auth, sid: f.sid}, at.raw)
		if err != nil {
			p.log.Error("sign ID token", "err", err)
			return nil, &oauthError{status: http.StatusInternalServerError, code: "server_error", description: "The provider could not sign the ID token."}
		}
		resp.IDToken = idToken
	}
	p.log.Info("tokens refreshed", "client_id", client.ID, "sub", user.Subject, "scope", scope)
	return resp, nil
}
