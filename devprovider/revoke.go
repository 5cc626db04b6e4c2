package devprovider

import "net/http"

// handleRevoke serves POST {issuer}/v1/revoke, OAuth 2.0 Token Revocation
// (RFC 7009). The client authenticates as at the token endpoint (§2.1);
// token is required, token_type_hint is only a hint: the token is looked
// for among every kind the provider revokes (§2.1). An unknown, expired
// or already revoked token gets 200 like a revoked one (§2.2), so the
// answer tells nothing about tokens the caller does not hold. A token
// issued to another client is refused (§2.1).
func (p *Provider) handleRevoke() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if oerr := p.revoke(w, r); oerr != nil {
			p.log.Warn("revocation refused", "error", oerr.code, "error_description", oerr.description)
			p.writeOAuthError(w, oerr)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		w.WriteHeader(http.StatusOK)
	})
}

func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) *oauthError {
	form, oerr := parseOAuthForm(w, r)
	if oerr != nil {
		return oerr
	}
	client, oerr := p.authenticateClient(r, form)
	if oerr != nil {
		return oerr
	}
	token := form.Get("token")
	if token == "" {
		return &oauthError{status: http.StatusBadRequest, code: "invalid_request", description: "The token parameter is required."}
	}
	// Access tokens are JWTs, found by their jti; refresh tokens are
	// opaque, found as they are.
	if jti, grant, err := p.lookupAccessToken(token); err == nil {
		if grant.clientID != client.ID {
			return revokedByAnotherClient()
		}
		p.accessTokens.remove(jti)
		p.log.Info("access token revoked", "client_id", client.ID, "sub", grant.subject)
		return nil
	}
	if f, ok := p.refreshTokens.get(token); ok {
		if f.clientID != client.ID {
			return revokedByAnotherClient()
		}
		// §2.1: revoking a refresh token should also invalidate the access
		// tokens of the same grant; the chain takes them along.
		f.revoke()
		p.log.Info("refresh token revoked, with its chain", "client_id", client.ID, "sub", f.subject)
		return nil
	}
	p.log.Info("revocation of an unknown token", "client_id", client.ID)
	return nil
}

// revokedByAnotherClient refuses to revoke a token issued to another
// client: RFC 7009 §2.1 asks the server to check the token's client, and
// RFC 6749 §5.2 names this invalid_grant.
func revokedByAnotherClient() *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: "invalid_grant",
		description: "The token was issued to another client."}
}
