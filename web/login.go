package web

import (
	"net/http"

	"github.com/okta-samples/okta-go-sample/auth"
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
		d := data{Issuer: s.cfg.Issuer, Callback: s.cfg.RedirectURI}
		if rp, err := s.provider.RelyingParty(); err == nil {
			d.Ready, d.AuthorizeURL, d.Scopes = true, rp.AuthorizationEndpoint(), rp.Scopes()
		}
		s.render(w, r, http.StatusOK, "login-redirect", page{Title: "Login redirect", Nav: "login-redirect", Data: d})
	})
}

// handleLoginStart begins a login: a fresh transaction (state, nonce, PKCE
// verifier, return-to) goes into its own encrypted cookie, and the browser
// goes to the provider's authorization endpoint.
func (s *Server) handleLoginStart() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rp, err := s.provider.RelyingParty()
		if err != nil {
			s.fail(w, r, providerUnavailable(err))
			return
		}
		returnTo := safeReturnTo(r.URL.Query().Get("return_to"))
		tx, authURL, err := rp.Begin(returnTo)
		if err != nil {
			s.fail(w, r, appError{Status: http.StatusInternalServerError, Title: "Could not start the login", Err: err,
				Message: "The app could not create a login transaction."})
			return
		}
		if err := s.tx.Save(w, r, tx); err != nil {
			s.fail(w, r, appError{Status: http.StatusInternalServerError, Title: "Could not start the login", Err: err,
				Message: "The app could not create a login transaction."})
			return
		}
		http.Redirect(w, r, authURL, http.StatusFound)
	})
}

// safeReturnTo keeps only same-origin paths, defaulting to the profile.
func safeReturnTo(p string) string {
	return auth.SafeReturnTo(p, pathProfile)
}
