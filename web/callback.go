package web

import (
	"net/http"

	"github.com/okta-samples/okta-go-sample/session"
)

// handleCallback finishes a login when the provider sends the browser
// back. In order:
//
//  1. auth.Finish does every check of the login: it takes this browser's
//     pending login for the state (single use; unknown: 401, and no
//     token request), checks iss (RFC 9207), an error from the provider
//     and the code; exchanges the code; validates the id_token; reads
//     userinfo.
//  2. Store the profile in a new server-side session (renewed id).
//  3. Redirect to a clean URL, so the code and state leave the address
//     bar and history (RFC 9700 4.2.4).
func (s *Server) handleCallback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rp, err := s.provider.RelyingParty()
		if err != nil {
			s.fail(w, r, providerUnavailable(err))
			return
		}
		id, err := rp.Finish(r.Context(), w, r)
		if err != nil {
			s.fail(w, r, loginFailure(err))
			return
		}

		sid, _ := id.IDTokenClaims["sid"].(string)
		profile := session.Profile{
			Subject:    id.Subject,
			SID:        sid,
			Claims:     id.Claims(),
			IDToken:    id.RawIDToken,
			SignedInAt: s.now().UTC(),
		}
		if id.UserInfoErr != nil {
			profile.UserInfoNote = "The userinfo endpoint could not be read, so only the ID token's claims are shown."
			s.log.WarnContext(r.Context(), "userinfo unavailable; continuing with id_token claims",
				"request_id", requestID(r.Context()), "err", truncate(id.UserInfoErr.Error(), maxLoggedError))
		}
		if err := s.sessions.SignIn(w, r, profile); err != nil {
			s.fail(w, r, sessionFailure(err, appError{Status: http.StatusInternalServerError, Title: "Could not save the session",
				Message: "The sign-in succeeded but the session could not be saved. Try again."}))
			return
		}
		s.log.InfoContext(r.Context(), "signed in", "request_id", requestID(r.Context()), "sub", id.Subject)
		returnTo := id.ReturnTo // a same-origin path, checked by auth
		if returnTo == "" {
			returnTo = pathProfile
		}
		http.Redirect(w, r, returnTo, http.StatusFound)
	})
}
