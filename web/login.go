package web

import (
	"net/http"
)

// handleLoginRedirectPage explains the redirect flow and offers the button
// that starts it.
func (s *Server) handleLoginRedirectPage() http.Handler {
	type data struct {
		Issuer, AuthorizeURL, Callback string
		Scopes                         []string
		Ready                          bool
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := data{Issuer: s.cfg.Issuer, Callback: s.cfg.RedirectURI, Scopes: s.cfg.Scopes}
		if rp, err := s.provider.RelyingParty(); err == nil {
			d.Ready, d.AuthorizeURL = true, rp.AuthorizationEndpoint()
		}
		s.render(w, r, http.StatusOK, "login-redirect", page{Title: "Login redirect", Nav: "login-redirect", Data: d})
	})
}

// handleLoginStart begins a login: auth.Begin puts a fresh transaction
// (state, nonce, PKCE verifier, return-to) into its own encrypted cookie,
// and the browser goes to the provider's authorization endpoint. Begin
// keeps return_to only when it is a path on this origin.
func (s *Server) handleLoginStart() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rp, err := s.provider.RelyingParty()
		if err != nil {
			s.fail(w, r, providerUnavailable(err))
			return
		}
		login, err := rp.Begin(w, r, r.URL.Query().Get("return_to"))
		if err != nil {
			s.fail(w, r, appError{Status: http.StatusInternalServerError, Title: "Could not start the login", Err: err,
				Message: "The app could not create a login transaction."})
			return
		}
		http.Redirect(w, r, login.URL, http.StatusFound)
	})
}
