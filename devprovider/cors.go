package devprovider

import (
	"net/http"
	"slices"
	"strings"
)

// corsAllowedHeaders are the request headers a trusted origin may send. The
// Okta Sign-In Widget sends Content-Type and X-Okta-User-Agent-Extended.
func corsAllowedHeaders() []string {
	return []string{"accept", "content-type", "x-okta-user-agent-extended", "x-requested-with"}
}

// corsAPIHeaders are those a single-page app may send to the token,
// revocation and userinfo endpoints: okta-auth-js adds Authorization (a
// bearer token for userinfo, the Basic client id for revocation).
func corsAPIHeaders() []string { return append(corsAllowedHeaders(), "authorization") }

// corsPolicy says which browser origins may read a route's answers
// (Fetch Standard §3.2), with which methods and request headers.
type corsPolicy struct {
	origins map[string]bool // exact origins
	methods []string
	headers []string // lower case
	// credentialed lets requests that carry cookies read the answers
	// (Access-Control-Allow-Credentials); public documents and the
	// endpoints of a public client are read without them.
	credentialed bool
	// expose lists response headers the page's script may read.
	expose []string
}

// cors adds CORS response headers for an origin that is exactly one of
// pol's, as Okta does for its Trusted Origins. Any other origin gets no
// CORS headers, so browsers keep the response from its scripts.
func (p *Provider) cors(h http.Handler, pol corsPolicy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); pol.origins[origin] {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			if pol.credentialed {
				w.Header().Set("Access-Control-Allow-Credentials", "true")
			}
			if len(pol.expose) > 0 {
				w.Header().Set("Access-Control-Expose-Headers", strings.Join(pol.expose, ", "))
			}
		}
		h.ServeHTTP(w, r)
	})
}

// preflight answers CORS preflight requests (OPTIONS) for a route of
// policy pol. Other origins, methods and headers get a 403 without CORS
// headers.
func (p *Provider) preflight(pol corsPolicy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		origin := r.Header.Get("Origin")
		if !pol.origins[origin] || !slices.Contains(pol.methods, r.Header.Get("Access-Control-Request-Method")) {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		var requested []string
		for _, line := range r.Header.Values("Access-Control-Request-Headers") {
			for name := range strings.SplitSeq(line, ",") {
				if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
					requested = append(requested, name)
				}
			}
		}
		for _, name := range requested {
			if !slices.Contains(pol.headers, name) {
				w.WriteHeader(http.StatusForbidden)
				return
			}
		}
		if len(requested) == 0 {
			requested = pol.headers
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if pol.credentialed {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		h.Set("Access-Control-Allow-Methods", strings.Join(pol.methods, ", ")+", OPTIONS")
		h.Set("Access-Control-Allow-Headers", strings.Join(requested, ", "))
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}
