package devprovider

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Okta Identity Engine's interaction code flow, as the Okta Sign-In Widget
// 7 runs it when the app gives it a clientId, a state and a PKCE challenge:
//
//	POST {issuer}/v1/interact            form: client_id, scope, redirect_uri, code_challenge (S256), state, nonce
//	                                     → {"interaction_handle": …}
//	POST {origin}/idp/idx/introspect     {"interactionHandle": …} → the current step, with its stateHandle
//	POST {origin}/idp/idx/identify       {"identifier", "credentials": {"passcode"}?, "stateHandle"}
//	POST {origin}/idp/idx/challenge/answer {"credentials": {"passcode"}, "stateHandle"}
//	                                     → the next step, or successWithInteractionCode
//	browser → {redirect_uri}?interaction_code=…&state=…
//	POST {issuer}/v1/token               grant_type=interaction_code, client authentication, code_verifier
//
// Each step answers with a new stateHandle and the old one stops working, so
// a handle is good for one successful step (a wrong password keeps it, for
// the retry). Everything expires interactionTTL after /v1/interact. The
// interaction code is bound to the client, the PKCE challenge and the
// redirect URI given to /v1/interact, is single use and lives codeTTL.

// maxIDXBodyBytes bounds IDX request bodies.
const maxIDXBodyBytes = 8 << 10

// idxStep is where an interaction stands.
type idxStep int

const (
	stepIdentify idxStep = iota // username, with or without the password
	stepPassword                // the password, after a username alone
	stepTOTP                    // the one-time code, after the password
)

// interaction is one run of the Identity Engine sign-in, created by
// /v1/interact. Repeated /v1/interact calls for one login (the widget's
// "Back to sign in" and reloads) each get their own; the old one is simply
// left to expire.
type interaction struct {
	handle        string
	owner         string // client address that created it (see clientKey)
	clientID      string
	redirectURI   string
	scope         string
	state         string
	nonce         string
	codeChallenge string // S256
	expires       time.Time

	mu          sync.Mutex
	stateHandle string // the current one; "" once the interaction ended
	step        idxStep
	identifier  string         // as the user typed it
	auth        authentication // the password's, while waiting for the code
}

// newStateHandle returns a fresh state handle; Okta's start with "02".
func newStateHandle() string { return "02" + rand.Text() }

// originAllowed reports whether a browser request comes from the provider's
// own origin or a trusted one; requests without Origin come from servers.
// Others are refused outright, not only denied CORS, so that an untrusted
// page cannot drive a sign-in (or guess passwords) through a visitor's
// browser with simple requests whose answers it never needs to read.
func (p *Provider) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	return origin == "" || origin == p.origin || p.trustedOrigins[origin]
}

// handleInteract serves POST {issuer}/v1/interact, which starts an
// interaction for a client (Okta's Interaction Code grant). The request is
// checked like an authorization request: a registered client, an exactly
// registered redirect_uri (RFC 6749 §3.1.2.3), the openid scope and an S256
// PKCE challenge (RFC 7636 §4.3), which Okta requires here.
func (p *Provider) handleInteract() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, code, description string) {
			p.log.Warn("interact refused", "error", code, "error_description", description)
			p.writeOAuthError(w, &oauthError{status: status, code: code, description: description})
		}
		if !p.originAllowed(r) {
			fail(http.StatusForbidden, "access_denied", "The request comes from an origin that is not trusted.")
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
			fail(http.StatusBadRequest, "invalid_request", "The body must be application/x-www-form-urlencoded.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
				fail(http.StatusRequestEntityTooLarge, "invalid_request", "The request body is too large.")
				return
			}
			fail(http.StatusBadRequest, "invalid_request", "The request body could not be parsed.")
			return
		}
		form := r.PostForm
		for name, values := range form {
			if len(values) > 1 {
				fail(http.StatusBadRequest, "invalid_request", "The parameter "+name+" was repeated.")
				return
			}
		}
		ia, oerr := p.parseInteract(form)
		if oerr != nil {
			fail(oerr.status, oerr.code, oerr.description)
			return
		}

		ia.mu.Lock()
		ia.owner = p.clientKey(r)
		ia.stateHandle = newStateHandle()
		ia.handle, ia.expires = p.interactions.addFor(ia.owner, ia)
		p.stateHandles.putFor(ia.owner, ia.stateHandle, ia.handle)
		handle := ia.handle
		ia.mu.Unlock()
		p.log.Info("interaction started", "client_id", ia.clientID)
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, p.log, http.StatusOK, struct {
			InteractionHandle string `json:"interaction_handle"`
		}{handle})
	})
}

