// Package spa serves the sample's single-page app: a static page and one
// script that sign in in the browser with Okta's own okta-auth-js (the
// authorization code flow with PKCE, as a public client), show the
// user's name, call the resource server (package api) with the access
// token and list the messages, and sign out, as Okta's React and Angular
// samples do.
//
// It is served from the app's binary on an origin of its own (its own
// port), so the API is called across origins and CORS is exercised for
// real. There is no build step: the page loads okta-auth-js's browser
// bundle from the npm package's dist/ folder (npm ci), and the app never
// runs Node. Without the package the page says how to install it.
//
// No inline script or style: the page's Content-Security-Policy allows
// scripts and styles from its own origin only, and connections to the
// provider and the API only.
package spa

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/internal/npmdist"
	"github.com/okta-samples/okta-go-sample/internal/statuswriter"
)

// AuthJSVersion is the release of @okta/okta-auth-js the app is written
// for: the one package.json pins (a test checks), the one the Sign-In
// Widget 7.49.0 bundles.
const AuthJSVersion = "7.14.5"

// authJSFile is okta-auth-js's browser bundle in its dist/ folder: the
// UMD build that defines the OktaAuth global.
const authJSFile = "okta-auth-js.min.js"

// authJSPath is where the page loads it from.
const authJSPath = "/okta-auth-js/" + authJSFile

// CallbackPath is the SPA's redirect URI path, as in Okta's React and
// Angular samples.
const CallbackPath = "/login/callback"

//go:embed templates/index.html
var indexHTML string

//go:embed static
var staticFiles embed.FS

// AuthJS says where okta-auth-js's browser bundle is; the zero value means
// it is not installed.
type AuthJS struct {
	file    string // absolute path of the bundle; "" when missing
	version string // from the package's package.json, when it says
}

// FindAuthJS finds okta-auth-js: in dir, the dist/ folder of the npm
// package, when it is set; otherwise in config.DefaultAuthJSDir under the
// working directory, where `npm ci` puts it. A configured folder without
// the bundle is an error naming the setting; a missing default is not
// (the page then says how to install it).
func FindAuthJS(dir string) (AuthJS, error) {
	explicit := dir != ""
	if !explicit {
		dir = filepath.FromSlash(config.DefaultAuthJSDir)
	}
	abs, err := filepath.Abs(dir)
	if err == nil {
		file := filepath.Join(abs, authJSFile)
		if st, serr := os.Stat(file); serr == nil && st.Mode().IsRegular() {
			return AuthJS{file: file, version: npmdist.Version(abs, "@okta/okta-auth-js")}, nil
		}
	}
	if !explicit {
		return AuthJS{}, nil
	}
	return AuthJS{}, &config.ValidationError{Problems: []config.Problem{{
		Field: "oktaSample.spa.authJsDir (OKTA_SAMPLE_AUTHJS_DIR)",
		Message: fmt.Sprintf("%q has no %s; point it at the dist/ folder of @okta/okta-auth-js (run `npm ci` and use %s)",
			dir, authJSFile, config.DefaultAuthJSDir),
	}}}
}

// Installed reports whether the bundle was found.
func (a AuthJS) Installed() bool { return a.file != "" }

// String describes the source for the log.
func (a AuthJS) String() string {
	if !a.Installed() {
		return "not installed (run npm ci)"
	}
	v := a.version
	if v == "" {
		v = "unknown version"
	}
	return fmt.Sprintf("%s (%s)", a.file, v)
}

// Config is what the single-page app needs. Every field is required but
// Logger.
type Config struct {
	// Issuer is the provider's issuer, which okta-auth-js discovers.
	Issuer string
	// ClientID is the SPA's public client at the provider.
	ClientID string
	// MessagesURL is the resource server the page calls.
	MessagesURL string
	// AuthJS is okta-auth-js's bundle; see FindAuthJS.
	AuthJS AuthJS
	// Logger writes the access log and failures; nil means none.
	Logger *slog.Logger
}

