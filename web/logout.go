package web

import (
	"context"
	"crypto/rand"
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
// old cookie never works again; revokes the session's access token (and
// refresh token, if any) at the provider (RFC 7009), so they stop working
// before they expire; then sends the browser to the provider's
// end_session_endpoint (RP-Initiated Logout) to end the provider's session
// too, with id_token_hint, post_logout_redirect_uri and state. A failed or
// hanging revocation is logged and does not stop the logout: auth bounds
// it by the provider timeout.
func (s *Server) handleLogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.sessions.SignOut(w, r)
		if err != nil {
			s.fail(w, r, sessionFailure(err, appError{Status: http.StatusInternalServerError, Title: "Could not log out",
				Message: "The session could not be ended. Try again."}))
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
			signedIn := &auth.Identity{RawIDToken: u.IDToken(), AccessToken: u.AccessToken(), RefreshToken: u.RefreshToken()}
			// The revocation goes on if the browser goes away.
			endSession, err := rp.Logout(context.WithoutCancel(r.Context()), signedIn, s.cfg.BaseURL(), state)
			if err != nil {
				s.log.WarnContext(r.Context(), "token revocation failed; signed out anyway",
					"request_id", requestID(r.Context()), "err", truncate(err.Error(), maxLoggedError))
			}
			if endSession != "" {
				target = endSession
			}
		}
		s.log.InfoContext(r.Context(), "signed out", "request_id", requestID(r.Context()))
		http.Redirect(w, r, target, http.StatusFound)
	})
}
