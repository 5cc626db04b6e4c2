package web

import (
	"crypto/rand"
	"net/http"
)

// handleLogoutConfirm answers GET on the logout route: it changes nothing
// and offers a button, because a GET must never sign anyone out (a link or
// an image on another site could trigger it).
func (s *Server) handleLogoutConfirm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "logout", page{Title: "Log out", Nav: "profile"})
	})
}

// handleLogout ends the app's session, destroying it in the store so the
// old cookie never works again, then sends the browser to the provider's
// end_session_endpoint (RP-Initiated Logout) to end the provider's session
// too, with id_token_hint, post_logout_redirect_uri and state.
func (s *Server) handleLogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		idToken, err := s.sessions.SignOut(w, r)
		if err != nil {
			s.fail(w, r, appError{Status: http.StatusInternalServerError, Title: "Could not log out", Err: err,
				Message: "The session could not be ended. Try again."})
			return
		}
		// RP-Initiated Logout 1.0 section 3 echoes the state back to the
		// post-logout redirect URI; this browser's cookie remembers it, so
		// the overview says "You are signed out" only to the browser that
		// logged out (see afterLogout).
		state := rand.Text()
		http.SetCookie(w, s.logoutStateCookie(state, logoutCookieAge))
		target := pathOverview + "?state=" + state
		if rp, err := s.provider.RelyingParty(); err == nil {
			if u := rp.EndSessionURL(idToken, s.cfg.BaseURL(), state); u != "" {
				target = u
			}
		}
		s.log.InfoContext(r.Context(), "signed out", "request_id", requestID(r.Context()))
		http.Redirect(w, r, target, http.StatusFound)
	})
}