// pageConfig is the page's #spa-config block: public values only.
type pageConfig struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"clientId"`
	CallbackPath string `json:"callbackPath"`
	MessagesURL  string `json:"messagesUrl"`
	AuthJS       string `json:"authJs"`
}

// server holds what the handlers share.
type server struct {
	cfg    Config
	log    *slog.Logger
	page   []byte // the index page, rendered once: it is the same for everyone
	status int    // its status: 200, or 503 without okta-auth-js
	csp    string
	static fs.FS
}

// New returns the single-page app's handler.
func New(cfg Config) (http.Handler, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.MessagesURL == "" {
		return nil, errors.New("spa: Issuer, ClientID and MessagesURL are required")
	}
	providerOrigin, err := origin(cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("spa: issuer: %w", err)
	}
	apiOrigin, err := origin(cfg.MessagesURL)
	if err != nil {
		return nil, fmt.Errorf("spa: messages URL: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, log: cfg.Logger, static: static, csp: csp(providerOrigin, apiOrigin)}
	if s.page, err = renderIndex(cfg); err != nil {
		return nil, err
	}
	s.status = http.StatusOK
	if !cfg.AuthJS.Installed() {
		s.status = http.StatusServiceUnavailable
	}
	if v := cfg.AuthJS.version; v != "" && v != AuthJSVersion {
		s.log.Warn(fmt.Sprintf("okta-auth-js is version %s but this app pins %s; run `npm ci` to install the pinned one", v, AuthJSVersion))
	}
	return s.routes(), nil
}

// renderIndex renders the page once, at start-up.
func renderIndex(cfg Config) ([]byte, error) {
	t, err := template.New("index").Parse(indexHTML)
	if err != nil {
		return nil, fmt.Errorf("spa: parsing the page: %w", err)
	}
	data := struct {
		Config                         pageConfig
		AuthJS                         string
		Version, ClientID, MessagesURL string
	}{
		Config: pageConfig{Issuer: cfg.Issuer, ClientID: cfg.ClientID, CallbackPath: CallbackPath,
			MessagesURL: cfg.MessagesURL, AuthJS: authJSPath},
		Version: AuthJSVersion, ClientID: cfg.ClientID, MessagesURL: cfg.MessagesURL,
	}
	if cfg.AuthJS.Installed() {
		data.AuthJS = authJSPath
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("spa: rendering the page: %w", err)
	}
	return b.Bytes(), nil
}

// origin returns scheme://host of an absolute URL.
func origin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// csp is the page's Content-Security-Policy: scripts and styles from this
// origin only (no inline code), and connections (okta-auth-js's fetches
// of discovery, keys, token, userinfo and revocation, and the API call)
// to the provider's and the API's origins only. No frames: tokens are not
// renewed in hidden iframes.
func csp(providerOrigin, apiOrigin string) string {
	connect := "connect-src " + providerOrigin
	if apiOrigin != providerOrigin {
		connect += " " + apiOrigin
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		connect,
		"form-action 'none'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
	}, "; ")
}

// routes lists every route of the single-page app.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.handlePage())
	// The redirect URI: the same page, whose script finishes the login.
	mux.Handle("GET "+CallbackPath, s.handlePage())
	mux.Handle("GET /app.js", s.handleStatic("app.js"))
	mux.Handle("GET /app.css", s.handleStatic("app.css"))
	if s.cfg.AuthJS.Installed() {
		mux.Handle("GET "+authJSPath, s.handleAuthJS())
	}
	// Browsers ask for it on their own; no icon, and no 404 in the log.
	mux.Handle("GET /favicon.ico", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "404 page not found", http.StatusNotFound)
	}))
	return s.logRequests(s.securityHeaders(mux))
}

// handlePage serves the page rendered at start-up: 200, or 503 with the
// explanation when okta-auth-js is not installed.
func (s *server) handlePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(s.page)))
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(s.status)
		_, _ = w.Write(s.page) // the browser has gone; nothing left to tell it
	})
}

// handleStatic serves one embedded file.
func (s *server) handleStatic(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, s.static, name)
	})
}

// handleAuthJS serves okta-auth-js's bundle, and only that file of its
// folder.
func (s *server) handleAuthJS() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One pinned release: an hour of caching is safe.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		http.ServeFile(w, r, s.cfg.AuthJS.file)
	})
}

// securityHeaders sets the headers of every answer.
func (s *server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// The code and state are in the callback's URL until the script
		// replaces it: never send them in a Referer.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// logRequests writes one line per request: the path, never the query,
// which on the callback holds the code and state.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statuswriter.Recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "spa request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.Status), slog.Duration("duration", time.Since(start)))
	})
}
