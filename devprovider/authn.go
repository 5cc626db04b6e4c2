package devprovider

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// maxAuthnBytes bounds the /api/v1/authn request body.
const maxAuthnBytes = 8 << 10

// authnRequest is the primary authentication request of Okta's classic
// Authentication API (POST /api/v1/authn).
type authnRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// Options such as warnBeforePasswordExpired are accepted and ignored.
	Options json.RawMessage `json:"options"`
}

// authnResponse is the authentication transaction Okta returns.
type authnResponse struct {
	StateToken   string         `json:"stateToken,omitempty"`
	Status       string         `json:"status"`
	SessionToken string         `json:"sessionToken,omitempty"`
	ExpiresAt    string         `json:"expiresAt,omitempty"`
	Embedded     *authnEmbedded `json:"_embedded,omitempty"`
	Links        *authnLinks    `json:"_links,omitempty"`
}

type authnEmbedded struct {
	User    authnUser     `json:"user"`
	Factors []authnFactor `json:"factors,omitempty"`
}

type authnUser struct {
	ID      string       `json:"id"`
	Profile authnProfile `json:"profile"`
}

type authnProfile struct {
	Login     string `json:"login"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Locale    string `json:"locale"`
	TimeZone  string `json:"timeZone"`
}

// oktaError is the error shape of Okta's management and authentication APIs.
type oktaError struct {
	ErrorCode    string           `json:"errorCode"`
	ErrorSummary string           `json:"errorSummary"`
	ErrorLink    string           `json:"errorLink"`
	ErrorID      string           `json:"errorId"`
	ErrorCauses  []oktaErrorCause `json:"errorCauses"`
}

type oktaErrorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

func (p *Provider) writeOktaError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	e := oktaError{ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorID: "oae" + rand.Text(),
		ErrorCauses: []oktaErrorCause{}}
	for _, c := range causes {
		e.ErrorCauses = append(e.ErrorCauses, oktaErrorCause{ErrorSummary: c})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, p.log, status, e)
}

// handleAuthn serves POST /api/v1/authn, the primary authentication call
// the Okta Sign-In Widget (classic engine) makes. Success yields a
// sessionToken (see authnSuccess), or for a user with a second factor
// MFA_REQUIRED and a stateToken (see requireFactor). Neither is ever
// logged: the sessionToken travels in a URL later.
func (p *Provider) handleAuthn() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Browsers may only call this from a trusted origin; refusing the
		// others outright (not just withholding CORS headers) keeps an
		// untrusted page from guessing passwords through a visitor's browser.
		// Requiring JSON also forces a CORS preflight for cross-origin
		// browser requests: a plain HTML form cannot send it.
		var req authnRequest
		if !p.decodeAuthnJSON(w, r, &req) {
			return
		}
		var missing []string
		if req.Username == "" {
			missing = append(missing, "username: The field cannot be left blank")
		}
		if req.Password == "" {
			missing = append(missing, "password: The field cannot be left blank")
		}
		if len(missing) > 0 {
			p.writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: authRequest", missing...)
			return
		}

		user, res, retryAfter := p.checkCredentials(req.Username, req.Password)
		switch res {
		case attemptLocked:
			p.log.Warn("sign-in refused: locked out", "via", "authn", p.signInAttr(req.Username), "retry_after", retryAfter)
			w.Header().Set("Cache-Control", "no-store")
			writeJSON(w, p.log, http.StatusOK, authnResponse{Status: "LOCKED_OUT"})
			return
		case attemptFailed:
			p.log.Warn("sign-in failed", "via", "authn", p.signInAttr(req.Username))
			p.writeOktaError(w, http.StatusUnauthorized, "E0000004", "Authentication failed")
			return
		}

		a := authentication{subject: user.Subject, authTime: p.now(), amr: amrPassword()}
		if user.TOTPSecret != "" {
			p.requireFactor(w, r, user, a)
			return
		}
		p.authnSuccess(w, r, user, a)
	})
}

// authnSuccess answers a finished authentication with a sessionToken:
// single-use, valid for sessionTokenTTL and bound to the user, which
// /v1/authorize exchanges for an SSO session and a code.
func (p *Provider) authnSuccess(w http.ResponseWriter, r *http.Request, user User, a authentication) {
	token, expires := p.sessionTokens.addFor(p.clientKey(r), a)
	p.log.Info("sign-in succeeded", "via", "authn", "username", user.Login, "sub", user.Subject, "amr", a.amr)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, p.log, http.StatusOK, authnResponse{
		Status:       "SUCCESS",
		SessionToken: token,
		ExpiresAt:    expires.UTC().Format(time.RFC3339),
		Embedded:     &authnEmbedded{User: authnUserOf(user)},
	})
}

func authnUserOf(u User) authnUser {
	return authnUser{ID: u.Subject, Profile: authnProfile{
		Login: u.Login, FirstName: u.GivenName, LastName: u.FamilyName, Locale: u.Locale, TimeZone: u.ZoneInfo,
	}}
}

// decodeJSON decodes exactly one JSON object from r.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}
