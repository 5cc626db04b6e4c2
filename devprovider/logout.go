package devprovider

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// pendingSignOut is a logout request that would end another user's session
// than the one its id_token_hint names, waiting for the browser's user to
// confirm.
type pendingSignOut struct {
	clientID string // the hint's audience
	target   string // post_logout_redirect_uri, checked; may be ""
	state    string
	sid      string // the session the user is asked about
}

// signOutConfirmView is the data of the confirmation page.
type signOutConfirmView struct {
	Stylesheet string
	Action     string
	RequestID  string
	ClientID   string
	Current    string // login of the browser's session
}

// handleLogout serves GET {issuer}/v1/logout (OpenID Connect RP-Initiated
// Logout 1.0 §2). Like Okta it requires id_token_hint, which names the
// client and so the post_logout_redirect_uri values it may use.
//
// A valid hint proves only that this provider once signed that ID Token:
// expired hints are accepted (§2: signing out usually happens after the ID
// Token expired), and the app puts the hint in a URL, where it can leak. So
// a hint alone never ends another user's session: the session ends at once
// only when the hint's sub is its user's; otherwise the provider asks the
// browser's user on its own page (§2 leaves it to the provider to ask the
// user whether to sign out of it).
//
// Ending a session tells the other clients it signed into: back-channel
// logout tokens, sent before the answer, and front-channel iframes on the
// page that answers.
func (p *Provider) handleLogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for _, values := range q {
			if len(values) > 1 {
				p.renderMessage(w, http.StatusBadRequest, "Invalid sign-out request", "A parameter was repeated.")
				return
			}
		}
		hint := q.Get("id_token_hint")
		if hint == "" {
			p.renderMessage(w, http.StatusBadRequest, "Invalid sign-out request",
				"The sign-out request has no id_token_hint. Sign out from the application instead.")
			return
		}
		h, err := p.verifyIDTokenHint(hint)
		if err != nil {
			p.log.Warn("sign-out refused: bad id_token_hint", "err", err)
			p.renderMessage(w, http.StatusBadRequest, "Invalid sign-out request",
				"The sign-out request was not issued by a known application.")
			return
		}
		target := q.Get("post_logout_redirect_uri")
		// Exact match against the hint's client, like redirect_uri at
		// authorize: anything else would be an open redirector.
		if target != "" && !slices.Contains(p.clients[h.clientID].PostLogoutRedirectURIs, target) {
			p.log.Warn("sign-out refused: unregistered post_logout_redirect_uri", "client_id", h.clientID)
			p.renderMessage(w, http.StatusBadRequest, "Invalid sign-out request",
				"The post_logout_redirect_uri is not registered for the application.")
			return
		}
		state := q.Get("state")

		cur, signedIn := p.currentSession(r)
		if signedIn && cur.subject != h.subject {
			p.confirmSignOut(w, r, pendingSignOut{clientID: h.clientID, target: target, state: state, sid: cur.sid}, cur)
			return
		}
		var frames []logoutFrame
		if s, ended := p.endBrowserSession(w, r); ended {
			p.log.Info("signed out", "client_id", h.clientID, "sub", s.subject)
			frames = p.notifyLogout(r.Context(), []*ssoSession{s}, h.clientID)
		} else {
			p.log.Info("sign-out: no provider session to end", "client_id", h.clientID)
		}
		p.finishSignOut(w, r, frames, target, state,
			"Signed out", "You have been signed out of the development provider.", http.StatusFound)
	})
}

// confirmSignOut keeps the logout request and asks the browser's user
// whether to end the session of cur, which is not the hint's user.
func (p *Provider) confirmSignOut(w http.ResponseWriter, r *http.Request, pend pendingSignOut, cur *ssoSession) {
	user, _ := p.users.subject(cur.subject)
	id, _ := p.signOuts.addFor(p.clientKey(r), pend)
	p.log.Warn("sign-out request for another user than the browser's session: asking to confirm",
		"client_id", pend.clientID, "sub", cur.subject)
	policy := pagePolicy{}
	if pend.target != "" {
		policy = formActionFor(pend.target)
	}
	p.renderHTML(w, http.StatusOK, p.pages.confirmSignOut, signOutConfirmView{
		Stylesheet: p.stylesheet(), Action: p.issuerPath + "/v1/logout/confirm", RequestID: id,
		ClientID: pend.clientID, Current: user.Login,
	}, policy)
}

