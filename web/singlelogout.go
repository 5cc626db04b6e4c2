package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/okta-samples/okta-go-sample/auth"
)

// Single logout: the provider tells the app that a user signed out
// somewhere else (another app, the provider's own page), and the app ends
// its sessions of that provider session. Two channels, and both end every
// matching session in the store, so on every replica that shares it:
//
//   - front channel (OpenID Connect Front-Channel Logout 1.0, Okta's
//     Single Logout): the provider's sign-out page loads
//     frontchannel_logout_uri?iss=…&sid=… in a hidden iframe;
//   - back channel (OpenID Connect Back-Channel Logout 1.0): the provider
//     POSTs a signed logout_token to backchannel_logout_uri, server to
//     server.

// maxSIDLen bounds the sid the front channel accepts. Okta's are about 20
// characters; anything this long is not one, and is refused before it
// reaches the store.
const maxSIDLen = 256

// frontchannelCSP is the policy of the front-channel logout page: nothing
// to load, and framing allowed for the provider's origin alone, the page
// that loads it in its iframe. Every other page keeps frame-ancestors
// 'none' (and X-Frame-Options DENY), so no other site can frame the app
// (clickjacking).
func frontchannelCSP(providerOrigin string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"form-action 'none'",
		"frame-ancestors " + providerOrigin,
		"base-uri 'none'",
	}, "; ")
}

// frontchannelPage is what the iframe shows, for nobody to see: it is
// hidden. It says what happened for whoever opens the URL by hand.
const (
	frontchannelSignedOut = "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>Signed out</title>" +
		"<p>Signed out of the Okta Go Sample.</p></html>\n"
	frontchannelRefused = "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>Not signed out</title>" +
		"<p>This sign-out request is not from this app's provider, so nothing was changed.</p></html>\n"
	frontchannelUnavailable = "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\"><title>Sign-out failed</title>" +
		"<p>The sessions could not be ended right now.</p></html>\n"
)

// handleFrontchannelLogout answers GET frontchannel_logout_uri?iss=…&sid=…
// (Front-Channel Logout 1.0, section 3): when iss is this app's issuer,
// every session made from the provider session sid ends, on every replica.
//
// It needs no cookie: in the provider's cross-site iframe the browser
// does not send the app's SameSite=Lax session cookie (and may block
// third-party cookies altogether), which is why the provider names its
// session with sid. A sid the app does not know ends nothing and is not
// an error. Without iss and sid nothing ends, whatever cookie comes along:
// a GET must never sign a user out just because a page made the browser
// load it. The sid is never logged: whoever knows it can sign its user
// out.
func (s *Server) handleFrontchannelLogout() http.Handler {
	csp := []string{frontchannelCSP(s.providerOrigin)}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Security-Policy"] = csp
		// X-Frame-Options cannot name an origin (ALLOW-FROM is obsolete
		// and ignored), and it would override frame-ancestors in old
		// browsers: this page relies on frame-ancestors alone.
		delete(h, "X-Frame-Options")
		q := r.URL.Query()
		iss, sid := q.Get("iss"), q.Get("sid")
		if iss != s.cfg.Issuer || sid == "" || len(sid) > maxSIDLen {
			s.log.WarnContext(r.Context(), "front-channel logout refused: not this app's issuer, or no usable sid",
				"request_id", requestID(r.Context()), "client", clientOf(r.Context()).Addr,
				"iss", truncate(iss, 256), "has_sid", sid != "")
			s.writeTinyPage(w, http.StatusBadRequest, frontchannelRefused)
			return
		}
		n, err := s.sessions.EndBySID(r.Context(), sid)
		if err != nil {
			s.log.ErrorContext(r.Context(), "front-channel logout failed", "request_id", requestID(r.Context()),
				"err", truncate(err.Error(), maxLoggedError))
			s.writeTinyPage(w, http.StatusServiceUnavailable, frontchannelUnavailable)
			return
		}
		s.log.InfoContext(r.Context(), "signed out by the provider (front channel)", "request_id", requestID(r.Context()), "sessions", n)
		s.writeTinyPage(w, http.StatusOK, frontchannelSignedOut)
	})
}

// writeTinyPage writes a whole small HTML page that does not use the
// layout (which would read the session for the navigation).
func (s *Server) writeTinyPage(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h["Content-Type"] = s.headers.contentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body)) // an error means the client went away
}

// Bounds of the back channel. A logout token is about 1 KB; 16 KiB is
// plenty for the form. Per client address, a burst of 20 tokens (a user
// signed out of 10 sessions at once is 10), then 5 a second.
const (
	maxBackchannelBody  = 16 << 10
	backchannelRate     = 5
	backchannelBurst    = 20
	backchannelMaxPeers = 10_000
)

