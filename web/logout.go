package web

import (
	"net/http"

	"github.com/okta-samples/okta-go-sample/auth"
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
		target := pathOverview
		if rp, err := s.provider.RelyingParty(); err == nil {
			state, err := auth.RandomState()
			if err != nil {
				s.fail(w, r, appError{Status: http.StatusInternalServerError, Title: "Could not log out of the provider", Err: err,
					Message: "Your session here has ended, but the provider's logout could not be started."})
				return
			}
			if u := rp.EndSessionURL(idToken, s.cfg.BaseURL(), state); u != "" {
				target = u
			}
		}
		s.log.InfoContext(r.Context(), "signed out", "request_id", requestID(r.Context()))
		http.Redirect(w, r, target, http.StatusFound)
	})
}
