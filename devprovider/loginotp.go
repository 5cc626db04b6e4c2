package devprovider

import (
	"errors"
	"net/http"
)

// otpPending is a sign-in on the hosted page whose password was right and
// that waits for the user's one-time code. The authorization request it
// completes was taken from the pending sign-ins, so it can finish once.
type otpPending struct {
	req    authRequest
	auth   authentication
	notice *formNotice // after a wrong code; see formNotice
}

// handleLoginOTPPage serves GET {issuer}/v1/login/otp?request=…, the page
// that asks for the one-time code, where a correct password and a failed
// post of a code send the browser. It counts as no attempt.
func (p *Provider) handleLoginOTPPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("request")
		pend, ok := p.otpPending.get(id)
		if !ok {
			p.signInExpired(w, http.StatusNotFound)
			return
		}
		message, _ := pend.notice.get()
		user, _ := p.users.subject(pend.auth.subject)
		p.renderLoginPage(w, http.StatusOK, p.pages.otp, loginView{
			RequestID: id, ClientID: pend.req.clientID, Username: user.Login, Error: message,
			Action: p.issuerPath + "/v1/login/otp", TOTPPage: p.TOTPPageURL(),
		}, pend.req.redirectURI)
	})
}

// handleLoginOTP serves POST {issuer}/v1/login/otp, the second step of the
// hosted sign-in for users with a TOTP authenticator. Only a correct, fresh
// code starts the SSO session and sends the code to the client; a wrong
// one sends the browser back to the page.
func (p *Provider) handleLoginOTP() http.Handler {
	csrf := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := csrf.Check(r); err != nil {
			p.log.Warn("one-time code form rejected", "reason", err)
			p.renderMessage(w, http.StatusForbidden, "Request blocked", "The sign-in form was submitted from another site.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			status := http.StatusBadRequest
			if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
				status = http.StatusRequestEntityTooLarge
			}
			p.renderMessage(w, status, "Invalid sign-in request", "The sign-in form could not be read.")
			return
		}
		id := r.PostForm.Get("request")
		pend, ok := p.otpPending.get(id)
		if !ok {
			p.signInExpired(w, http.StatusBadRequest)
			return
		}
		user, res, retryAfter := p.checkSecondFactor(pend.auth.subject, r.PostForm.Get("code"))
		switch res {
		case attemptLocked:
			p.log.Warn("one-time code refused: locked out", "via", "form", "sub", pend.auth.subject, "retry_after", retryAfter)
			pend.notice.set(msgCodeLockedOut, "")
			p.seeSignInPage(w, r, "/v1/login/otp", id)
			return
		case attemptFailed:
			p.log.Warn("one-time code wrong", "via", "form", "sub", pend.auth.subject)
			pend.notice.set(msgBadCode, "")
			p.seeSignInPage(w, r, "/v1/login/otp", id)
			return
		}
		if _, ok := p.otpPending.take(id); !ok {
			p.signInExpired(w, http.StatusBadRequest)
			return
		}
		a := authentication{subject: user.Subject, authTime: p.now(), amr: amrPasswordOTP()}
		s := p.startSession(w, r, a)
		p.log.Info("sign-in succeeded", "via", "form", "username", user.Login, "sub", user.Subject, "amr", a.amr)
		p.issueCode(w, r, pend.req, s, http.StatusSeeOther)
	})
}
