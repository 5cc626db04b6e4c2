// Package api is the sample's resource server: GET /api/messages, the API
// that Okta's front-end samples (React, Angular, Vue) and this app's
// single-page app call with an access token, answered as those samples
// expect: {"messages":[{"date":"<RFC 3339>","text":"…"}, …]}.
//
// A request is served only with "Authorization: Bearer <JWT access token>"
// (RFC 6750 2.1) whose every check passes:
//
//   - the signature, by go-oidc's verifier with the provider's JWKS: the
//     same key set, cache and refetch limit as the logins
//     (auth.RelyingParty.AccessTokenVerifier), and only the algorithms the
//     logins allow (RS256 by default; never none or HMAC);
//   - iss (the configured issuer) and aud (Config.Audience, Okta's
//     api://default by default);
//   - exp, iat and nbf, with the leeway the logins use;
//   - typ, when the token has one: an access token's (RFC 9068 4), so an
//     ID or logout token of the same provider is refused;
//   - cid, the client the token was issued to, among Config.ClientIDs;
//   - Config.RequiredScope among the token's scp (Okta) or scope (RFC
//     9068) values.
//
// Failures follow RFC 6750 3: 401 with a WWW-Authenticate: Bearer
// challenge (error="invalid_token" and a description for a token that
// fails, no error code when there is no token at all), 400 invalid_request
// for a malformed request, 403 insufficient_scope (with scope=…) for a
// good token without the scope. Every answer is JSON with its
// Content-Type set before the status is written; no header value can make
// it panic or answer 500, and no answer or log line repeats the token.
//
// CORS answers the exact origins of Config.AllowedOrigins only, never
// "*" or "null", with Authorization allowed and preflights answered.
package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/okta-samples/okta-go-sample/auth"
)

// MessagesPath is where the messages are served, as Okta's front-end
// samples call it (their resourceServer.messagesUrl ends with it).
const MessagesPath = "/api/messages"

// Defaults of Config, Okta's: the default authorization server's audience,
// and the scope every token of a signed-in user carries.
const (
	DefaultAudience      = "api://default"
	DefaultRequiredScope = oidc.ScopeOpenID
)

// maxTokenBytes bounds the access token. Okta's are 1 to 2 KiB; a longer
// "token" is refused before any parsing or key lookup. The whole header
// is bounded by the server's MaxHeaderBytes before it gets here.
const maxTokenBytes = 8 << 10

// allowedMethods is the Allow header of the route.
const allowedMethods = "GET, HEAD, OPTIONS"

// Provider gives the relying party once the provider's discovery has
// succeeded; *auth.Connector implements it.
type Provider interface {
	RelyingParty() (*auth.RelyingParty, error)
}

// Config configures the resource server. Provider, Audience, ClientIDs
// and RequiredScope are required.
type Config struct {
	// Provider gives the verifier: the login's key set and algorithms.
	Provider Provider
	// Audience must be among the token's aud, such as api://default.
	Audience string
	// ClientIDs are the clients whose tokens are accepted (Okta's cid
	// claim), such as the web app's and the single-page app's.
	ClientIDs []string
	// RequiredScope must be among the token's scopes.
	RequiredScope string
	// AllowedOrigins are the browser origins that may call the API
	// (CORS), each exactly as browsers send Origin, such as
	// http://localhost:8082. Empty: no cross-origin caller.
	AllowedOrigins []string
	// Leeway is the allowed clock skew for exp, iat and nbf.
	Leeway time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger records each refused token, with the rule it failed and never
	// the token; nil means no log.
	Logger *slog.Logger
}

// Server serves the resource server's route. It is safe for concurrent
// use.
type Server struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	rp       *auth.RelyingParty // the one verifier was made for
	verifier *oidc.IDTokenVerifier
}

// New checks cfg and returns the resource server.
func New(cfg Config) (*Server, error) {
	var errs []error
	if cfg.Provider == nil {
		errs = append(errs, errors.New("Provider is required"))
	}
	if cfg.Audience == "" {
		errs = append(errs, errors.New("Audience is required"))
	}
	if len(cfg.ClientIDs) == 0 || slices.Contains(cfg.ClientIDs, "") {
		errs = append(errs, errors.New("ClientIDs must name at least one client, and no empty one"))
	}
	if cfg.RequiredScope == "" {
		errs = append(errs, errors.New("RequiredScope is required"))
	}
	for _, o := range cfg.AllowedOrigins {
		if err := checkOrigin(o); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.Leeway < 0 {
		errs = append(errs, fmt.Errorf("Leeway %s is negative", cfg.Leeway))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	cfg.ClientIDs = slices.Clone(cfg.ClientIDs)
	cfg.AllowedOrigins = slices.Clone(cfg.AllowedOrigins)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now}, nil
}

// ServeHTTP answers GET (and HEAD) with the messages for a good token,
// OPTIONS as a CORS preflight, and any other method with 405.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.setCORS(w, r)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		s.preflight(w, r)
		return
	default:
		w.Header().Set("Allow", allowedMethods)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{
			"error": "method_not_allowed", "error_description": "this API answers GET"})
		return
	}
	// A GET carries no body (RFC 9110 9.3.1): refusing one here means the
	// API never reads or buffers a body at all.
	if r.ContentLength != 0 {
		writeError(w, failure{status: http.StatusBadRequest, code: "invalid_request", description: "a GET request to this API has no body"})
		return
	}
	token, f := bearerToken(r)
	if f != nil {
		s.refuse(w, r, f)
		return
	}
	if _, f := s.verify(r.Context(), token); f != nil {
		s.refuse(w, r, f)
		return
	}
	s.writeMessages(w)
}

// verifierFor returns the verifier for rp's key set, made once per relying
// party (the Connector hands out one, for the life of the process).
func (s *Server) verifierFor(rp *auth.RelyingParty) *oidc.IDTokenVerifier {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rp != rp {
		s.rp, s.verifier = rp, rp.AccessTokenVerifier(s.cfg.Audience)
	}
	return s.verifier
}
