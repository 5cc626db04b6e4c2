package testprovider

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

// BackchannelLogoutEvent is the member of a logout token's events claim
// that makes it one (OpenID Connect Back-Channel Logout 1.0, 2.4).
const BackchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// LogoutToken signs a back-channel logout token for the registered client
// about sub and sid (either may be empty, to leave the claim out), as a
// provider POSTs it to the client's backchannel_logout_uri: typ
// logout+jwt, iss, aud, iat, exp two minutes later, a fresh jti and the
// events claim, never a nonce. m's Claims, Header and Signing make it as
// wrong as a test wants, as for id_tokens; its other fields are ignored.
func (p *Provider) LogoutToken(t testing.TB, sub, sid string, m Misbehaviour) string {
	t.Helper()
	now := p.now()
	claims := map[string]any{
		"iss":    p.issuer,
		"aud":    p.cfg.ClientID,
		"iat":    now.Unix(),
		"exp":    now.Add(2 * time.Minute).Unix(),
		"jti":    "LT." + rand.Text(),
		"events": map[string]any{BackchannelLogoutEvent: map[string]any{}},
	}
	if sub != "" {
		claims["sub"] = sub
	}
	if sid != "" {
		claims["sid"] = sid
	}
	tok, err := p.signClaims(claims, "logout+jwt", Misbehaviour{Claims: m.Claims, Header: m.Header, Signing: m.Signing})
	if err != nil {
		t.Fatalf("testprovider: signing a logout token: %v", err)
	}
	p.mu.Lock()
	p.issued = append(p.issued, tok)
	p.mu.Unlock()
	return tok
}

// RevokeRequest is what the relying party sent to /v1/revoke.
type RevokeRequest struct {
	// ClientAuth is "client_secret_basic", "client_secret_post" or "none";
	// SecretOK reports whether the client authenticated.
	ClientAuth string
	SecretOK   bool
	// Token and TokenTypeHint are the form's token and token_type_hint.
	Token, TokenTypeHint string
}

// RevokeBehaviour is how /v1/revoke answers.
type RevokeBehaviour int

const (
	// RevokeOK authenticates the client and revokes the token (RFC 7009
	// 2.1): an access token stops working at userinfo. Unknown tokens get
	// 200 too (2.2).
	RevokeOK RevokeBehaviour = iota
	// RevokeError answers 503 with OAuth error JSON (RFC 7009 2.2.1).
	RevokeError
	// RevokeHang never answers: it hangs until the client gives up.
	RevokeHang
)

// RevokeRequests returns every request made to /v1/revoke.
func (p *Provider) RevokeRequests() []RevokeRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.revokes)
}

// handleRevoke is RFC 7009 token revocation, or fails as told.
func (p *Provider) handleRevoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body does not parse")
		return
	}
	rr := RevokeRequest{ClientAuth: "none", Token: r.PostForm.Get("token"), TokenTypeHint: r.PostForm.Get("token_type_hint")}
	clientID, secret := "", ""
	if id, s, ok := r.BasicAuth(); ok {
		id, err1 := url.QueryUnescape(id)
		s, err2 := url.QueryUnescape(s)
		if err1 == nil && err2 == nil {
			rr.ClientAuth, clientID, secret = "client_secret_basic", id, s
		}
	} else if _, ok := r.PostForm["client_secret"]; ok {
		rr.ClientAuth, clientID, secret = "client_secret_post", r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	rr.SecretOK = rr.ClientAuth != "none" && clientID == p.cfg.ClientID && secret == p.cfg.ClientSecret
	p.mu.Lock()
	p.revokes = append(p.revokes, rr)
	p.mu.Unlock()

	switch p.misbehaviour().Revoke {
	case RevokeError:
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "told to fail")
		return
	case RevokeHang:
		p.hang(r)
		return
	}
	if !rr.SecretOK {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if rr.Token == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "no token")
		return
	}
	p.mu.Lock()
	delete(p.accessToken, rr.Token)
	p.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
