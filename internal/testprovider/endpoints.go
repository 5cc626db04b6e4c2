package testprovider

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// handleDiscovery serves OpenID Connect Discovery 1.0 metadata in Okta's
// shape.
func (p *Provider) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	doc := map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.issuer + "/v1/authorize",
		"token_endpoint":                        p.issuer + "/v1/token",
		"userinfo_endpoint":                     p.issuer + "/v1/userinfo",
		"jwks_uri":                              p.issuer + "/v1/keys",
		"end_session_endpoint":                  p.issuer + "/v1/logout",
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
	}
	if !p.cfg.NoIssParameter {
		doc["authorization_response_iss_parameter_supported"] = true
	}
	if !p.cfg.NoRevocationEndpoint {
		doc["revocation_endpoint"] = p.issuer + "/v1/revoke"
	}
	if iss := p.misbehaviour().DiscoveryIssuer; iss != "" {
		doc["issuer"] = iss
	}
	writeJSON(w, http.StatusOK, doc)
}

// handleAuthorize approves every valid request at once for the fixed user
// (or login_hint) and redirects back with code, state and iss, unless told
// to misbehave.
func (p *Provider) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	m := p.misbehaviour()
	p.mu.Lock()
	p.authorizes = append(p.authorizes, cloneValues(q))
	p.mu.Unlock()

	// Never redirect to an unregistered URI: that is the provider's own
	// open-redirect defence, and tests rely on the client being checked.
	if q.Get("client_id") != p.cfg.ClientID || q.Get("redirect_uri") != p.cfg.RedirectURI {
		http.Error(w, "unknown client_id or unregistered redirect_uri", http.StatusBadRequest)
		return
	}
	back := url.Values{}
	if s := q.Get("state"); s != "" {
		back.Set("state", s)
	}
	switch {
	case m.Authorize == AuthorizeWrongIss:
		back.Set("iss", WrongIssuer)
	case m.Authorize == AuthorizeNoIss || p.cfg.NoIssParameter:
	default:
		back.Set("iss", p.issuer)
	}
	fail := func(code, desc string) {
		back.Set("error", code)
		back.Set("error_description", desc)
		p.redirect(w, r, back)
	}
	if m.Authorize == AuthorizeAccessDenied {
		fail("access_denied", "The user is not assigned to the client application.")
		return
	}
	if m.Authorize == AuthorizeRedirectURIError {
		fail("invalid_request", RedirectURIErrorDescription)
		return
	}
	if q.Get("response_type") != "code" {
		fail("unsupported_response_type", "response_type must be code")
		return
	}
	if !strings.Contains(" "+q.Get("scope")+" ", " openid ") {
		fail("invalid_scope", "openid is required")
		return
	}
	g := grant{
		clientID:    p.cfg.ClientID,
		redirectURI: q.Get("redirect_uri"),
		subject:     p.cfg.Subject,
		nonce:       q.Get("nonce"),
		scope:       q.Get("scope"),
		authTime:    p.now(),
	}
	if hint := q.Get("login_hint"); hint != "" {
		g.subject = hint
	}
	if !m.IgnorePKCE {
		g.codeChallenge, g.method = q.Get("code_challenge"), q.Get("code_challenge_method")
		if g.codeChallenge != "" && g.method != "S256" {
			fail("invalid_request", "code_challenge_method must be S256")
			return
		}
	}
	code := "tp-code-" + rand.Text()
	p.mu.Lock()
	p.codes[code] = g
	p.issued = append(p.issued, code)
	p.mu.Unlock()
	back.Set("code", code)
	p.redirect(w, r, back)
}

func (p *Provider) redirect(w http.ResponseWriter, r *http.Request, params url.Values) {
	http.Redirect(w, r, p.cfg.RedirectURI+"?"+params.Encode(), http.StatusFound)
}