// handleConfirmSignOut serves POST {issuer}/v1/logout/confirm, the answer
// to the confirmation page. Only a same-origin post counts (another site
// cannot click "Sign out" for the user), and each page answers once. The
// session ends only if it is still the one the page asked about.
func (p *Provider) handleConfirmSignOut() http.Handler {
	csrf := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := csrf.Check(r); err != nil {
			p.log.Warn("sign-out confirmation rejected", "reason", err)
			p.renderMessage(w, http.StatusForbidden, "Request blocked", "The form was submitted from another site.")
			return
		}
		form, ok := p.parseSmallForm(w, r)
		if !ok {
			return
		}
		pend, ok := p.signOuts.take(form.Get("request"))
		if !ok {
			p.renderMessage(w, http.StatusBadRequest, "Sign-out expired",
				"This page has expired or was already used. Sign out from the application again.")
			return
		}
		switch form.Get("decision") {
		case "signout":
			var frames []logoutFrame
			if cur, signedIn := p.currentSession(r); signedIn && cur.sid == pend.sid {
				if s, ended := p.endBrowserSession(w, r); ended {
					p.log.Info("signed out after confirmation", "client_id", pend.clientID, "sub", s.subject)
					// The session was not the hint's user's, so its
					// clients did not ask for this: tell every one.
					frames = p.notifyLogout(r.Context(), []*ssoSession{s}, "")
				}
			} else {
				p.log.Info("sign-out confirmed, but the session had already changed", "client_id", pend.clientID)
			}
			p.finishSignOut(w, r, frames, pend.target, pend.state,
				"Signed out", "You have been signed out of the development provider.", http.StatusSeeOther)
		case "stay":
			p.log.Info("sign-out declined", "client_id", pend.clientID)
			p.finishSignOut(w, r, nil, pend.target, pend.state,
				"Still signed in", "You are still signed in to the development provider.", http.StatusSeeOther)
		default:
			p.renderMessage(w, http.StatusBadRequest, "Invalid request", "Choose one of the two buttons.")
		}
	})
}

// parseSmallForm reads a bounded form post, or answers with an error page
// and returns false.
func (p *Provider) parseSmallForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			status = http.StatusRequestEntityTooLarge
		}
		p.renderMessage(w, status, "Invalid request", "The form could not be read.")
		return nil, false
	}
	return r.PostForm, true
}

// idTokenHint is what a verified id_token_hint says.
type idTokenHint struct {
	clientID string // its only audience
	subject  string
}

// verifyIDTokenHint checks that hint is an ID Token this provider signed,
// with one of its published keys, and returns its audience and subject.
// Expired tokens are accepted as hints (RP-Initiated Logout §2; Okta does
// the same): signing out usually happens after the ID Token has expired.
func (p *Provider) verifyIDTokenHint(hint string) (idTokenHint, error) {
	tok, err := jwt.ParseSigned(hint, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return idTokenHint{}, fmt.Errorf("parse: %w", err)
	}
	if len(tok.Headers) != 1 {
		return idTokenHint{}, errors.New("expected exactly one signature")
	}
	// An access token or a logout token is signed with the same keys but
	// is not an ID Token: its type tells them apart (RFC 8725 §3.11).
	if typ, _ := tok.Headers[0].ExtraHeaders[jose.HeaderType].(string); typ != typIDToken {
		return idTokenHint{}, fmt.Errorf("typ %q is not an ID Token's", typ)
	}
	key, ok := p.keys.publicKey(tok.Headers[0].KeyID)
	if !ok {
		return idTokenHint{}, errors.New("unknown kid")
	}
	var c struct {
		Issuer   string       `json:"iss"`
		Subject  string       `json:"sub"`
		Audience jwt.Audience `json:"aud"`
	}
	if err := tok.Claims(key, &c); err != nil {
		return idTokenHint{}, fmt.Errorf("verify signature: %w", err)
	}
	if c.Issuer != p.issuer {
		return idTokenHint{}, errors.New("wrong issuer")
	}
	if len(c.Audience) != 1 {
		return idTokenHint{}, errors.New("expected exactly one audience")
	}
	if _, known := p.clients[c.Audience[0]]; !known {
		return idTokenHint{}, errors.New("unknown audience")
	}
	if c.Subject == "" {
		return idTokenHint{}, errors.New("no subject")
	}
	return idTokenHint{clientID: c.Audience[0], subject: c.Subject}, nil
}
