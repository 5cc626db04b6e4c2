package devprovider

import (
	"errors"
	"net/http"
)

// otpPending is a sign-in on the hosted page whose password was right and
// that waits for the user's one-time code. The authorization request it
// completes was taken from the pending sign-ins, so it can finish once.
type otpPending struct {
	req  authRequest
	auth authentication
}

// askForCode stores the sign-in under a new id, or under id when one is
// given (a retry), and renders the page that asks for the code.
func (p *Provider) askForCode(w http.ResponseWriter, r *http.Request, pend otpPending, errMsg string, status int) {
	id, _ := p.otpPending.addFor(p.clientKey(r), pend)
	p.renderOTP(w, status, id, pend, errMsg)
}

func (p *Provider) renderOTP(w http.ResponseWriter, status int, id string, pend otpPending, errMsg string) {
	user, _ := p.users.subject(pend.auth.subject)
	p.renderLoginPage(w, status, p.pages.otp, loginView{
		RequestID: id, ClientID: pend.req.clientID, Username: user.Login, Error: errMsg,
		Action: p.issuerPath + "/v1/login/otp", TOTPPage: p.TOTPPageURL(),
	}, pend.req.redirectURI)
}

// handleLoginOTP serves POST {issuer}/v1/login/otp, the second step of the
// hosted sign-in for users with a TOTP authenticator. Only a correct, fresh
// code starts the SSO session and sends the code to the client.
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
			p.renderMessage(w, http.StatusBadRequest, "Sign-in expired",
				"This sign-in page has expired or was already used. Go back to the application and sign in again.")
			return
		}
		user, res, retryAfter := p.checkSecondFactor(pend.auth.subject, r.PostForm.Get("code"))
		switch res {
		case attemptLocked:
			p.log.Warn("one-time code refused: locked out", "via", "form", "sub", pend.auth.subject, "retry_after", retryAfter)
			w.Header().Set("Retry-After", retryAfterSeconds(retryAfter))
			p.renderOTP(w, http.StatusTooManyRequests, id, pend, "Too many wrong codes. Try again in a few minutes.")
			return
		case attemptFailed:
			p.log.Warn("one-time code wrong", "via", "form", "sub", pend.auth.subject)
			p.renderOTP(w, http.StatusUnauthorized, id, pend, "That code is wrong or was already used. Enter the current code.")
			return
		}
		if _, ok := p.otpPending.take(id); !ok {
			p.renderMessage(w, http.StatusBadRequest, "Sign-in expired",
				"This sign-in page has expired or was already used. Go back to the application and sign in again.")
			return
		}
		a := authentication{subject: user.Subject, authTime: p.now(), amr: amrPasswordOTP()}
		s := p.startSession(w, r, a)
		p.log.Info("sign-in succeeded", "via", "form", "username", user.Login, "sub", user.Subject, "amr", a.amr)
		p.issueCode(w, r, pend.req, s, http.StatusSeeOther)
	})
}
