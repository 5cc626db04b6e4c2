package devprovider

import (
	"fmt"
	"net/http"
)

// SessionsPagePath is the path, at the provider's origin, of the dev-only
// page that signs the browser's user out everywhere: it ends every
// provider session of that user, in every browser and from every sign-in
// path, and tells every client those sessions signed into (back-channel
// logout tokens, front-channel iframes). It stands in for what an
// administrator does at a real provider (Okta: "Clear user sessions"), so
// single logout can be tried without one. It acts only on the user the
// browser is signed in as, and only on a same-origin POST.
const SessionsPagePath = "/dev/sessions"

// SessionsPageURL returns the absolute URL of the page at SessionsPagePath.
func (p *Provider) SessionsPageURL() string { return p.origin + SessionsPagePath }

// sessionsView is the data of the dev-only sessions page.
type sessionsView struct {
	Stylesheet string
	Action     string
	Login      string   // the browser's user, "" when not signed in
	Clients    []string // the clients this browser's session signed into
}

// handleSessionsPage serves GET /dev/sessions.
func (p *Provider) handleSessionsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := sessionsView{Stylesheet: p.stylesheet(), Action: SessionsPagePath}
		if s, ok := p.currentSession(r); ok {
			user, _ := p.users.subject(s.subject)
			v.Login, v.Clients = user.Login, s.clientIDs()
		}
		p.renderHTML(w, http.StatusOK, p.pages.sessions, v, pagePolicy{})
	})
}

// handleSignOutEverywhere serves POST /dev/sessions: the page's button.
func (p *Provider) handleSignOutEverywhere() http.Handler {
	csrf := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := csrf.Check(r); err != nil {
			p.log.Warn("sign-out-everywhere form rejected", "reason", err)
			p.renderMessage(w, http.StatusForbidden, "Request blocked", "The form was submitted from another site.")
			return
		}
		if _, ok := p.parseSmallForm(w, r); !ok {
			return
		}
		cur, ok := p.endBrowserSession(w, r)
		if !ok {
			p.renderMessage(w, http.StatusBadRequest, "Not signed in",
				"This browser is not signed in to the development provider, so there is nobody to sign out.")
			return
		}
		user, _ := p.users.subject(cur.subject)
		ended := append([]*ssoSession{cur}, p.endSessionsOf(cur.subject)...)
		p.log.Info("signed out everywhere", "sub", cur.subject, "sessions", len(ended))
		frames := p.notifyLogout(r.Context(), ended, "")
		p.finishSignOut(w, r, frames, "", "", "Signed out everywhere",
			fmt.Sprintf("%s was signed out of the development provider everywhere: %d provider session(s) ended, and the applications they signed into were told.",
				user.Login, len(ended)), http.StatusSeeOther)
	})
}
