package devprovider

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// maxFormBytes bounds the body of form posts to the provider.
const maxFormBytes = 16 << 10

// maxRememberedUsername bounds the typed username a sign-in keeps to fill
// in again after a failed attempt; a longer one is not kept.
const maxRememberedUsername = 256

// pendingSignIn is an authorization request waiting on the hosted sign-in
// page, with what that page says after a failed attempt.
type pendingSignIn struct {
	req    authRequest
	notice *formNotice
}

// formNotice is what a step of the hosted sign-in shows after a failed
// post. The post is answered with a redirect to a GET of the step's page
// (Post/Redirect/Get), so that reloading the page never posts the form,
// and its password, again. The message and the typed username wait here,
// server-side, for that GET: the URL carries only the sign-in's random key.
type formNotice struct {
	mu       sync.Mutex
	message  string
	username string
}

func newFormNotice() *formNotice { return &formNotice{} }

// set records the outcome of a failed post. username is what was typed,
// shown again in the form; never pass a password.
func (n *formNotice) set(message, username string) {
	if len(username) > maxRememberedUsername {
		username = ""
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.message, n.username = message, username
}

// get returns the message and username of the last failed post, if any.
// Reading them changes nothing, so a reload shows the same page.
func (n *formNotice) get() (message, username string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.message, n.username
}

// Messages of the hosted sign-in steps.
const (
	msgBadCredentials = "Invalid username or password."
	msgLockedOut      = "Too many failed sign-in attempts. Try again in a few minutes."
	msgBadCode        = "That code is wrong or was already used. Enter the current code."
	msgCodeLockedOut  = "Too many wrong codes. Try again in a few minutes."
	msgSignInExpired  = "This sign-in page has expired or was already used. Go back to the application and sign in again."
)

// showSignIn stores req server-side and renders the hosted sign-in page. The
// form carries only the random key of the stored request; redirect_uri,
// state and the rest are never read back from the browser.
func (p *Provider) showSignIn(w http.ResponseWriter, r *http.Request, req authRequest) {
	id, _ := p.pending.addFor(p.clientKey(r), pendingSignIn{req: req, notice: newFormNotice()})
	p.renderLogin(w, http.StatusOK, loginView{RequestID: id, ClientID: req.clientID, Username: req.loginHint}, req.redirectURI)
}

// signInPageURL is the path of the GET that shows the sign-in page of the
// pending sign-in id; stepPath is "/v1/login" or "/v1/login/otp".
func (p *Provider) signInPageURL(stepPath, id string) string {
	return p.issuerPath + stepPath + "?" + url.Values{"request": {id}}.Encode()
}

// seeSignInPage answers a failed post of a sign-in step with a 303 to the
// GET of its page (Post/Redirect/Get, RFC 9110 §15.4.4).
func (p *Provider) seeSignInPage(w http.ResponseWriter, r *http.Request, stepPath, id string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.signInPageURL(stepPath, id), http.StatusSeeOther)
}

// signInExpired is the answer to a sign-in step whose pending sign-in is
// gone: expired, used, or never there.
func (p *Provider) signInExpired(w http.ResponseWriter, status int) {
	p.renderMessage(w, status, "Sign-in expired", msgSignInExpired)
}

// handleLoginPage serves GET {issuer}/v1/login?request=…, the hosted
// sign-in page of a pending sign-in, where a failed post sends the browser.
// It shows the outcome of the last attempt and counts as no attempt.
func (p *Provider) handleLoginPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("request")
		ps, ok := p.pending.get(id)
		if !ok {
			p.signInExpired(w, http.StatusNotFound)
			return
		}
		message, username := ps.notice.get()
		if username == "" {
			username = ps.req.loginHint
		}
		p.renderLogin(w, http.StatusOK, loginView{RequestID: id, ClientID: ps.req.clientID, Username: username, Error: message},
			ps.req.redirectURI)
	})
}

// handleLogin serves POST {issuer}/v1/login, the hosted sign-in form. On
// success it starts the SSO session and completes the pending authorization
// request with a code; on failure it sends the browser back to the page.
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
		ps, ok := p.pending.get(id)
		if !ok {
			p.signInExpired(w, http.StatusBadRequest)
			return
		}

		username, password := r.PostForm.Get("username"), r.PostForm.Get("password")
		user, res, retryAfter := p.checkCredentials(username, password)
		switch res {
		case attemptLocked:
			p.log.Warn("sign-in refused: locked out", "via", "form", p.signInAttr(username), "retry_after", retryAfter)
			ps.notice.set(msgLockedOut, username)
			p.seeSignInPage(w, r, "/v1/login", id)
			return
		case attemptFailed:
			p.log.Warn("sign-in failed", "via", "form", p.signInAttr(username))
			ps.notice.set(msgBadCredentials, username)
			p.seeSignInPage(w, r, "/v1/login", id)
			return
		}

		// Single use: a second post of the same form cannot mint a second code.
		if _, ok := p.pending.take(id); !ok {
			p.signInExpired(w, http.StatusBadRequest)
			return
		}
		a := authentication{subject: user.Subject, authTime: p.now(), amr: amrPassword()}
		if user.TOTPSecret != "" {
			// The password was right; the session waits for the code, on a
			// page of its own that a reload does not post the password to.
			otpID, _ := p.otpPending.addFor(p.clientKey(r), otpPending{req: ps.req, auth: a, notice: newFormNotice()})
			p.seeSignInPage(w, r, "/v1/login/otp", otpID)
			return
		}
		s := p.startSession(w, r, a)
		p.log.Info("sign-in succeeded", "via", "form", "username", user.Login, "sub", user.Subject)
		// 303 turns the POST into a GET of the redirect URI.
		p.issueCode(w, r, ps.req, s, http.StatusSeeOther)
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
