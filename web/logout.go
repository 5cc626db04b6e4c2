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
			s.fail(w, r, sessionFailure(err, appError{Status: http.StatusInternalServerError, Title: "Could not log out",
				Message: "The session could not be ended. Try again."}))
			return
		}
		target := pathOverview
		if rp, err := s.provider.RelyingParty(); err == nil {
			// RP-Initiated Logout 1.0 section 2 echoes state back; the app
			// does not check it, so any fresh random value does.
			if u := rp.EndSessionURL(idToken, s.cfg.BaseURL(), rand.Text()); u != "" {
				target = u
			}
		}
		s.log.InfoContext(r.Context(), "signed out", "request_id", requestID(r.Context()))
		http.Redirect(w, r, target, http.StatusFound)
	})
}
