package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// CORS (the Fetch standard's protocol): a browser app on another origin
// may call the API only when its Origin is exactly one of the allowed
// origins. The answer names that origin, never "*" (which would let any
// site's scripts use a token they got hold of) and never "null" (which
// sandboxed frames, file: pages and some redirects all send, so it stands
// for no one in particular). No credentials: the access token travels in
// the Authorization header, never in a cookie.

// preflightMaxAge lets a browser reuse a preflight's answer for ten
// minutes.
const preflightMaxAge = "600"

// checkOrigin reports what is wrong with an allowed origin: it must be
// exactly what browsers send in Origin, scheme://host[:port].
func checkOrigin(o string) error {
	u, err := url.Parse(o)
	switch {
	case o == "*" || o == "null":
		return fmt.Errorf("allowed origin %q: name each origin, such as http://localhost:8082", o)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "/"):
		return fmt.Errorf("allowed origin %q is not an origin such as http://localhost:8082 (a scheme, a host and a port, no path)", o)
	case o != strings.ToLower(o):
		return fmt.Errorf("allowed origin %q must be lower case, as browsers send it", o)
	}
	return nil
}

// allowedOrigin returns r's Origin when it is allowed, else "".
func (s *Server) allowedOrigin(r *http.Request) string {
	origin := r.Header.Get("Origin")
	if origin == "" || !slices.Contains(s.cfg.AllowedOrigins, origin) {
		return ""
	}
	return origin
}

// setCORS adds the CORS headers of every answer: Vary: Origin always,
// since the answer depends on it (a shared cache must not hand one
// origin's answer to another), and the allowed origin when it is one.
// The challenge is exposed so a front end can read why it was refused.
func (s *Server) setCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if origin := s.allowedOrigin(r); origin != "" {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
	}
}

// preflight answers OPTIONS. A preflight (it has Access-Control-Request-
// Method) from an allowed origin may send GET with an Authorization
// header; one from any other origin is refused with 403 and no CORS
// headers, which the browser reports as a CORS failure. An OPTIONS that is
// not a preflight gets the methods the route allows.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if r.Header.Get("Access-Control-Request-Method") == "" {
		h.Set("Allow", allowedMethods)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if s.allowedOrigin(r) == "" {
		writeJSON(w, http.StatusForbidden, map[string]string{
			"error": "origin_not_allowed", "error_description": "this origin may not call the API from a browser"})
		return
	}
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD")
	h.Set("Access-Control-Allow-Headers", "Authorization")
	h.Set("Access-Control-Max-Age", preflightMaxAge)
	w.WriteHeader(http.StatusNoContent)
}
