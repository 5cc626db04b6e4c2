package devprovider

import "net/http"

// routes lists every route of the provider. Endpoints live under the
// issuer's path, except Okta's organization-wide ones, which live at the
// root of the origin (the Sign-In Widget derives their host from the
// issuer): the Authentication API, the Identity Engine API and the
// organization document.
func (p *Provider) routes() http.Handler {
	mux := http.NewServeMux()
	base := p.issuerPath

	// Public documents a page on a trusted origin, or a public client's,
	// may read with fetch(), without credentials: the widget reads
	// discovery first (code_challenge_methods_supported), and a
	// single-page app reads discovery and the keys.
	docs := corsPolicy{origins: p.readerOrigins, methods: []string{http.MethodGet}, headers: corsAllowedHeaders()}
	public := func(path string, h http.Handler) {
		mux.Handle("GET "+path, p.cors(h, docs))
		mux.Handle("OPTIONS "+path, p.preflight(docs))
	}
	public(base+"/.well-known/openid-configuration", p.handleDiscovery())
	public(base+"/.well-known/oauth-authorization-server", p.handleDiscovery())
	public(base+"/v1/keys", p.handleKeys())
	public("/.well-known/okta-organization", p.handleOrganization())

	// Calls a page on a trusted origin makes with credentials (cookies).
	// Only those origins get CORS headers, and the handlers refuse other
	// origins outright.
	widget := corsPolicy{origins: p.trustedOrigins, methods: []string{http.MethodPost}, headers: corsAllowedHeaders(), credentialed: true}
	credentialed := func(path string, h http.Handler) {
		mux.Handle("POST "+path, p.cors(h, widget))
		mux.Handle("OPTIONS "+path, p.preflight(widget))
	}

	// The endpoints a single-page app (a public client) calls with fetch(),
	// without credentials: only the public clients' own origins get CORS.
	// A confidential client calls them from its server, where CORS plays
	// no part.
	spa := func(methods []string, expose ...string) corsPolicy {
		return corsPolicy{origins: p.publicClientOrigins, methods: methods, headers: corsAPIHeaders(), expose: expose}
	}
	post := spa([]string{http.MethodPost})
	mux.Handle("POST "+base+"/v1/token", p.cors(p.handleToken(), post))
	mux.Handle("OPTIONS "+base+"/v1/token", p.preflight(post))
	mux.Handle("POST "+base+"/v1/revoke", p.cors(p.handleRevoke(), post))
	mux.Handle("OPTIONS "+base+"/v1/revoke", p.preflight(post))
	// okta-auth-js reads WWW-Authenticate when userinfo refuses a token.
	info := spa([]string{http.MethodGet, http.MethodPost}, "WWW-Authenticate")
	userinfo := p.cors(p.handleUserinfo(), info)
	mux.Handle("GET "+base+"/v1/userinfo", userinfo)
	mux.Handle("POST "+base+"/v1/userinfo", userinfo)
	mux.Handle("OPTIONS "+base+"/v1/userinfo", p.preflight(info))
	credentialed("/api/v1/authn", p.handleAuthn())
	credentialed("/api/v1/authn/factors/{factorID}/verify", p.handleFactorVerify())
	credentialed("/api/v1/authn/cancel", p.handleAuthnCancel())
	if p.engine == EngineIdentity {
		credentialed(base+"/v1/interact", p.handleInteract())
		credentialed("/idp/idx/introspect", p.handleIntrospect())
		credentialed("/idp/idx/identify", p.handleRemediation(p.identify))
		credentialed("/idp/idx/challenge/answer", p.handleRemediation(p.challengeAnswer))
		credentialed("/idp/idx/cancel", p.handleRemediation(p.cancel))
	}

	mux.Handle("GET "+base+"/v1/authorize", p.handleAuthorize())
	// The sign-in steps: a failed post redirects to the GET of its page.
	mux.Handle("GET "+base+"/v1/login", p.handleLoginPage())
	mux.Handle("POST "+base+"/v1/login", p.handleLogin())
	mux.Handle("GET "+base+"/v1/login/otp", p.handleLoginOTPPage())
	mux.Handle("POST "+base+"/v1/login/otp", p.handleLoginOTP())
	mux.Handle("POST "+base+"/v1/login/switch", p.handleSwitchUser())
	mux.Handle("GET "+base+"/v1/logout", p.handleLogout())
	mux.Handle("POST "+base+"/v1/logout/confirm", p.handleConfirmSignOut())
	mux.Handle("GET "+base+"/static/", http.StripPrefix(base+"/static/", p.pages.static))
	// Dev only, and only for the demo users: see TOTPPagePath.
	mux.Handle("GET "+TOTPPagePath, p.handleTOTPPage())
	// Dev only: see SessionsPagePath.
	mux.Handle("GET "+SessionsPagePath, p.handleSessionsPage())
	mux.Handle("POST "+SessionsPagePath, p.handleSignOutEverywhere())
	// Where the Sign-In Widget's help link goes: see HelpPagePath.
	mux.Handle("GET "+HelpPagePath, p.handleHelpPage())
	// Browsers ask every origin for /favicon.ico on their own; an empty
	// answer keeps a 404 out of their consoles.
	mux.Handle("GET /favicon.ico", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))

	return commonHeaders(mux)
}
