package devprovider

import (
	"errors"
	"net/http"
)

// userSwitch is a sessionToken, already spent, that would sign the browser
// in as someone other than the user of its current SSO session. It waits
// for that browser's user to confirm.
//
// Without the confirmation, anyone holding a sessionToken of their own
// could send a victim to /v1/authorize?...&sessionToken=T: the victim's
// provider session would silently become the attacker's, and the victim's
// next sign-in to any application would be as the attacker (login CSRF
// through the provider: RFC 9700 §4.7, OWASP's login CSRF).
type userSwitch struct {
	req  authRequest
	auth authentication
	from string // the subject of the session it would replace
}

// switchUserView is the data of the confirmation page.
type switchUserView struct {
	Stylesheet string
	Action     string
	RequestID  string
	ClientID   string
	Current    string // login of the current session's user
	Next       string // login of the sessionToken's user
}

// confirmSwitch keeps the sign-in and asks the browser's user whether to
// replace the session of the user cur with a.
func (p *Provider) confirmSwitch(w http.ResponseWriter, r *http.Request, req authRequest, cur string, a authentication) {
	from, _ := p.users.subject(cur)
	to, _ := p.users.subject(a.subject)
	id, _ := p.userSwitch.addFor(p.clientKey(r), userSwitch{req: req, auth: a, from: cur})
	p.log.Warn("sessionToken for another user than the SSO session: asking to confirm",
		"client_id", req.clientID, "sub", cur, "new_sub", a.subject)
	p.renderHTML(w, http.StatusOK, p.pages.switchUser, switchUserView{
		Stylesheet: p.stylesheet(), Action: p.issuerPath + "/v1/login/switch", RequestID: id,
		ClientID: req.clientID, Current: from.Login, Next: to.Login,
	}, formActionFor(req.redirectURI))
}

// handleSwitchUser serves POST {issuer}/v1/login/switch, the answer to the
// confirmation page. Only a same-origin post counts (another site cannot
// click "Continue" for the user), and each page answers once.
func (p *Provider) handleSwitchUser() http.Handler {
	csrf := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := csrf.Check(r); err != nil {
			p.log.Warn("switch-user form rejected", "reason", err)
			p.renderMessage(w, http.StatusForbidden, "Request blocked", "The form was submitted from another site.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			status := http.StatusBadRequest
			if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
				status = http.StatusRequestEntityTooLarge
			}
			p.renderMessage(w, status, "Invalid request", "The form could not be read.")
			return
		}
		sw, ok := p.userSwitch.take(r.PostForm.Get("request"))
		if !ok {
			p.renderMessage(w, http.StatusBadRequest, "Sign-in expired",
				"This page has expired or was already used. Go back to the application and sign in again.")
			return
		}
		switch r.PostForm.Get("decision") {
		case "switch":
			p.log.Info("user switch confirmed", "client_id", sw.req.clientID, "sub", sw.from, "new_sub", sw.auth.subject)
			p.issueCode(w, r, sw.req, p.startSession(w, r, sw.auth), http.StatusSeeOther)
		case "stay":
			p.log.Info("user switch declined", "client_id", sw.req.clientID, "sub", sw.from)
			p.authorizeFail(w, r, sw.req, &authorizeError{redirect: true, code: "access_denied",
				description: "The user stayed signed in as someone else."})
		default:
			p.renderMessage(w, http.StatusBadRequest, "Invalid request", "Choose one of the two buttons.")
		}
	})
}
