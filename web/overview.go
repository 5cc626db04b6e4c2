package web

import (
	"crypto/subtle"
	"net/http"

	"github.com/okta-samples/okta-go-sample/config"
)

// handleOverview shows what the sample does, whether the provider can be
// reached, what to configure and the current configuration with the
// secret masked, each setting with where it came from.
//
// It is also where the provider sends the browser back after logout, with
// the state the app sent (RP-Initiated Logout 1.0, section 3): that answer
// is checked against the browser's logout cookie and sent on to the clean
// address, which then says "You are signed out" (see signedOut).
func (s *Server) handleOverview() http.Handler {
	type data struct {
		Settings     []config.Setting
		Dev          bool
		DevOverrides []string
		DemoUsers    []DemoUser
		Issuer       string
		Callback     string
		Provider     providerState
		SignedOut    bool
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("state") {
			s.afterLogout(w, r)
			return
		}
		s.render(w, r, http.StatusOK, "overview", page{
			Title: "Overview",
			Nav:   "overview",
			Data: data{
				Settings:     s.cfg.Masked(),
				Dev:          s.cfg.Dev,
				DevOverrides: s.cfg.DevOverrides(),
				DemoUsers:    s.demoUsers,
				Issuer:       s.cfg.Issuer,
				Callback:     s.cfg.RedirectURI,
				Provider:     s.providerState(),
				SignedOut:    s.signedOut(w, r),
			},
		})
	})
}

// logoutCookie holds, for a few minutes, the state of the browser's
// logout, then the mark that it came back.
const (
	logoutCookie    = "okta_sample_logout"
	logoutReturned  = "returned"
	logoutCookieAge = 600 // seconds: time enough to sign out at the provider
)

// logoutStateCookie is the cookie that remembers a logout's state (value),
// or, with maxAge -1, deletes it.
func (s *Server) logoutStateCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: logoutCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.Secure(), SameSite: http.SameSiteLaxMode}
}

// afterLogout answers the provider's redirect after logout,
// /?state=…: the state must be the one this browser's logout sent, kept
// in its logout cookie. Either way the browser goes on to the overview's
// clean address; only a matching state makes it say "You are signed out".
func (s *Server) afterLogout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(logoutCookie)
	got := r.URL.Query().Get("state")
	if err == nil && c.Value != logoutReturned && got != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) == 1 {
		http.SetCookie(w, s.logoutStateCookie(logoutReturned, 60))
	} else {
		if err == nil {
			http.SetCookie(w, s.logoutStateCookie("", -1))
		}
		s.log.InfoContext(r.Context(), "logout return without this browser's state; no message shown", "request_id", requestID(r.Context()))
	}
	http.Redirect(w, r, pathOverview, http.StatusSeeOther)
}

// signedOut reports whether the browser just came back from its logout,
// and forgets it, so the message shows once.
func (s *Server) signedOut(w http.ResponseWriter, r *http.Request) bool {
	c, err := r.Cookie(logoutCookie)
	if err != nil || c.Value != logoutReturned {
		return false
	}
	http.SetCookie(w, s.logoutStateCookie("", -1))
	return true
}

// handleNotFound answers every path no route claims.
func (s *Server) handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, appError{Status: http.StatusNotFound, Title: "Page not found",
			Message: "There is no page at this address."})
	})
}
