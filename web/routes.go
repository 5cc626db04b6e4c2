package web

import (
	"net/http"
	"strings"

	"github.com/okta-samples/okta-go-sample/api"
)

// Route paths other than the callback, whose path comes from the
// configured redirect URI.
const (
	pathOverview      = "/"
	pathLoginRedirect = "/authorization-code/login-redirect"
	pathLogin         = "/authorization-code/login"
	pathLoginCustom   = "/authorization-code/login-custom"
	pathProfile       = "/authorization-code/profile"
	pathReport        = "/authorization-code/report"
	pathLogout        = "/authorization-code/logout"
	pathCallAPI       = "/authorization-code/call-api"
	pathHealth        = "/healthz"
	// The logout notices of the provider (single logout): a client's
	// frontchannel_logout_uri and backchannel_logout_uri.
	pathFrontchannelLogout = "/authorization-code/frontchannel-logout"
	pathBackchannelLogout  = "/authorization-code/backchannel-logout"
)

// CookiePath is the path for auth's transaction cookies
// (auth.Config.CookiePath): the longest folder that covers the callback at
// callbackPath and every route that starts a login, so the callback sees
// the cookies and each login route sees the old ones to prune them.
func CookiePath(callbackPath string) string {
	return commonFolder(pathLogin, pathLoginCustom, callbackPath)
}

// commonFolder returns the longest path ending in a slash that is a
// prefix of all of paths.
func commonFolder(paths ...string) string {
	if len(paths) == 0 {
		return "/"
	}
	dir := func(p string) string { return p[:strings.LastIndex(p, "/")+1] }
	common := dir(paths[0])
	for _, p := range paths[1:] {
		for !strings.HasPrefix(dir(p), common) {
			common = dir(strings.TrimSuffix(common, "/"))
		}
	}
	if common == "" {
		return "/"
	}
	return common
}

// routes lists every route of the app in one place.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Every state-changing route a browser uses is a POST behind
	// cross-origin protection (Sec-Fetch-Site / Origin checks, Go 1.25+),
	// which stops CSRF; Origin is compared with the public URL (see
	// newCrossOriginProtection). The provider's logout notices below are
	// the exceptions, each for its reason.
	csrf := s.crossOrigin

	mux.Handle("GET "+pathOverview+"{$}", s.handleOverview())
	mux.Handle("GET "+pathLoginRedirect, s.handleLoginRedirectPage())
	mux.Handle("GET "+pathLogin, s.handleLoginStart())
	mux.Handle("GET "+pathLoginCustom, s.handleLoginCustomPage())
	if s.widget.Local() {
		mux.Handle("GET "+widgetPath, s.handleWidgetAssets())
	}
	mux.Handle("GET "+s.cfg.CallbackPath(), s.handleCallback())
	mux.Handle("GET "+pathProfile, s.handleProfile())
	mux.Handle("GET "+pathReport, s.handleReport())
	mux.Handle("GET "+pathLogout, s.handleLogoutConfirm())
	mux.Handle("POST "+pathLogout, csrf.Handler(s.handleLogout()))
	// POST, since it may refresh and rotate the session's tokens.
	mux.Handle("POST "+pathCallAPI, csrf.Handler(s.handleCallAPI()))
	// The provider's logout notices. The front channel is a GET in the
	// provider's iframe, the one page that may be framed (by the provider
	// alone); the back channel is a POST from the provider's server, with
	// no browser and so no Origin to check: the token's signature is the
	// proof, and the route is bounded in size and rate instead.
	mux.Handle("GET "+pathFrontchannelLogout, s.handleFrontchannelLogout())
	mux.Handle("POST "+pathBackchannelLogout, s.handleBackchannelLogout())
	mux.Handle("GET "+pathHealth, s.handleHealth())
	if s.api != nil {
		// The resource server (package api): GET with a Bearer token, the
		// CORS preflight (OPTIONS) of a browser app on another origin, and
		// 405 for any other method. It changes nothing, so it has no CSRF
		// guard; cookies give it nothing either.
		mux.Handle(api.MessagesPath, s.api)
	}
	mux.Handle("GET /static/", s.handleStatic())
	// Browsers ask for /favicon.ico on their own; without it every page
	// view would log a 404.
	mux.Handle("GET /favicon.ico", http.RedirectHandler("/static/favicon.ico", http.StatusMovedPermanently))
	mux.Handle("/", s.handleNotFound())

	// No session middleware: the pages that show or change who is signed
	// in ask s.sessions themselves, and the rest (/static/, /widget/,
	// /healthz, /favicon.ico) never touch the session store, so they never
	// cost a store read nor carry a Set-Cookie.
	var h http.Handler = mux
	h = s.securityHeaders(h)
	h = noCookiesOnAssets(h)
	h = s.logRequests(h)
	h = s.withClient(h)
	h = withRequestID(h)
	return h
}
