package devprovider

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// authRequest is a validated authorization request (RFC 6749 §4.1.1, OIDC
// Core §3.1.2.1). A pending one waits server-side while the user signs in,
// so nothing in the sign-in form is trusted but its random key.
type authRequest struct {
	clientID            string
	redirectURI         string
	scope               string
	state               string
	nonce               string
	codeChallenge       string
	codeChallengeMethod string
	loginHint           string
	promptLogin         bool
	promptNone          bool
}

// codeGrant is what an authorization code stands for. The token endpoint
// checks the client, redirect_uri and PKCE verifier against it (RFC 6749
// §4.1.3, RFC 7636 §4.6).
type codeGrant struct {
	// owner is the client address the code was issued to (see clientKey):
	// the tokens it buys are kept in that client's share.
	owner               string
	clientID            string
	redirectURI         string
	scope               string
	nonce               string
	codeChallenge       string
	codeChallengeMethod string
	auth                authentication
	// sid is the provider session the code was issued in (see ssoSession).
	sid string
}

// authorizeError is a failed authorization request.
type authorizeError struct {
	// redirect is false when client_id or redirect_uri cannot be trusted:
	// then the error is shown to the user and never sent to the URI, which
	// would make the provider an open redirector (RFC 6749 §4.1.2.1,
	// RFC 9700 §4.11).
	redirect    bool
	code        string // RFC 6749 §4.1.2.1 / OIDC Core §3.1.2.6 error code
	description string // for the client developer; never a secret
	title       string // for the error page when redirect is false
	message     string
}

// pkceChallengeRE is RFC 7636 §4.2's code_challenge syntax (also that of a
// verifier, §4.1).
var pkceChallengeRE = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// parseAuthorizeRequest validates the query of /v1/authorize. The returned
// request carries the state even on error, so that errors can echo it.
func (p *Provider) parseAuthorizeRequest(q url.Values) (authRequest, *authorizeError) {
	pageError := func(title, message string) *authorizeError {
		return &authorizeError{code: "invalid_request", description: message, title: title, message: message}
	}
	for _, name := range []string{"client_id", "redirect_uri"} {
		if len(q[name]) > 1 {
			return authRequest{}, pageError("Invalid sign-in request", "The "+name+" parameter was repeated. Go back to the application and try again.")
		}
	}
	client, ok := p.clients[q.Get("client_id")]
	if !ok {
		return authRequest{}, pageError("Unknown application",
			"The application that sent you here is not registered with this provider (unknown client_id).")
	}
	// RFC 6749 §3.1.2.3 and OIDC Core §3.1.2.1: redirect_uri is required and
	// must match a registered one exactly, by simple string comparison.
	redirectURI := q.Get("redirect_uri")
	if !slices.Contains(client.RedirectURIs, redirectURI) {
		return authRequest{}, pageError("Invalid redirect URI",
			"The redirect_uri in this request is not registered for the application, so you will not be sent back to it.")
	}

	req := authRequest{
		clientID:    client.ID,
		redirectURI: redirectURI,
		state:       q.Get("state"),
		nonce:       q.Get("nonce"),
		loginHint:   q.Get("login_hint"),
	}
	fail := func(code, description string) (authRequest, *authorizeError) {
		return req, &authorizeError{redirect: true, code: code, description: description}
	}
	// RFC 6749 §3.1: parameters must not be included more than once.
	for name, values := range q {
		if len(values) > 1 {
			return fail("invalid_request", "The parameter "+name+" was repeated.")
		}
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return fail("invalid_request", "The response_type parameter is required.")
	default:
		return fail("unsupported_response_type", "Only the authorization code flow (response_type=code) is supported.")
	}
	if rm := q.Get("response_mode"); rm != "" && rm != "query" {
		return fail("invalid_request", "Only response_mode=query is supported.")
	}

	scopes := strings.Fields(q.Get("scope"))
	if !slices.Contains(scopes, "openid") {
		return fail("invalid_scope", "The openid scope is required.")
	}
	var granted []string
	for _, s := range scopes {
		if !slices.Contains(supportedScopes(), s) {
			return fail("invalid_scope", "One or more scopes are not configured for the authorization server resource.")
		}
		if !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	req.scope = strings.Join(granted, " ")

	// PKCE (RFC 7636 §4.3). code_challenge is optional for confidential
	// clients, which Okta allows to skip PKCE; a public client must use
	// S256 (below).
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return fail("invalid_request", "code_challenge_method was given without code_challenge.")
	case challenge != "":
		if method == "" {
			method = "plain" // RFC 7636 §4.3 default
		}
		if method != "S256" && method != "plain" {
			return fail("invalid_request", "code_challenge_method must be S256 or plain.")
		}
		if !pkceChallengeRE.MatchString(challenge) || (method == "S256" && len(challenge) != 43) {
			return fail("invalid_request", "code_challenge is malformed (RFC 7636 §4.2).")
		}
		req.codeChallenge, req.codeChallengeMethod = challenge, method
	}
	// RFC 9700 §2.1.1: a public client has no secret, so PKCE is what binds
	// the code to it; and plain would put the verifier in the URL.
	if client.Public && req.codeChallengeMethod != "S256" {
		return fail("invalid_request", "This client is public: PKCE with code_challenge_method=S256 is required.")
	}

	// OIDC Core §3.1.2.1: prompt is a space-separated list; none must be alone.
	prompts := strings.Fields(q.Get("prompt"))
	for _, pr := range prompts {
		switch pr {
		case "none":
			req.promptNone = true
		case "login":
			req.promptLogin = true
		case "consent", "select_account":
			// Nothing to consent to or select here; accepted and ignored.
		default:
			return fail("invalid_request", "The prompt value "+pr+" is not supported.")
		}
	}
	if req.promptNone && len(prompts) > 1 {
		return fail("invalid_request", "prompt=none cannot be combined with other prompt values.")
	}
	return req, nil
}