// handleToken redeems a code (RFC 6749 4.1.3), or fails as told.
func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	m := p.misbehaviour()
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body does not parse")
		return
	}
	tr := p.recordTokenRequest(r)

	switch m.Token {
	case TokenOAuthError:
		code := m.TokenError
		if code == "" {
			code = "invalid_grant"
		}
		desc := m.TokenErrorDescription
		if desc == "" {
			desc = "told to fail with " + code
		}
		status := http.StatusBadRequest
		if code == "invalid_client" {
			status = http.StatusUnauthorized // RFC 6749 5.2, with Basic authentication
		}
		oauthError(w, status, code, desc)
		return
	case TokenNotJSON:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<html><body><h1>Gateway says hello</h1></body></html>")) // the client's problem now
		return
	case TokenHuge:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		chunk := []byte(`{"access_token":"` + strings.Repeat("A", 64<<10))
		for sent := 0; sent < HugeBodyBytes; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return // the client stopped reading, as it should
			}
		}
		return
	case TokenHang:
		p.hang(r)
		return
	}

	if !tr.SecretOK {
		w.Header().Set("WWW-Authenticate", `Basic realm="testprovider"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	var g grant
	switch tr.GrantType {
	case "authorization_code":
		p.mu.Lock()
		code, ok := p.codes[tr.Code]
		delete(p.codes, tr.Code) // single use, whatever happens next
		p.mu.Unlock()
		if !ok || code.clientID != tr.ClientID {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown, used or foreign code")
			return
		}
		if tr.RedirectURI != code.redirectURI {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request")
			return
		}
		if desc := checkPKCE(code, tr.CodeVerifier, m.IgnorePKCE); desc != "" {
			oauthError(w, http.StatusBadRequest, "invalid_grant", desc)
			return
		}
		g = code
	case "refresh_token":
		// Rotation, as Okta does it: each refresh token works once. An
		// ID token from a refresh has no nonce (OIDC Core 12.2).
		p.mu.Lock()
		old, ok := p.refresh[tr.RefreshToken]
		delete(p.refresh, tr.RefreshToken)
		p.mu.Unlock()
		if !ok || old.clientID != tr.ClientID {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown, used or foreign refresh token")
			return
		}
		g = old
		g.nonce = ""
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code and refresh_token")
		return
	}

	accessToken := "tp-at-" + rand.Text()
	idToken, err := p.mintIDToken(g, accessToken, m)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	p.mu.Lock()
	p.accessToken[accessToken] = g.subject
	p.issued = append(p.issued, accessToken, idToken)
	p.mu.Unlock()

	resp := map[string]any{
		"access_token": accessToken,
		"token_type":   "Bearer",
		"expires_in":   3600,
		"scope":        g.scope,
		"id_token":     idToken,
	}
	if strings.Contains(" "+g.scope+" ", " offline_access ") {
		refreshToken := "tp-rt-" + rand.Text()
		p.mu.Lock()
		p.refresh[refreshToken] = g
		p.issued = append(p.issued, refreshToken)
		p.mu.Unlock()
		resp["refresh_token"] = refreshToken
	}
	if m.TokenType != "" {
		resp["token_type"] = m.TokenType
	}
	if m.Token == TokenNoIDToken {
		delete(resp, "id_token")
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

// recordTokenRequest authenticates the client and records the request.
func (p *Provider) recordTokenRequest(r *http.Request) TokenRequest {
	tr := TokenRequest{
		ClientAuth:   "none",
		GrantType:    r.PostForm.Get("grant_type"),
		Code:         r.PostForm.Get("code"),
		RefreshToken: r.PostForm.Get("refresh_token"),
		RedirectURI:  r.PostForm.Get("redirect_uri"),
		CodeVerifier: r.PostForm.Get("code_verifier"),
		ClientID:     r.PostForm.Get("client_id"),
	}
	var secret string
	if id, s, ok := r.BasicAuth(); ok {
		// RFC 6749 2.3.1: both are form-urlencoded inside the header.
		id, err1 := url.QueryUnescape(id)
		s, err2 := url.QueryUnescape(s)
		if err1 == nil && err2 == nil {
			tr.ClientAuth, tr.ClientID, secret = "client_secret_basic", id, s
		}
	} else if _, ok := r.PostForm["client_secret"]; ok {
		tr.ClientAuth, secret = "client_secret_post", r.PostForm.Get("client_secret")
	}
	tr.SecretOK = tr.ClientAuth != "none" && tr.ClientID == p.cfg.ClientID &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(p.cfg.ClientSecret)) == 1
	p.mu.Lock()
	p.tokens = append(p.tokens, tr)
	p.mu.Unlock()
	return tr
}

// checkPKCE verifies the code_verifier (RFC 7636 4.6). A verifier for a
// code minted without a challenge is refused (RFC 9700 2.1.1), which stops
// an attacker who stripped the challenge from the authorization request.
func checkPKCE(g grant, verifier string, ignore bool) string {
	if ignore {
		return ""
	}
	if g.codeChallenge == "" {
		if verifier != "" {
			return "code_verifier sent but the authorization request had no code_challenge"
		}
		return ""
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(b64(sum[:])), []byte(g.codeChallenge)) != 1 {
		return "PKCE verification failed"
	}
	return ""
}

// mintIDToken builds the claims Okta sends, lets the test edit claims and
// header, and signs as m.Signing says.
func (p *Provider) mintIDToken(g grant, accessToken string, m Misbehaviour) (string, error) {
	if m.NewKeyBeforeSigning {
		k, err := p.newRSAKey()
		if err != nil {
			return "", err
		}
		p.mu.Lock()
		p.signing = k
		p.published = append(p.published, k)
		p.mu.Unlock()
	}
	now := p.now()
	claims := map[string]any{
		"ver":                1,
		"jti":                "ID." + rand.Text(),
		"iss":                p.issuer,
		"sub":                g.subject,
		"aud":                g.clientID,
		"iat":                now.Unix(),
		"exp":                now.Add(time.Hour).Unix(),
		"auth_time":          g.authTime.Unix(),
		"amr":                []string{"pwd"},
		"idp":                "00o-testprovider",
		"at_hash":            atHash(accessToken),
		"name":               "Test User " + g.subject,
		"preferred_username": g.subject + "@example.com",
		"email":              g.subject + "@example.com",
		"email_verified":     true,
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	return p.signClaims(claims, "", m)
}

// signClaims lets the test edit claims and header (m.Claims, m.Header),
// and signs as m.Signing says, with the JOSE header's typ set to typ (none
// when empty).
func (p *Provider) signClaims(claims map[string]any, typ string, m Misbehaviour) (string, error) {
	p.mu.Lock()
	published, other := p.signing, p.other
	p.mu.Unlock()
	if m.Claims != nil {
		m.Claims(claims)
	}
	return p.signAs(claims, typ, m.Signing, m.Header, published, other)
}

// SignToken signs claims as a JWT the way signing says, with the
// provider's keys, and lets header edit the JOSE header (nil: leave it).
// It mints tokens the provider never issues at its endpoints, such as the
// JWT access tokens a resource server checks, right or forged.
func (p *Provider) SignToken(claims map[string]any, signing Signing, header func(*Header)) (string, error) {
	p.mu.Lock()
	published, other := p.signing, p.other
	p.mu.Unlock()
	return p.signAs(claims, "", signing, header, published, other)
}

// signAs signs claims with the key and algorithm that signing chooses,
// with the JOSE header's typ set to typ (none when empty).
func (p *Provider) signAs(claims map[string]any, typ string, signing Signing, header func(*Header), published, other *rsaKey) (string, error) {
	h := Header{Alg: "RS256", Kid: published.kid, Typ: typ}
	s := signer{rsa: published}
	switch signing {
	case SignOtherKeySameKID:
		s.rsa = other
	case SignOtherKey:
		s.rsa, h.Kid = other, other.kid
	case SignHS256ClientSecret:
		h.Alg, s.macKey = "HS256", []byte(p.cfg.ClientSecret)
	case SignHS256PublicKey:
		h.Alg, s.macKey = "HS256", published.publicPEM()
	case SignNone:
		h.Alg, h.Kid = "none", ""
	case SignCorrupted:
		s.corrupt = true
	}
	if header != nil {
		header(&h)
	}
	return sign(h, claims, s)
}

// handleKeys serves the JWK Set (RFC 7517 5), or fails as told.
func (p *Provider) handleKeys(w http.ResponseWriter, r *http.Request) {
	p.jwksFetches.Add(1)
	switch p.misbehaviour().JWKS {
	case JWKSDown:
		http.Error(w, "keys are down", http.StatusServiceUnavailable)
		return
	case JWKSSlow:
		p.hang(r)
		return
	case JWKSGarbage:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys": "\u0000 this is not a key set`)) // the client's problem now
		return
	}
	p.mu.Lock()
	keys := make([]map[string]any, 0, len(p.published))
	for _, k := range p.published {
		keys = append(keys, k.publicJWK())
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// handleUserInfo answers OIDC Core 5.3 for a Bearer token in the header,
// or fails as told.
func (p *Provider) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	m := p.misbehaviour()
	authz := r.Header.Get("Authorization")
	token, isBearer := strings.CutPrefix(authz, "Bearer ")
	p.mu.Lock()
	sub, valid := p.accessToken[token]
	valid = valid && isBearer
	p.userinfos = append(p.userinfos, UserInfoRequest{
		Authorization: authz,
		BearerValid:   valid,
		TokenInQuery:  r.URL.Query().Has("access_token"),
	})
	p.mu.Unlock()

	switch m.UserInfo {
	case UserInfoError:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	case UserInfoHang:
		p.hang(r)
		return
	}
	if !valid {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	if m.UserInfo == UserInfoOtherSubject {
		sub = "00u-someone-else"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sub":         sub,
		"email":       sub + "@example.com",
		"name":        "Test User " + sub,
		"given_name":  "Test",
		"family_name": "User",
		"zoneinfo":    "Europe/Paris",
		"locale":      "en-GB",
	})
}

// handleLogout is RP-Initiated Logout: back to post_logout_redirect_uri
// with the state.
func (p *Provider) handleLogout(w http.ResponseWriter, r *http.Request) {
	p.logouts.Add(1)
	q := r.URL.Query()
	target := q.Get("post_logout_redirect_uri")
	if target == "" || q.Get("id_token_hint") == "" {
		http.Error(w, "signed out", http.StatusOK)
		return
	}
	u, err := url.Parse(target)
	if err != nil {
		http.Error(w, "bad post_logout_redirect_uri", http.StatusBadRequest)
		return
	}
	if s := q.Get("state"); s != "" {
		v := u.Query()
		v.Set("state", s)
		u.RawQuery = v.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// attackerHandler is the attacker's server: it counts every hit and
// offers the forger's key, in case anyone follows a jku header.
func (p *Provider) attackerHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.attackerHits.Add(1)
		writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{p.other.publicJWK()}})
	})
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b) // a client that went away has nobody left to tell
}
