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

// cors adds CORS response headers (Fetch Standard §3.2) for an origin that is
// exactly one of Config.TrustedOrigins, as Okta does for its Trusted
// Origins. Any other origin gets no CORS headers, so browsers keep the
// response from its scripts. With credentialed, the response may also be
// read by requests that carry cookies (Access-Control-Allow-Credentials);
// public documents such as discovery are read without them and do not
// need it.
func (p *Provider) cors(h http.Handler, credentialed bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); p.trustedOrigins[origin] {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			if credentialed {
				w.Header().Set("Access-Control-Allow-Credentials", "true")
			}
		}
		h.ServeHTTP(w, r)
	})
}

// preflight answers CORS preflight requests (OPTIONS) for a route that
// allows method, credentialed or not as for cors. Untrusted origins, other
// methods and headers outside corsAllowedHeaders get a 403 without CORS
// headers.
func (p *Provider) preflight(method string, credentialed bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		origin := r.Header.Get("Origin")
		if !p.trustedOrigins[origin] || r.Header.Get("Access-Control-Request-Method") != method {
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
			if !slices.Contains(corsAllowedHeaders(), name) {
				w.WriteHeader(http.StatusForbidden)
				return
			}
		}
		if len(requested) == 0 {
			requested = corsAllowedHeaders()
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if credentialed {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		h.Set("Access-Control-Allow-Methods", method+", OPTIONS")
		h.Set("Access-Control-Allow-Headers", strings.Join(requested, ", "))
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}
