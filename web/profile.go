package web

import (
	"net/http"
	"net/url"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/session"
)

// handleProfile shows the signed-in user's claims, each once, with where
// it came from. Without a session it starts a login that returns here.
func (s *Server) handleProfile() http.Handler {
	type data struct {
		Profile session.Profile
		Sources map[string]string
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok, err := s.sessions.Profile(r.Context())
		if err != nil {
			s.fail(w, r, appError{Status: http.StatusInternalServerError, Title: "Could not read the session", Err: err,
				Message: "Your session could not be read. Log out and sign in again."})
			return
		}
		if !ok {
			http.Redirect(w, r, pathLogin+"?return_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		s.render(w, r, http.StatusOK, "profile", page{Title: "Profile", Nav: "profile", Data: data{
			Profile: p,
			Sources: map[string]string{
				auth.SourceIDToken:  "ID token",
				auth.SourceUserInfo: "userinfo",
				auth.SourceBoth:     "ID token and userinfo",
				auth.SourceConflict: "ID token (userinfo differs)",
			},
		}})
	})
}
