package devprovider

import (
	"net/http"
	"slices"
	"time"
)

// sessionCookieName names the provider's single sign-on cookie. Cookies are
// not isolated by port, so an app on localhost:8080 and this provider on
// localhost:8081 share a cookie jar: the name is specific to avoid clashes.
const sessionCookieName = "devprovider_sid"

// authentication records that a user proved who they are, and when. It is
// what an SSO session and a sessionToken carry; auth_time in the ID Token
// comes from it (OIDC Core §2).
type authentication struct {
	subject  string
	authTime time.Time
	// amr lists the methods used (RFC 8176), for the id_token's amr claim;
	// nil means a password alone.
	amr []string
}

// methods returns a.amr, or a password alone when a.amr is empty.
func (a authentication) methods() []string {
	if len(a.amr) == 0 {
		return amrPassword()
	}
	return slices.Clone(a.amr)
}

// startSession ends any session the browser already has server-side, then
// creates a new one with a fresh random id (so a session id planted before
// sign-in is never promoted: session fixation, OWASP Session Management
// Cheat Sheet).
func (p *Provider) startSession(w http.ResponseWriter, r *http.Request, a authentication) {
	if old, err := r.Cookie(sessionCookieName); err == nil {
		p.sessions.remove(old.Value)
	}
	id, _ := p.sessions.addFor(p.clientKey(r), a)
	http.SetCookie(w, &http.Cookie{
		Name:  sessionCookieName,
		Value: id,
		Path:  "/",
		// MaxAge, not Expires: it does not depend on the browser's clock
		// agreeing with the provider's (Config.Now).
		MaxAge:   int(ssoSessionTTL / time.Second),
		HttpOnly: true,
		Secure:   p.secureCookies,
		// Lax: the cookie comes along on the top-level GET to /v1/authorize
		// from the app, which is what makes single sign-on work, but not on
		// cross-site POSTs.
		SameSite: http.SameSiteLaxMode,
	})
}

// currentSession returns the browser's live SSO session, if any.
func (p *Provider) currentSession(r *http.Request) (authentication, bool) {
	c, err := r.Cookie(sessionCookieName)
	if err != nil {
		return authentication{}, false
	}
	a, ok := p.sessions.get(c.Value)
	if !ok {
		return authentication{}, false
	}
	if _, exists := p.users.subject(a.subject); !exists {
		return authentication{}, false
	}
	return a, true
}

// endSession deletes the browser's SSO session server-side and expires its
// cookie.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookieName)
	if err != nil {
		return
	}
	p.sessions.remove(c.Value)
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   p.secureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}