// handleBackchannelLogout answers POST backchannel_logout_uri with a
// form-encoded logout_token (Back-Channel Logout 1.0, section 2.5). A
// valid token ends the sessions of its sid, or with no sid every session
// of its sub, on every replica (2.7), and gets 200; a bad one gets 400
// with an OAuth error (2.8), and ends nothing.
//
// It is not behind the cross-origin protection of the other POST routes:
// the provider calls it server to server, and proves itself with the
// token's signature, not with a browser's Origin. It is bounded instead:
// the body (16 KiB), the rate per client address (a token bucket), and
// the work per token (auth.RelyingParty.VerifyLogoutToken: one signature
// check, key set refetches shared with logins and limited, within the
// provider timeout).
func (s *Server) handleBackchannelLogout() http.Handler {
	limiter := newPeerLimiter(rate.Limit(backchannelRate), backchannelBurst, backchannelMaxPeers)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if !limiter.allow(clientOf(ctx).Addr) {
			w.Header().Set("Retry-After", "1")
			s.backchannelError(w, r, http.StatusTooManyRequests, "temporarily_unavailable", "Too many logout requests; try again in a second.", errors.New("rate limited"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBackchannelBody)
		if err := r.ParseForm(); err != nil {
			s.backchannelError(w, r, http.StatusBadRequest, "invalid_request", "The body must be a form of at most 16 KiB.", err)
			return
		}
		raw := r.PostForm.Get("logout_token")
		if raw == "" {
			s.backchannelError(w, r, http.StatusBadRequest, "invalid_request", "The form has no logout_token.", errors.New("no logout_token"))
			return
		}
		rp, err := s.provider.RelyingParty()
		if err != nil {
			s.backchannelError(w, r, http.StatusServiceUnavailable, "temporarily_unavailable", "The provider's keys are not known yet.", err)
			return
		}
		sub, sid, err := rp.VerifyLogoutToken(ctx, raw)
		var ae *auth.Error
		switch {
		case errors.Is(err, auth.ErrStoreUnavailable):
			s.backchannelError(w, r, http.StatusServiceUnavailable, "temporarily_unavailable", "The session store is unavailable.", err)
			return
		case errors.As(err, &ae):
			s.backchannelError(w, r, http.StatusBadRequest, "invalid_request", "The logout token failed the "+ae.Check+" check.", err)
			return
		case err != nil:
			s.backchannelError(w, r, http.StatusBadRequest, "invalid_request", "The logout token is not valid.", err)
			return
		}
		n, err := s.endProviderSession(ctx, sub, sid)
		if err != nil {
			// The token's jti is spent already, so the provider's retry
			// would be refused; but the store that failed here is the one
			// that just recorded the jti, so this is rare.
			s.backchannelError(w, r, http.StatusServiceUnavailable, "temporarily_unavailable", "The sessions could not be ended.", err)
			return
		}
		by := "sub"
		if sid != "" {
			by = "sid"
		}
		s.log.InfoContext(ctx, "signed out by the provider (back channel)", "request_id", requestID(ctx),
			"sub", sub, "by", by, "sessions", n)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	})
}

// endProviderSession ends the sessions a logout token names: those of its
// sid when it has one (that provider session only, as section 2.7 asks),
// otherwise every session of its sub.
func (s *Server) endProviderSession(ctx context.Context, sub, sid string) (int, error) {
	if sid != "" {
		return s.sessions.EndBySID(ctx, sid)
	}
	return s.sessions.EndBySubject(ctx, sub)
}

// backchannelError answers the back channel with an OAuth error (section
// 2.8: "error" and "error_description" in JSON), and logs why.
func (s *Server) backchannelError(w http.ResponseWriter, r *http.Request, status int, code, description string, err error) {
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "back-channel logout refused", "request_id", requestID(r.Context()),
		"client", clientOf(r.Context()).Addr, "status", status, "err", truncate(err.Error(), maxLoggedError))
	body, jerr := json.Marshal(map[string]string{"error": code, "error_description": description})
	if jerr != nil {
		// Marshalling two strings cannot fail.
		body = []byte(`{"error":"server_error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // an error means the client went away
}

// peerLimiter is a token bucket per client address, so that one address
// flooding the route cannot use up another's allowance (the provider's).
// It holds at most max addresses: when full it first forgets those whose
// bucket has refilled (forgetting one changes nothing: a new bucket is
// full too), then, if still full, an arbitrary one.
type peerLimiter struct {
	every rate.Limit
	burst int
	max   int

	mu    sync.Mutex
	peers map[string]*rate.Limiter
}

func newPeerLimiter(every rate.Limit, burst, max int) *peerLimiter {
	return &peerLimiter{every: every, burst: burst, max: max, peers: make(map[string]*rate.Limiter)}
}

// allow reports whether addr may make one more request now.
func (l *peerLimiter) allow(addr string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.peers[addr]
	if !ok {
		if len(l.peers) >= l.max {
			l.forget(now)
		}
		lim = rate.NewLimiter(l.every, l.burst)
		l.peers[addr] = lim
	}
	return lim.AllowN(now, 1)
}

// forget makes room for one address.
func (l *peerLimiter) forget(now time.Time) {
	for addr, lim := range l.peers {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.peers, addr)
		}
	}
	for addr := range l.peers {
		if len(l.peers) < l.max {
			return
		}
		delete(l.peers, addr)
	}
}
