package devprovider

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxTokenRequestBytes bounds the token request body. Real requests are a
// few hundred bytes.
const maxTokenRequestBytes = 16 << 10

// tokenResponse is the successful token response (RFC 6749 §5.1, OIDC Core
// §3.1.3.3).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
}

// redeemedCode is what a spent code bought, kept for a while to revoke it
// if the code comes back.
type redeemedCode struct {
	jti    string
	family *refreshFamily // nil without offline_access
}

// handleToken serves POST {issuer}/v1/token for the authorization_code grant
// (RFC 6749 §4.1.3), the refresh_token grant (§6) and, with Identity
// Engine, Okta's interaction_code grant.
func (p *Provider) handleToken() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := p.exchangeCode(w, r)
		if err != nil {
			p.log.Warn("token request failed", "error", err.code, "error_description", err.description)
			p.writeOAuthError(w, err)
			return
		}
		// RFC 6749 §5.1: responses with tokens must not be cached.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		writeJSON(w, p.log, http.StatusOK, resp)
	})
}

// parseOAuthForm reads the form body of a request to the token or
// revocation endpoint: bounded, application/x-www-form-urlencoded, and no
// parameter twice (RFC 6749 §3.2).
func parseOAuthForm(w http.ResponseWriter, r *http.Request) (url.Values, *oauthError) {
	invalid := func(status int, description string) *oauthError {
		return &oauthError{status: status, code: "invalid_request", description: description}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, invalid(http.StatusBadRequest, "The body must be application/x-www-form-urlencoded.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
	if err := r.ParseForm(); err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			return nil, invalid(http.StatusRequestEntityTooLarge, "The request body is too large.")
		}
		return nil, invalid(http.StatusBadRequest, "The request body could not be parsed.")
	}
	// Parameters are read from the body only: secrets do not belong in URLs
	// (RFC 6749 §2.3.1, §3.2).
	form := r.PostForm
	for name, values := range form {
		if len(values) > 1 {
			return nil, invalid(http.StatusBadRequest, "The parameter "+name+" was repeated.")
		}
	}
	return form, nil
}