// handleAuthorize serves GET {issuer}/v1/authorize (OIDC Core §3.1.2). With
// a valid sessionToken or an SSO session it answers with a code at once;
// otherwise it shows the sign-in page.
func (p *Provider) handleAuthorize() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		req, aerr := p.parseAuthorizeRequest(q)
		if aerr != nil {
			p.authorizeFail(w, r, req, aerr)
			return
		}

		// The Okta Sign-In Widget authenticates through /api/v1/authn and
		// then navigates here with the one-time sessionToken it got.
		if token := q.Get("sessionToken"); token != "" {
			a, ok := p.sessionTokens.take(token)
			if !ok {
				p.authorizeFail(w, r, req, &authorizeError{redirect: true, code: "access_denied",
					description: "The session token is invalid, expired or already used."})
				return
			}
			// Never replace another user's session without asking: see
			// userSwitch. A token of the same user just refreshes it.
			if cur, signedIn := p.currentSession(r); signedIn && cur.subject != a.subject {
				p.confirmSwitch(w, r, req, cur.subject, a)
				return
			}
			p.issueCode(w, r, req, p.startSession(w, r, a), http.StatusFound)
			return
		}

		if !req.promptLogin {
			if s, ok := p.currentSession(r); ok {
				p.issueCode(w, r, req, s, http.StatusFound)
				return
			}
		}
		if req.promptNone {
			// OIDC Core §3.1.2.6: no session and no UI allowed.
			p.authorizeFail(w, r, req, &authorizeError{redirect: true, code: "login_required",
				description: "The user is not signed in."})
			return
		}
		p.showSignIn(w, r, req)
	})
}

// issueCode mints a single-use authorization code for req in the provider
// session s, records that s signed into the client, and sends the browser
// back to the client with the code (RFC 6749 §4.1.2) and with iss
// (RFC 9207), which lets the client detect mix-up attacks.
func (p *Provider) issueCode(w http.ResponseWriter, r *http.Request, req authRequest, s *ssoSession, status int) {
	a := s.signInTo(req.clientID)
	code, _ := p.codes.addFor(p.clientKey(r), codeGrant{
		owner:               p.clientKey(r),
		clientID:            req.clientID,
		redirectURI:         req.redirectURI,
		scope:               req.scope,
		nonce:               req.nonce,
		codeChallenge:       req.codeChallenge,
		codeChallengeMethod: req.codeChallengeMethod,
		auth:                a,
		sid:                 s.sid,
	})
	p.log.Info("authorization code issued", "client_id", req.clientID, "sub", a.subject,
		"pkce", req.codeChallengeMethod)
	params := url.Values{"code": {code}, "iss": {p.issuer}}
	if req.state != "" {
		params.Set("state", req.state)
	}
	p.redirectToClient(w, r, req.redirectURI, params, status)
}

// authorizeFail answers a failed authorization request: a page when the
// redirect URI cannot be trusted, otherwise a redirect with the error
// (RFC 6749 §4.1.2.1), state and iss (RFC 9207 §2).
func (p *Provider) authorizeFail(w http.ResponseWriter, r *http.Request, req authRequest, e *authorizeError) {
	p.log.Warn("authorization request failed", "client_id", req.clientID, "error", e.code,
		"error_description", e.description)
	if !e.redirect {
		p.renderMessage(w, http.StatusBadRequest, e.title, e.message)
		return
	}
	params := url.Values{"error": {e.code}, "error_description": {e.description}, "iss": {p.issuer}}
	if req.state != "" {
		params.Set("state", req.state)
	}
	p.redirectToClient(w, r, req.redirectURI, params, http.StatusFound)
}

// redirectToClient redirects to a registered URI with params added to its
// query, keeping any query it already has (RFC 6749 §3.1.2).
func (p *Provider) redirectToClient(w http.ResponseWriter, r *http.Request, target string, params url.Values, status int) {
	u, err := url.Parse(target)
	if err != nil {
		// Registered URIs were parsed in New; this cannot happen.
		p.log.Error("parse registered redirect URI", "err", err)
		p.renderMessage(w, http.StatusInternalServerError, "Internal error", "The provider could not send you back to the application.")
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), status)
}
