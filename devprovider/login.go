package devprovider

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// maxFormBytes bounds the body of form posts to the provider.
const maxFormBytes = 16 << 10

// showSignIn stores req server-side and renders the hosted sign-in page. The
// form carries only the random key of the stored request; redirect_uri,
// state and the rest are never read back from the browser.
func (p *Provider) showSignIn(w http.ResponseWriter, r *http.Request, req authRequest) {
	id, _ := p.pending.addFor(p.clientKey(r), req)
	p.renderLogin(w, http.StatusOK, loginView{RequestID: id, ClientID: req.clientID, Username: req.loginHint}, req.redirectURI)
}

// handleLogin serves POST {issuer}/v1/login, the hosted sign-in form. On
// success it starts the SSO session and completes the pending authorization
// request with a code.
func (p *Provider) handleLogin() http.Handler {
	// Login CSRF would sign a victim into the attacker's account; reject
	// cross-origin browser posts (Sec-Fetch-Site / Origin, Go 1.25+).
	csrf := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := csrf.Check(r); err != nil {
			p.log.Warn("sign-in form rejected", "reason", err)
			p.renderMessage(w, http.StatusForbidden, "Request blocked", "The sign-in form was submitted from another site.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			status := http.StatusBadRequest
			if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
				status = http.StatusRequestEntityTooLarge
			}
			p.log.Warn("sign-in form unreadable", "err", err)
			p.renderMessage(w, status, "Invalid sign-in request", "The sign-in form could not be read.")
			return
		}
		id := r.PostForm.Get("request")
		req, ok := p.pending.get(id)
		if !ok {
			p.renderMessage(w, http.StatusBadRequest, "Sign-in expired",
				"This sign-in page has expired or was already used. Go back to the application and sign in again.")
			return
		}

		username, password := r.PostForm.Get("username"), r.PostForm.Get("password")
		user, res, retryAfter := p.checkCredentials(username, password)
		view := loginView{RequestID: id, ClientID: req.clientID, Username: username}
		switch res {
		case attemptLocked:
			p.log.Warn("sign-in refused: locked out", "via", "form", p.signInAttr(username), "retry_after", retryAfter)
			view.Error = "Too many failed sign-in attempts. Try again in a few minutes."
			w.Header().Set("Retry-After", retryAfterSeconds(retryAfter))
			p.renderLogin(w, http.StatusTooManyRequests, view, req.redirectURI)
			return
		case attemptFailed:
			p.log.Warn("sign-in failed", "via", "form", p.signInAttr(username))
			view.Error = "Invalid username or password."
			p.renderLogin(w, http.StatusUnauthorized, view, req.redirectURI)
			return
		}

		// Single use: a second post of the same form cannot mint a second code.
		if _, ok := p.pending.take(id); !ok {
			p.renderMessage(w, http.StatusBadRequest, "Sign-in expired",
				"This sign-in page has expired or was already used. Go back to the application and sign in again.")
			return
		}
		a := authentication{subject: user.Subject, authTime: p.now(), amr: amrPassword()}
		if user.TOTPSecret != "" {
			// The password was right; the session waits for the code.
			p.askForCode(w, r, otpPending{req: req, auth: a}, "", http.StatusOK)
			return
		}
		s := p.startSession(w, r, a)
		p.log.Info("sign-in succeeded", "via", "form", "username", user.Login, "sub", user.Subject)
		// 303 turns the POST into a GET of the redirect URI.
		p.issueCode(w, r, req, s, http.StatusSeeOther)
	})
}

// checkCredentials checks a username and password through the throttle.
func (p *Provider) checkCredentials(username, password string) (User, attemptResult, time.Duration) {
	var user User
	res, retryAfter := p.throttle.attempt(username, func() bool {
		var ok bool
		user, ok = p.users.checkPassword(username, password)
		return ok
	})
	return user, res, retryAfter
}

// signInAttr names the account of a failed sign-in for the log without
// logging what was typed, which may be a password typed into the username
// field (OWASP Logging Cheat Sheet: never log passwords). A known user is
// logged by sub. Anything else is logged as the first 8 hex digits of an
// HMAC-SHA256 of the normalized username, so repeated attempts at one name
// show up as one value; the key is random per Provider, so the log alone
// cannot confirm a guess of what was typed, as a plain hash could.
func (p *Provider) signInAttr(username string) slog.Attr {
	if u, ok := p.users.lookup(username); ok {
		return slog.String("sub", u.Subject)
	}
	mac := hmac.New(sha256.New, p.logHashKey)
	mac.Write([]byte(normalizeLogin(username))) // hash.Hash.Write never fails
	return slog.String("unknown_username_hmac", hex.EncodeToString(mac.Sum(nil)[:4]))
}

// retryAfterSeconds formats d for the Retry-After header (RFC 9110 §10.2.3).
func retryAfterSeconds(d time.Duration) string {
	secs := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}