// parseInteract validates an interact request.
func (p *Provider) parseInteract(form url.Values) (*interaction, *oauthError) {
	invalid := func(code, description string) (*interaction, *oauthError) {
		status := http.StatusBadRequest
		if code == "invalid_client" {
			status = http.StatusUnauthorized
		}
		return nil, &oauthError{status: status, code: code, description: description}
	}
	client, ok := p.clients[form.Get("client_id")]
	if !ok {
		return invalid("invalid_client", "The client_id is unknown.")
	}
	redirectURI := form.Get("redirect_uri")
	if !slices.Contains(client.RedirectURIs, redirectURI) {
		return invalid("invalid_request", "The redirect_uri is not registered for the client.")
	}
	scopes := strings.Fields(form.Get("scope"))
	if !slices.Contains(scopes, "openid") {
		return invalid("invalid_scope", "The openid scope is required.")
	}
	var granted []string
	for _, s := range scopes {
		if !slices.Contains(supportedScopes(), s) {
			return invalid("invalid_scope", "One or more scopes are not configured for the authorization server resource.")
		}
		if !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	challenge := form.Get("code_challenge")
	if form.Get("code_challenge_method") != "S256" {
		return invalid("invalid_request", "code_challenge_method must be S256.")
	}
	if len(challenge) != 43 || !pkceChallengeRE.MatchString(challenge) {
		return invalid("invalid_request", "code_challenge is missing or malformed (RFC 7636 §4.2).")
	}
	return &interaction{
		clientID: client.ID, redirectURI: redirectURI, scope: strings.Join(granted, " "),
		state: form.Get("state"), nonce: form.Get("nonce"), codeChallenge: challenge,
	}, nil
}

// lookupStateHandle returns the interaction whose current or past state
// handle is sh; the caller checks, under the interaction's lock, that sh is
// still the current one.
func (p *Provider) lookupStateHandle(sh string) (*interaction, bool) {
	handle, ok := p.stateHandles.get(sh)
	if !ok {
		return nil, false
	}
	return p.interactions.get(handle)
}

// liveLocked reports whether ia can still be used, through sh when sh is
// not "".
func (p *Provider) liveLocked(ia *interaction, sh string) bool {
	return ia.stateHandle != "" && (sh == "" || sh == ia.stateHandle) && p.now().Before(ia.expires)
}

// idxExpired is Okta's answer for an unknown, expired or spent handle; the
// widget shows "You have been logged out due to inactivity" and a way back
// to the start.
func idxExpired() idxResponse {
	return idxError("The session has expired.", "idx.session.expired")
}

// handleIntrospect serves POST {origin}/idp/idx/introspect: the current
// step of an interaction, by interaction handle (how the widget resumes
// after a reload) or by state handle.
func (p *Provider) handleIntrospect() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.originAllowed(r) {
			p.writeIDX(w, http.StatusForbidden, idxError("The request comes from an origin that is not trusted.", ""))
			return
		}
		var req idxIntrospectRequest
		if !p.decodeIDX(w, r, &req) {
			return
		}
		var (
			ia *interaction
			ok bool
			sh = cmp.Or(req.StateHandle, req.StateToken)
		)
		switch {
		case req.InteractionHandle != "":
			ia, ok = p.interactions.get(req.InteractionHandle)
			sh = ""
		case sh != "":
			ia, ok = p.lookupStateHandle(sh)
		default:
			p.writeIDX(w, http.StatusBadRequest, idxError("The request names no interactionHandle or stateHandle.", ""))
			return
		}
		if !ok {
			p.writeIDX(w, http.StatusUnauthorized, idxExpired())
			return
		}
		ia.mu.Lock()
		defer ia.mu.Unlock()
		if !p.liveLocked(ia, sh) {
			p.writeIDX(w, http.StatusUnauthorized, idxExpired())
			return
		}
		p.writeIDX(w, http.StatusOK, p.stepResponse(ia))
	})
}

