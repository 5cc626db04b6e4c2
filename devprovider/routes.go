package devprovider

import "net/http"

// routes lists every route of the provider. Endpoints live under the
// issuer's path, except Okta's Authentication API, which lives at the root
// of the origin (the Sign-In Widget derives it from the issuer).
func (p *Provider) routes() http.Handler {
	mux := http.NewServeMux()
	base := p.issuerPath

	// Routes a browser on a trusted origin may call with fetch().
	withCORS := func(method, path string, h http.Handler) {
		mux.Handle(method+" "+path, p.cors(h))
		mux.Handle("OPTIONS "+path, p.preflight(method))
	}
	withCORS(http.MethodGet, base+"/.well-known/openid-configuration", p.handleDiscovery())
	withCORS(http.MethodGet, base+"/.well-known/oauth-authorization-server", p.handleDiscovery())
	withCORS(http.MethodGet, base+"/v1/keys", p.handleKeys())
	withCORS(http.MethodPost, "/api/v1/authn", p.handleAuthn())

	mux.Handle("GET "+base+"/v1/authorize", p.handleAuthorize())
	mux.Handle("POST "+base+"/v1/login", p.handleLogin())
	mux.Handle("POST "+base+"/v1/token", p.handleToken())
	userinfo := p.handleUserinfo()
	mux.Handle("GET "+base+"/v1/userinfo", userinfo)
	mux.Handle("POST "+base+"/v1/userinfo", userinfo)
	mux.Handle("GET "+base+"/v1/logout", p.handleLogout())
	mux.Handle("GET "+base+"/static/", http.StripPrefix(base+"/static/", p.pages.static))
	// Browsers ask every origin for /favicon.ico on their own; an empty
	// answer keeps a 404 out of their consoles.
	mux.Handle("GET /favicon.ico", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))

	return commonHeaders(mux)
}
