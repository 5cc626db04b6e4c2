package devprovider

import (
	"context"
	"net/http"
	"net/url"
	"slices"
)

// OpenID Connect Front-Channel Logout 1.0 (Okta's Single Logout for OIDC
// apps): the page that ends a provider session loads every signed-in
// client's frontchannel_logout_uri in a hidden iframe, with iss and sid, so
// each client can end its own session for that sid; then it goes on to the
// post-logout redirect URI. A static script (static/signout.js) waits for
// the iframes' load events, or a timeout, before it moves on; without
// script, a link does.

const (
	// frontchannelWaitMillis is how long the sign-out page waits for the
	// iframes before it moves on anyway.
	frontchannelWaitMillis = 5000
	// maxFrontchannelFrames bounds the iframes of one page (a user with
	// many sessions, signed out everywhere). The back channel still
	// reaches every client of every session.
	maxFrontchannelFrames = 20
)

// logoutFrame is one front-channel logout iframe.
type logoutFrame struct {
	ClientID string
	URL      string // frontchannel_logout_uri with iss and sid
}

// notifyLogout tells the clients that sessions signed into that those
// sessions ended, except initiator: the client whose logout request ended
// the session (RP-Initiated Logout 1.0 §2) has ended its own session
// before sending the user here, and its own page flow must stay a plain
// redirect. It sends the back-channel logout tokens and waits for them (see
// sendBackchannelLogouts), and returns the front-channel iframes the
// sign-out page must render.
func (p *Provider) notifyLogout(ctx context.Context, sessions []*ssoSession, initiator string) []logoutFrame {
	var (
		notices []backchannelNotice
		frames  []logoutFrame
		dropped int
	)
	for _, s := range sessions {
		for _, id := range s.clientIDs() {
			c, ok := p.clients[id]
			if !ok || id == initiator {
				continue
			}
			if c.BackchannelLogoutURI != "" {
				notices = append(notices, backchannelNotice{client: c, subject: s.subject, sid: s.sid})
			}
			if c.FrontchannelLogoutURI != "" {
				if len(frames) == maxFrontchannelFrames {
					dropped++
					continue
				}
				frames = append(frames, logoutFrame{ClientID: id, URL: p.frontchannelURL(c, s.sid)})
			}
		}
	}
	if dropped > 0 {
		p.log.Warn("front-channel logout: too many iframes for one page; the back channel still reaches them",
			"rendered", len(frames), "dropped", dropped)
	}
	p.sendBackchannelLogouts(ctx, notices)
	return frames
}

// frontchannelURL is c's frontchannel_logout_uri with iss and sid added
// (Front-Channel Logout 1.0 §3), keeping any query it has.
func (p *Provider) frontchannelURL(c Client, sid string) string {
	u, err := url.Parse(c.FrontchannelLogoutURI)
	if err != nil {
		// Validated by New; this cannot happen.
		p.log.Error("parse frontchannel_logout_uri", "client_id", c.ID, "err", err)
		return c.FrontchannelLogoutURI
	}
	q := u.Query()
	q.Set("iss", p.issuer)
	q.Set("sid", sid)
	u.RawQuery = q.Encode()
	return u.String()
}

// signOutView is the data of the sign-out page.
type signOutView struct {
	Stylesheet string
	Script     string
	Title      string
	Message    string
	Frames     []logoutFrame
	// Continue is where the page goes once the iframes have loaded: the
	// post-logout redirect URI with its state, or "" to stay.
	Continue string
	WaitMS   int
}

// finishSignOut ends a sign-out: straight to target (with state, RP-Initiated
// Logout 1.0 §3) when no front-channel logout is due, or through the
// sign-out page with its iframes. With no target, the page says title and
// message. status is the redirect's.
func (p *Provider) finishSignOut(w http.ResponseWriter, r *http.Request, frames []logoutFrame, target, state, title, message string, status int) {
	params := url.Values{}
	if state != "" {
		params.Set("state", state)
	}
	if len(frames) == 0 {
		if target == "" {
			p.renderMessage(w, http.StatusOK, title, message)
			return
		}
		p.redirectToClient(w, r, target, params, status)
		return
	}
	continueURL := ""
	if target != "" {
		u, err := url.Parse(target)
		if err != nil {
			// Registered URIs were parsed in New; this cannot happen.
			p.log.Error("parse registered post-logout redirect URI", "err", err)
			p.renderMessage(w, http.StatusInternalServerError, "Internal error", "The provider could not send you back to the application.")
			return
		}
		q := u.Query()
		for k, v := range params {
			q[k] = v
		}
		u.RawQuery = q.Encode()
		continueURL = u.String()
		title, message = "Signing out", "Signing you out of the applications that used this sign-in…"
	}
	var origins []string
	for _, f := range frames {
		if o, err := originOf(f.URL); err == nil && !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	p.renderHTML(w, http.StatusOK, p.pages.signOut, signOutView{
		Stylesheet: p.stylesheet(), Script: p.issuerPath + "/static/signout.js",
		Title: title, Message: message, Frames: frames, Continue: continueURL, WaitMS: frontchannelWaitMillis,
	}, pagePolicy{script: true, frameSrc: origins})
}
