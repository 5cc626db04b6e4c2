package testprovider

import (
	"net/http"
	"slices"
)

// handleOrganization serves Okta's organization document, which tells
// the engine (Config.Engine).
func (p *Provider) handleOrganization(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id":       "00o-testprovider",
		"pipeline": p.cfg.Engine,
		"_links":   map[string]any{"organization": map[string]string{"href": p.srv.URL}},
	})
}

// handleAuthn answers the Authentication API as Okta does a request
// without a username: with an error object, touching no account.
func (p *Provider) handleAuthn(w http.ResponseWriter, r *http.Request) {
	p.allowOrigin(w, r)
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"errorCode":    "E0000001",
		"errorSummary": "Api validation failed: username",
	})
}

// handlePreflight answers a CORS preflight for a POST with JSON, as Okta
// does for its Trusted Origins: the origin and credentials allowed for a
// trusted origin, a 403 without CORS headers for any other (or for every
// origin, with Misbehaviour.NoCORS).
func (p *Provider) handlePreflight(w http.ResponseWriter, r *http.Request) {
	if !p.allowOrigin(w, r) || r.Header.Get("Access-Control-Request-Method") != http.MethodPost {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "accept, content-type, x-okta-user-agent-extended")
	w.WriteHeader(http.StatusNoContent)
}

// allowOrigin adds the CORS headers for a trusted origin and reports
// whether it did.
func (p *Provider) allowOrigin(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if p.misbehaviour().NoCORS || origin == "" || !slices.Contains(p.cfg.TrustedOrigins, origin) {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Set("Access-Control-Allow-Credentials", "true")
	return true
}