// idxAction runs one remediation on a live interaction, under its lock, and
// returns the status and body of the answer.
type idxAction func(w http.ResponseWriter, r *http.Request, ia *interaction, req idxRemediationRequest) (int, idxResponse)

// handleRemediation serves a remediation endpoint: it decodes the form,
// finds the interaction by its current state handle and runs act.
func (p *Provider) handleRemediation(act idxAction) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.originAllowed(r) {
			p.writeIDX(w, http.StatusForbidden, idxError("The request comes from an origin that is not trusted.", ""))
			return
		}
		var req idxRemediationRequest
		if !p.decodeIDX(w, r, &req) {
			return
		}
		ia, ok := p.lookupStateHandle(req.StateHandle)
		if !ok {
			p.writeIDX(w, http.StatusUnauthorized, idxExpired())
			return
		}
		ia.mu.Lock()
		defer ia.mu.Unlock()
		if !p.liveLocked(ia, req.StateHandle) {
			// A handle from an earlier step: replays end here.
			p.log.Warn("idx: stale state handle", "client_id", ia.clientID)
			p.writeIDX(w, http.StatusUnauthorized, idxExpired())
			return
		}
		status, resp := act(w, r, ia, req)
		p.writeIDX(w, status, resp)
	})
}

// idxWrongStep answers a remediation that the current step does not offer.
func idxWrongStep() (int, idxResponse) {
	return http.StatusBadRequest, idxError("This step is not available now. Go back to sign in and start again.", "")
}

// identify is POST /idp/idx/identify: the username, with the password on
// the same page or (two-step) alone. A username alone always leads to the
// password challenge, whether or not the account exists, so the answer
// does not tell which usernames exist.
func (p *Provider) identify(w http.ResponseWriter, r *http.Request, ia *interaction, req idxRemediationRequest) (int, idxResponse) {
	if ia.step != stepIdentify {
		return idxWrongStep()
	}
	identifier := strings.TrimSpace(req.Identifier)
	if identifier == "" {
		return http.StatusBadRequest, idxError("Enter your username.", "")
	}
	ia.identifier = identifier
	if req.Credentials == nil {
		p.advanceLocked(ia, stepPassword)
		return http.StatusOK, p.stepResponse(ia)
	}
	return p.idxPassword(w, r, ia, req.Credentials.Passcode, "errors.E0000004", "Authentication failed")
}

// challengeAnswer is POST /idp/idx/challenge/answer: the password after a
// username alone, or the one-time code after the password.
func (p *Provider) challengeAnswer(w http.ResponseWriter, r *http.Request, ia *interaction, req idxRemediationRequest) (int, idxResponse) {
	if req.Credentials == nil {
		return http.StatusBadRequest, idxError("The credentials are missing.", "")
	}
	switch ia.step {
	case stepPassword:
		return p.idxPassword(w, r, ia, req.Credentials.Passcode, "incorrectPassword", "Password is incorrect")
	case stepTOTP:
		user, res, retryAfter := p.checkSecondFactor(ia.auth.subject, req.Credentials.Passcode)
		switch res {
		case attemptLocked:
			p.log.Warn("one-time code refused: locked out", "via", "idx", "sub", ia.auth.subject, "retry_after", retryAfter)
			w.Header().Set("Retry-After", retryAfterSeconds(retryAfter))
			return http.StatusTooManyRequests, idxError("Too many wrong codes. Try again in a few minutes.", "")
		case attemptFailed:
			p.log.Warn("one-time code wrong", "via", "idx", "sub", ia.auth.subject)
			return http.StatusUnauthorized, idxError("Invalid code. Try again.", "api.authn.error.PASSCODE_INVALID")
		}
		return p.succeedLocked(r, ia, user, authentication{subject: user.Subject, authTime: p.now(), amr: amrPasswordOTP()})
	default:
		return idxWrongStep()
	}
}

// cancel is POST /idp/idx/cancel: back to the first step of the same
// interaction, under a new state handle. (The widget in the interaction
// code flow calls /v1/interact again instead; Okta offers both.)
func (p *Provider) cancel(w http.ResponseWriter, r *http.Request, ia *interaction, req idxRemediationRequest) (int, idxResponse) {
	ia.identifier, ia.auth = "", authentication{}
	p.advanceLocked(ia, stepIdentify)
	return http.StatusOK, p.stepResponse(ia)
}

