package devprovider

import (
	"net/http"
	"slices"
	"strings"
)

// handleUserinfo serves GET and POST {issuer}/v1/userinfo (OIDC Core §5.3).
// The access token comes in the Authorization header as a Bearer token
// (RFC 6750 §2.1) and must be live: not expired, revoked or of a revoked
// refresh chain (see lookupAccessToken). The claims returned depend on the
// granted scopes (OIDC Core §5.4).
func (p *Provider) handleUserinfo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, found := bearerToken(r)
		if !found {
			// RFC 6750 §3.1: a request without credentials gets a challenge
			// with no error code.
			w.Header().Set("WWW-Authenticate", `Bearer realm="devprovider"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, grant, err := p.lookupAccessToken(token)
		var user User
		ok := err == nil
		if ok {
			user, ok = p.users.subject(grant.subject)
		}
		if !ok {
			// Why goes to the debug log only: it says nothing a client
			// could use, and never repeats the token.
			p.log.Debug("userinfo refused", "err", err)
			w.Header().Set("WWW-Authenticate",
				`Bearer realm="devprovider", error="invalid_token", error_description="The access token is invalid or expired."`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}

		claims := map[string]any{"sub": user.Subject}
		scopes := strings.Fields(grant.scope)
		if slices.Contains(scopes, "profile") {
			claims["name"] = user.name()
			claims["given_name"] = user.GivenName
			claims["family_name"] = user.FamilyName
			claims["preferred_username"] = user.Login
			claims["locale"] = user.Locale
			claims["zoneinfo"] = user.ZoneInfo
			// Users never change here, so they were last updated at start-up.
			claims["updated_at"] = p.startedAt.Unix()
		}
		if slices.Contains(scopes, "email") {
			claims["email"] = user.Email
			claims["email_verified"] = true
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, p.log, http.StatusOK, claims)
	})
}

// bearerToken extracts the token from "Authorization: Bearer <token>". The
// scheme is case-insensitive (RFC 9110 §11.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