func (p *Provider) exchangeCode(w http.ResponseWriter, r *http.Request) (*tokenResponse, *oauthError) {
	invalid := func(status int, code, description string) *oauthError {
		return &oauthError{status: status, code: code, description: description}
	}
	form, oerr := parseOAuthForm(w, r)
	if oerr != nil {
		return nil, oerr
	}
	client, oerr := p.authenticateClient(r, form)
	if oerr != nil {
		return nil, oerr
	}

	// The two grants differ only in where their codes come from: /v1/authorize
	// (RFC 6749 §4.1.3) or the end of an Identity Engine interaction.
	var (
		codeParam, what string
		codes           *store[codeGrant]
	)
	switch gt := form.Get("grant_type"); {
	case gt == "authorization_code":
		codeParam, what, codes = "code", "authorization code", p.codes
	case gt == "interaction_code" && p.engine == EngineIdentity:
		codeParam, what, codes = "interaction_code", "interaction code", p.interactionCodes
	case gt == "refresh_token":
		return p.refresh(r, form, client)
	case gt == "":
		return nil, invalid(http.StatusBadRequest, "invalid_request", "The grant_type parameter is required.")
	default:
		return nil, invalid(http.StatusBadRequest, "unsupported_grant_type", p.supportedGrantsMessage())
	}

	code := form.Get(codeParam)
	if code == "" {
		return nil, invalid(http.StatusBadRequest, "invalid_request", "The "+codeParam+" parameter is required.")
	}
	grant, ok := codes.take(code)
	if !ok {
		// RFC 6749 §4.1.2: if a code is used more than once, the server
		// should revoke the tokens already issued from it, because one of
		// the two uses is an attacker's.
		if spent, used := p.redeemed.take(code); used {
			p.accessTokens.remove(spent.jti)
			if spent.family != nil {
				spent.family.revoke()
			}
			p.log.Warn(what+" replayed: tokens revoked", "client_id", client.ID)
		}
		return nil, invalid(http.StatusBadRequest, "invalid_grant", "The "+what+" is invalid, expired or already used.")
	}
	// From here the code is spent, whatever the outcome: a failed attempt
	// must not leave it usable for another try.
	if grant.clientID != client.ID {
		return nil, invalid(http.StatusBadRequest, "invalid_grant", "The "+what+" was issued to another client.")
	}
	// RFC 6749 §4.1.3: redirect_uri must be identical to the authorize one.
	// Okta's interaction_code grant does not ask for it, since /v1/interact
	// fixed it; when it is sent anyway it must match too.
	if _, sent := form["redirect_uri"]; (sent || codeParam == "code") && form.Get("redirect_uri") != grant.redirectURI {
		return nil, invalid(http.StatusBadRequest, "invalid_grant", "The redirect_uri does not match the authorization request.")
	}
	// Interaction codes always carry an S256 challenge, so a verifier is
	// required for them.
	if err := verifyPKCE(grant, form.Get("code_verifier")); err != "" {
		return nil, invalid(http.StatusBadRequest, "invalid_grant", err)
	}
	user, ok := p.users.subject(grant.auth.subject)
	if !ok {
		return nil, invalid(http.StatusBadRequest, "invalid_grant", "The user no longer exists.")
	}

	var (
		family       *refreshFamily
		refreshToken string
	)
	if slices.Contains(strings.Fields(grant.scope), offlineAccessScope) {
		family, refreshToken = p.startRefreshFamily(grant.owner, grant)
	}
	at, signErr := p.mintAccessToken(grant.owner, user, client.ID, grant.scope, grant.auth, family)
	if signErr != nil {
		p.log.Error("sign access token", "err", signErr)
		return nil, invalid(http.StatusInternalServerError, "server_error", "The provider could not sign the access token.")
	}
	p.redeemed.putFor(grant.owner, code, redeemedCode{jti: at.jti, family: family})
	idToken, signErr := p.mintIDToken(user, client.ID, grant, at.raw)
	if signErr != nil {
		p.accessTokens.remove(at.jti)
		if family != nil {
			family.revoke()
		}
		p.log.Error("sign ID token", "err", signErr)
		return nil, invalid(http.StatusInternalServerError, "server_error", "The provider could not sign the ID token.")
	}
	p.log.Info("tokens issued", "client_id", client.ID, "sub", user.Subject, "scope", grant.scope,
		"grant_type", form.Get("grant_type"), "refresh_token", refreshToken != "")
	return &tokenResponse{
		AccessToken:  at.raw,
		TokenType:    "Bearer",
		ExpiresIn:    at.expiresIn,
		Scope:        grant.scope,
		RefreshToken: refreshToken,
		IDToken:      idToken,
	}, nil
}

// verifyPKCE checks the code_verifier against the stored challenge
// (RFC 7636 §4.6) and returns a description of the failure, or "".
func verifyPKCE(grant codeGrant, verifier string) string {
	if grant.codeChallenge == "" {
		// RFC 9700 §2.1.1: reject a verifier when no challenge was sent, or
		// an attacker could strip PKCE from the authorization request.
		if verifier != "" {
			return "code_verifier was given but the authorization request had no code_challenge."
		}
		return ""
	}
	if verifier == "" {
		return "code_verifier is required: the authorization request had a code_challenge."
	}
	if !pkceChallengeRE.MatchString(verifier) {
		return "code_verifier is malformed (RFC 7636 §4.1)."
	}
	computed := verifier
	if grant.codeChallengeMethod == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		computed = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if subtle.ConstantTimeCompare([]byte(computed), []byte(grant.codeChallenge)) != 1 {
		return "PKCE verification failed: code_verifier does not match code_challenge."
	}
	return ""
}

// newJTI returns a random JWT ID (RFC 7519 §4.1.7).
func newJTI() string { return "ID." + rand.Text() }

// supportedGrants lists the grant types of the token endpoint.
func (p *Provider) supportedGrants() []string {
	if p.engine == EngineIdentity {
		return []string{"authorization_code", "refresh_token", "interaction_code"}
	}
	return []string{"authorization_code", "refresh_token"}
}

func (p *Provider) supportedGrantsMessage() string {
	g := p.supportedGrants()
	return "The supported grants are " + strings.Join(g[:len(g)-1], ", ") + " and " + g[len(g)-1] + "."
}
