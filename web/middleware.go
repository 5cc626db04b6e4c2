package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/statuswriter"
)

// defaultCSP allows only the app's own scripts, styles and images: no
// inline code at all, so injected markup cannot run. form-action names the
// provider because the logout form's response redirects there, and
// browsers apply form-action to that redirect.
func defaultCSP(providerOrigin string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"form-action 'self' " + providerOrigin,
		"frame-ancestors 'none'",
		"base-uri 'none'",
	}, "; ")
}

// widgetCSP is the policy of the custom login page, which runs the Okta
// Sign-In Widget. Still no inline code: the start-up script is a static
// file and its settings a JSON data block. The page may also load the
// widget's files from assetSource ("" when the app serves them), and call
// the provider's Authentication API and discovery document (connect-src),
// which the widget does with fetch.
//
// For Okta's CDN, assetSource is the pinned release's folder, not the
// whole origin, which also serves every other release and other files: a
// source whose path ends in "/" matches only URLs under it (CSP Level 3,
// "path-part match"). The stylesheet's fonts and images are relative to
// it (../font/, ../img/), so they match too.
func widgetCSP(providerOrigin, assetSource string) string {
	self := "'self'"
	if assetSource != "" {
		self += " " + assetSource
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + self,
		"style-src " + self,
		"img-src " + self + " data:",
		"font-src " + self,
		"connect-src 'self' " + providerOrigin,
		"form-action 'self' " + providerOrigin,
		"frame-ancestors 'none'",
		"base-uri 'none'",
	}, "; ")
}

// hsts is the Strict-Transport-Security of every response when users reach
// the app over https (RFC 6797): browsers then never use plain http for
// this host or its subdomains for two years, so a network attacker
// cannot strip TLS. No "preload": that would be a decision for the
// domain's owner, not for a sample.
const hsts = "max-age=63072000; includeSubDomains"

// securityHeaders sets the headers every response carries. Pages are
// no-store: they show who is signed in and must not outlive the session
// in a cache; only /static/ may be cached (and the widget's files under
// /widget/, whose handler says so).
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	// Each value is a one-element slice made here once and shared by every
	// response, which saves an allocation per header per request. Sharing
	// is safe: nothing writes into a header's slice in place (Header.Set
	// replaces it, Header.Add reallocates a full one), and net/http copies
	// the header when it writes it.
	var (
		csp       = []string{s.csp}
		nosniff   = []string{"nosniff"}
		deny      = []string{"DENY"}
		noReferer = []string{"no-referrer"} // RFC 9700 4.2.4: a code or state in a URL never leaks
		coop      = []string{"same-origin"}
		noStore   = []string{"no-store"}
		hstsValue = []string{hsts}
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Security-Policy"] = csp
		h["X-Content-Type-Options"] = nosniff
		h["X-Frame-Options"] = deny
		h["Referrer-Policy"] = noReferer
		h["Cross-Origin-Opener-Policy"] = coop
		if s.cfg.Secure() {
			h["Strict-Transport-Security"] = hstsValue
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h["Cache-Control"] = noStore
		}
		next.ServeHTTP(w, r)
	})
}

type requestIDKey struct{}

// withRequestID gives each request a random id, returned in X-Request-Id
// and written with every log line and error page, so a user's report can
// be matched to the log.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails since Go 1.24
		id := hex.EncodeToString(b[:])
		w.Header()["X-Request-Id"] = []string{id}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// logRequests writes one line per request. It logs the path but never the
// query, which on the callback holds the code and state.
func (s *Server) logRequests(next http.Handler) http.Handler {
	h := s.log.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statuswriter.Recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		ctx := r.Context()
		if !h.Enabled(ctx, slog.LevelInfo) {
			return
		}
		// The record is made here rather than by Logger.LogAttrs, which
		// would look up its caller's program counter on every request:
		// pc 0 means no source, which the access log never shows.
		end := time.Now()
		c := clientOf(ctx)
		rc := slog.NewRecord(end, slog.LevelInfo, "request", 0)
		rc.AddAttrs(
			slog.String("request_id", requestID(ctx)),
			slog.String("client", c.Addr),
			slog.String("proto", c.Proto),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.Status),
			slog.Duration("duration", end.Sub(start)),
		)
		_ = h.Handle(ctx, rc) // a log that fails has nowhere left to report it

	})
}

// newCrossOriginProtection returns the guard of the state-changing routes
// (Go's http.CrossOriginProtection: Sec-Fetch-Site, then Origin). By
// itself it compares Origin with the request's Host, which a proxy may
// rewrite (nginx's "proxy_set_header Host $host" drops the port): behind
// such a proxy a genuine logout would be refused. The public URL is
// what browsers see, so its origin is trusted explicitly, and a POST from
// it passes whatever Host the proxy sends; any other origin still gets
// 403.
func newCrossOriginProtection(publicURL string) (*http.CrossOriginProtection, error) {
	c := http.NewCrossOriginProtection()
	if publicURL != "" {
		if err := c.AddTrustedOrigin(publicURL); err != nil {
			return nil, fmt.Errorf("web: public URL %q as a trusted origin: %w", publicURL, err)
		}
	}
	return c, nil
}

// handleCrossOriginDenied answers a state-changing request that another
// site sent (CSRF): 403 with a page that says so, and a log line with the
// client's address and the origin, so the attempt is traceable.
func (s *Server) handleCrossOriginDenied() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, appError{Status: http.StatusForbidden, Title: "Request from another site refused",
			Err: fmt.Errorf("cross-origin %s: Origin %.200q, Sec-Fetch-Site %.50q, public URL %s",
				r.Method, r.Header.Get("Origin"), r.Header.Get("Sec-Fetch-Site"), s.cfg.PublicURL()),
			Message: "This form was sent from another site, so nothing was changed. Use the button on this app's own page."})
	})
}

// isAsset reports whether path is one of the static files: the app's own
// under /static/, or the widget's local copy under /widget/.
func isAsset(path string) bool {
	return strings.HasPrefix(path, "/static/") || strings.HasPrefix(path, widgetPath)
}

// noCookiesOnAssets removes any Set-Cookie from the responses of /static/
// and /widget/. They are public and cacheable: a cookie there could be
// stored by a shared cache and handed to other users, and nothing about a
// login or a session belongs in them. It wraps everything that could add
// one, the session middleware included.
func noCookiesOnAssets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isAsset(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&cookieStripper{ResponseWriter: w}, r)
	})
}

// cookieStripper drops Set-Cookie just before the header is written.
type cookieStripper struct {
	http.ResponseWriter
	wrote bool
}

func (c *cookieStripper) strip() {
	if !c.wrote {
		c.wrote = true
		c.ResponseWriter.Header().Del("Set-Cookie")
	}
}

func (c *cookieStripper) WriteHeader(code int) {
	if code >= 100 && code < 200 {
		// An informational answer; the real header comes later.
		c.ResponseWriter.WriteHeader(code)
		return
	}
	c.strip()
	c.ResponseWriter.WriteHeader(code)
}

func (c *cookieStripper) Write(b []byte) (int, error) {
	c.strip()
	return c.ResponseWriter.Write(b)
}

func (c *cookieStripper) Unwrap() http.ResponseWriter { return c.ResponseWriter }