// idxPassword checks the password for ia's username through the throttle.
// A wrong one keeps the step and its state handle, so the widget's retry
// works; wrongKey and wrongMessage are the widget's i18n key and text.
func (p *Provider) idxPassword(w http.ResponseWriter, r *http.Request, ia *interaction, password, wrongKey, wrongMessage string) (int, idxResponse) {
	if password == "" {
		return http.StatusBadRequest, idxError("Enter your password.", "")
	}
	user, res, retryAfter := p.checkCredentials(ia.identifier, password)
	switch res {
	case attemptLocked:
		p.log.Warn("sign-in refused: locked out", "via", "idx", p.signInAttr(ia.identifier), "retry_after", retryAfter)
		w.Header().Set("Retry-After", retryAfterSeconds(retryAfter))
		return http.StatusTooManyRequests, idxError("Too many failed sign-in attempts. Try again in a few minutes.", "")
	case attemptFailed:
		p.log.Warn("sign-in failed", "via", "idx", p.signInAttr(ia.identifier))
		return http.StatusUnauthorized, idxError(wrongMessage, wrongKey)
	}
	a := authentication{subject: user.Subject, authTime: p.now(), amr: amrPassword()}
	if user.TOTPSecret != "" {
		ia.auth = a
		p.advanceLocked(ia, stepTOTP)
		return http.StatusOK, p.stepResponse(ia)
	}
	return p.succeedLocked(r, ia, user, a)
}

// advanceLocked moves ia to step under a new state handle; the old handle
// stops working at once.
func (p *Provider) advanceLocked(ia *interaction, step idxStep) {
	p.stateHandles.remove(ia.stateHandle)
	ia.stateHandle = newStateHandle()
	p.stateHandles.putFor(ia.owner, ia.stateHandle, ia.handle)
	ia.step = step
}

// succeedLocked ends ia with an interaction code for a, which the widget
// hands to the redirect URI.
func (p *Provider) succeedLocked(r *http.Request, ia *interaction, user User, a authentication) (int, idxResponse) {
	owner := p.clientKey(r)
	s := p.startDetachedSession(owner, a)
	code, _ := p.interactionCodes.addFor(owner, codeGrant{
		owner: owner, clientID: ia.clientID, redirectURI: ia.redirectURI, scope: ia.scope, nonce: ia.nonce,
		codeChallenge: ia.codeChallenge, codeChallengeMethod: "S256", auth: s.signInTo(ia.clientID), sid: s.sid,
	})
	p.stateHandles.remove(ia.stateHandle)
	ia.stateHandle = ""
	p.interactions.remove(ia.handle)
	p.log.Info("sign-in succeeded", "via", "idx", "username", user.Login, "sub", user.Subject, "amr", a.amr,
		"client_id", ia.clientID)
	return http.StatusOK, idxResponse{
		Version: idxVersion,
		Intent:  "LOGIN",
		User:    &idxObject{Type: "object", Value: idxUser{ID: user.Subject, Identifier: user.Login}},
		SuccessWithInteractionCode: &idxForm{
			Rel: []string{"create-form"}, Name: "issue", Href: p.issuer + "/v1/token", Method: http.MethodPost,
			Accepts: "application/x-www-form-urlencoded",
			Value: []idxField{
				{Name: "grant_type", Required: true, Value: "interaction_code"},
				{Name: "interaction_code", Required: true, Value: code},
				{Name: "client_id", Required: true, Value: ia.clientID},
				{Name: "code_verifier", Required: true},
			},
		},
	}
}

