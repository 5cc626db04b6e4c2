package devprovider

import (
	"crypto/rand"
	"net/http"
	"slices"
	"sync"
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

// ssoSession is one provider session: a user's sign-in at the provider,
// which every client it signs into shares (single sign-on). The store
// keeps it under the value of the browser's cookie; a sign-in through the
// Identity Engine API, which sets no cookie here, keeps it under a random
// key that nobody is ever given.
type ssoSession struct {
	// sid is the session's public identifier: the sid claim of its ID
	// Tokens and logout tokens (OpenID Connect Front-Channel Logout 1.0
	// §3, Back-Channel Logout 1.0 §2.4). It is never the cookie's value,
	// which is a bearer secret, while sid travels in tokens and in
	// front-channel logout URLs. It stays the same for the session's life,
	// also when the same user signs in again (prompt=login, a new
	// sessionToken), so that the clients can still be told when it ends.
	sid     string
	subject string

	mu   sync.Mutex
	auth authentication
	// clients are the ids of the clients the session signed into, in the
	// order of their first sign-in: those told when it ends (Back-Channel
	// Logout 1.0 §2.3, "Remembering Logged-In RPs").
	clients []string
}

func newSSOSession(a authentication) *ssoSession {
	return &ssoSession{sid: rand.Text(), subject: a.subject, auth: a}
}

// signInTo records that the session signs into clientID and returns the
// authentication the new tokens describe.
func (s *ssoSession) signInTo(clientID string) authentication {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.clients, clientID) {
		s.clients = append(s.clients, clientID)
	}
	return s.auth
}

// clientIDs returns the clients the session signed into.
func (s *ssoSession) clientIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.clients)
}

// reauthenticated records that the session's user proved who they are
// again, for example with prompt=login or a second factor.
func (s *ssoSession) reauthenticated(a authentication) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = a
}

// startSession signs the browser in with a and returns its session. The
// cookie always gets a fresh random value, and any session under the old
// value is dropped, so that a session id planted before sign-in is never
// promoted (session fixation, OWASP Session Management Cheat Sheet).
//
// When the browser's session was the same user's, the session goes on
// under the new value with its sid and its clients. When it was another
// user's (the user confirmed a switch), that session ends, and the clients
// it signed into are told through the back channel.
func (p *Provider) startSession(w http.ResponseWriter, r *http.Request, a authentication) *ssoSession {
	var s *ssoSession
	if old, ok := p.takeBrowserSession(r); ok && old.subject == a.subject {
		old.reauthenticated(a)
		s = old
	} else {
		if ok {
			p.notifyLogout(r.Context(), []*ssoSession{old}, "")
		}
		s = newSSOSession(a)
	}
	id, _ := p.sessions.addFor(p.clientKey(r), s)
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
	return s
}

// startDetachedSession starts a provider session that no browser cookie
// names, for a sign-in through the Identity Engine API. The widget runs
// those calls on the application's origin, usually another site, where a
// SameSite=Lax cookie set by this provider would not be stored anyway. The
// session gives the tokens a sid, so the clients can still be told when it
// ends (by the dev-only sign-out-everywhere page, or when it expires
// unnoticed).
func (p *Provider) startDetachedSession(owner string, a authentication) *ssoSession {
	s := newSSOSession(a)
	p.sessions.addFor(owner, s)
	return s
}

// currentSession returns the browser's live SSO session, if any.
func (p *Provider) currentSession(r *http.Request) (*ssoSession, bool) {
	c, err := r.Cookie(sessionCookieName)
	if err != nil {
		return nil, false
	}
	s, ok := p.sessions.get(c.Value)
	if !ok {
		return nil, false
	}
	if _, exists := p.users.subject(s.subject); !exists {
		return nil, false
	}
	return s, true
}

// takeBrowserSession removes the browser's SSO session from the store and
// returns it, if it had one.
func (p *Provider) takeBrowserSession(r *http.Request) (*ssoSession, bool) {
	c, err := r.Cookie(sessionCookieName)
	if err != nil {
		return nil, false
	}
	return p.sessions.take(c.Value)
}

// endBrowserSession deletes the browser's SSO session server-side, expires
// its cookie, and returns the session it ended, if any.
func (p *Provider) endBrowserSession(w http.ResponseWriter, r *http.Request) (*ssoSession, bool) {
	s, ok := p.takeBrowserSession(r)
	if _, err := r.Cookie(sessionCookieName); err == nil {
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
	return s, ok
}

// endSessionsOf ends every provider session of the user subject, in every
// browser and from every sign-in path, and returns them.
func (p *Provider) endSessionsOf(subject string) []*ssoSession {
	return p.sessions.removeIf(func(s *ssoSession) bool { return s.subject == subject })
}
