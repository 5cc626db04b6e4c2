package web

import (
	"net/http"

	"github.com/okta-samples/okta-go-sample/config"
)

// handleOverview shows what the sample does, what to configure and the
// current configuration with the secret masked, each setting with where
// it came from.
func (s *Server) handleOverview() http.Handler {
	type data struct {
		Settings     []config.Setting
		Dev          bool
		DevOverrides []string
		DemoUsers    []DemoUser
		Issuer       string
		Callback     string
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
			},
		})
	})
}

// handleNotFound answers every path no route claims.
func (s *Server) handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, appError{Status: http.StatusNotFound, Title: "Page not found",
			Message: "There is no page at this address."})
	})
}