// stepResponse describes ia's current step: what the widget renders.
func (p *Provider) stepResponse(ia *interaction) idxResponse {
	resp := idxResponse{
		Version:     idxVersion,
		StateHandle: ia.stateHandle,
		ExpiresAt:   ia.expires.UTC().Format("2006-01-02T15:04:05.000Z"),
		Intent:      "LOGIN",
	}
	sh := stateHandleField(ia.stateHandle)
	form := func(name, path string, relatesTo []string, fields ...idxField) idxForm {
		return idxForm{
			Rel: []string{"create-form"}, Name: name, RelatesTo: relatesTo, Href: p.origin + path, Method: http.MethodPost,
			Produces: idxResponseType, Accepts: idxRequestType, Value: append(fields, sh),
		}
	}
	passcode := func(label string, secret bool) idxField {
		return idxField{Name: "credentials", Type: "object", Required: true, Form: &idxSubForm{Value: []idxField{
			{Name: "passcode", Label: label, Required: true, Secret: secret},
		}}}
	}
	cancel := form("cancel", "/idp/idx/cancel", nil)
	user, known := p.users.lookup(ia.identifier)

	switch ia.step {
	case stepIdentify:
		resp.Remediation = &idxRemediation{Type: "array", Value: []idxForm{form("identify", "/idp/idx/identify", nil,
			idxField{Name: "identifier", Label: "Username", Required: true},
			passcode("Password", true),
		)}}
		resp.CurrentAuthenticator = &idxObject{Type: "object", Value: passwordAuthenticator()}
	case stepPassword:
		resp.Remediation = &idxRemediation{Type: "array", Value: []idxForm{form("challenge-authenticator",
			"/idp/idx/challenge/answer", []string{"$.currentAuthenticatorEnrollment"}, passcode("Password", true))}}
		resp.CurrentAuthenticatorEnrollment = &idxObject{Type: "object", Value: passwordAuthenticator()}
		resp.User = &idxObject{Type: "object", Value: idxUser{Identifier: ia.identifier}}
		resp.Cancel = &cancel
	case stepTOTP:
		resp.Remediation = &idxRemediation{Type: "array", Value: []idxForm{form("challenge-authenticator",
			"/idp/idx/challenge/answer", []string{"$.currentAuthenticatorEnrollment"}, passcode("Enter code", false))}}
		resp.CurrentAuthenticatorEnrollment = &idxObject{Type: "object", Value: idxAuthenticator{
			Type: "app", Key: "google_otp", ID: factorID(ia.auth.subject), DisplayName: "Google Authenticator",
			Methods: []idxMethod{{Type: "otp"}},
		}}
		id := ""
		if known {
			id = user.Subject
		}
		resp.User = &idxObject{Type: "object", Value: idxUser{ID: id, Identifier: ia.identifier}}
		resp.Cancel = &cancel
	}
	return resp
}

// passwordAuthenticator is the Okta password authenticator. It has no
// recover form: the widget shows "Forgot password?" only with one, and this
// provider has no password recovery.
func passwordAuthenticator() idxAuthenticator {
	return idxAuthenticator{Type: "password", Key: "okta_password", ID: "autdevpassword00001",
		DisplayName: "Password", Methods: []idxMethod{{Type: "password"}}}
}

// factorID is the id of the TOTP enrollment (Okta: factor) of the user
// subject, stable across restarts; like Okta's it starts with "uft".
func factorID(subject string) string {
	sum := sha256.Sum256([]byte("totp\x00" + subject))
	return "uft" + hex.EncodeToString(sum[:])[:17]
}

// decodeIDX reads a JSON request body into v, or answers with an IDX error
// and returns false. Requiring JSON forces a CORS preflight for
// cross-origin browser requests: an HTML form cannot send it.
func (p *Provider) decodeIDX(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "application/ion+json") {
		p.writeIDX(w, http.StatusUnsupportedMediaType, idxError("The request body must be JSON.", ""))
		return false
	}
	if err := decodeJSON(http.MaxBytesReader(w, r.Body, maxIDXBodyBytes), v); err != nil {
		status := http.StatusBadRequest
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			status = http.StatusRequestEntityTooLarge
		}
		p.writeIDX(w, status, idxError("The request body was not well-formed.", ""))
		return false
	}
	return true
}

// writeIDX is the one place IDX answers are written.
func (p *Provider) writeIDX(w http.ResponseWriter, status int, resp idxResponse) {
	body, err := json.Marshal(resp)
	if err != nil {
		p.log.Error("marshal IDX response", "err", err)
		status, body = http.StatusInternalServerError, []byte(`{"version":"1.0.0"}`)
	}
	h := w.Header()
	h.Set("Content-Type", idxResponseType)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		p.log.Debug("write response", "err", err)
	}
}
