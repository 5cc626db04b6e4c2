// Package oktaorg finds out, from outside and without credentials, what
// the Okta org behind the issuer offers this app: which engine it runs
// (Identity Engine or Classic, from /.well-known/okta-organization, or no
// Okta at all), whether it serves the classic Authentication API
// (/api/v1/authn) that the Sign-In Widget calls in classic mode, and
// whether its CORS policy trusts this app's origin. What the
// org supports decides what the custom login page can show, and a page
// must not wait for the network to find out, so each answer is cached for
// the life of the process and refreshed in the background.
package oktaorg

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// AuthnSupport is what the org's Authentication API looks like from this
// app.
type AuthnSupport int

const (
	// AuthnUnknown: not probed yet, or the probe was inconclusive (network
	// error, 5xx, too slow). The page shows the widget.
	AuthnUnknown AuthnSupport = iota
	// AuthnAvailable: the org serves /api/v1/authn and its CORS policy
	// trusts this app's origin.
	AuthnAvailable
	// AuthnUntrustedOrigin: the org serves /api/v1/authn but would refuse
	// the browser's call from this app's origin (in Okta, the origin is
	// missing from Security → API → Trusted Origins).
	AuthnUntrustedOrigin
	// AuthnMissing: no Okta Authentication API there (Dex, Keycloak, Auth0
	// and other plain OpenID providers).
	AuthnMissing
)

// String names the answer for the log.
func (a AuthnSupport) String() string {
	switch a {
	case AuthnAvailable:
		return "available"
	case AuthnUntrustedOrigin:
		return "this app's origin is not trusted (CORS); add it to the provider's Trusted Origins"
	case AuthnMissing:
		return "not Okta-compatible; the custom login page points to the redirect flow"
	default:
		return "inconclusive; will ask again"
	}
}

// An untrusted origin is asked again after authnRecheck, since an
// administrator may fix it while the app runs; other definite answers are
// kept for the life of the process.
const authnRecheck = time.Minute

// AuthnProbe finds out, once per process, whether the org speaks Okta's
// classic Authentication API, which the Sign-In Widget calls at
// POST {org}/api/v1/authn (the widget derives the org from the issuer as
// issuer.split('/oauth2/')[0]).
//
// It asks the server rather than guessing from the host name, because
// custom domains and compatible providers (such as the embedded
// development provider) are common. Two requests, both harmless:
//
//   - POST /api/v1/authn with an empty JSON object. Okta answers with one
//     of its error objects ({"errorCode": ...}) since there is no
//     username, so no account is touched or locked. 404, 405, 410, 501, a
//     redirect or a non-Okta body mean the API is not there.
//   - The CORS preflight the browser will send (OPTIONS with this app's
//     Origin). Without the exact origin in Access-Control-Allow-Origin,
//     the widget's call would fail in the browser, so the page says how to
//     fix that instead of letting a newcomer debug a CORS error.
//
// Its methods are safe for concurrent use.
type AuthnProbe struct {
	client    *http.Client
	url       string // {org}/api/v1/authn
	appOrigin string // this app's origin, as the browser will send it
	answers   cachedProbe[AuthnSupport]
}

// NewAuthnProbe returns a probe of the Authentication API of the org at
// orgURL (such as https://dev-123456.okta.com), for pages served from
// appOrigin. client should have timeouts; the probe also bounds each
// attempt by its own timeout. now is the clock (nil means time.Now) and
// log records each change of answer (nil means no log).
func NewAuthnProbe(client *http.Client, orgURL, appOrigin string, now func() time.Time, log *slog.Logger) *AuthnProbe {
	// Redirects are answers, not something to follow: the API never
	// redirects, a login page or a catch-all route does.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &AuthnProbe{
		client:    &c,
		url:       strings.TrimRight(orgURL, "/") + "/api/v1/authn",
		appOrigin: strings.TrimSuffix(appOrigin, "/"),
	}
	p.answers = cachedProbe[AuthnSupport]{
		now:   now,
		probe: p.probe,
		wait:  probeWait,
		keepFor: func(a AuthnSupport) time.Duration {
			switch a {
			case AuthnUnknown:
				return probeRetry
			case AuthnUntrustedOrigin:
				return authnRecheck
			}
			return 0
		},
		changed: func(ctx context.Context, a AuthnSupport) {
			log.LogAttrs(ctx, slog.LevelInfo, "okta authentication API probe",
				slog.String("url", p.url), slog.String("result", a.String()))
		},
	}
	return p
}

// URL is the Authentication API's address that the probe asks, and that
// the widget will call.
func (p *AuthnProbe) URL() string { return p.url }

// AppOrigin is this app's origin, as the probe's preflight sends it.
func (p *AuthnProbe) AppOrigin() string { return p.appOrigin }

// Check returns the current answer, starting a probe when none is known.
// It waits for a running probe for a short while at most (1.5 s), and not
// after ctx ends, so a slow provider never holds up a page for long; the
// probe then finishes in the background, for the next caller.
func (p *AuthnProbe) Check(ctx context.Context) AuthnSupport { return p.answers.check(ctx) }

// maxProbeBody bounds what the probe reads of an answer.
const maxProbeBody = 64 << 10

// probe makes the two requests described on AuthnProbe.
func (p *AuthnProbe) probe(ctx context.Context) AuthnSupport {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader([]byte("{}")))
	if err != nil {
		return AuthnMissing // the org is not a URL we could ever call
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return AuthnUnknown
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return AuthnUnknown
	}
	switch {
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusMethodNotAllowed,
		resp.StatusCode == http.StatusGone, resp.StatusCode == http.StatusNotImplemented,
		resp.StatusCode >= 300 && resp.StatusCode < 400:
		return AuthnMissing
	case !oktaShaped(body):
		if resp.StatusCode >= 500 {
			return AuthnUnknown // a failing Okta is still Okta; ask again later
		}
		return AuthnMissing
	}

	// The browser's preflight, exactly as the widget causes it.
	pre, err := http.NewRequestWithContext(ctx, http.MethodOptions, p.url, nil)
	if err != nil {
		return AuthnUnknown
	}
	pre.Header.Set("Origin", p.appOrigin)
	pre.Header.Set("Access-Control-Request-Method", http.MethodPost)
	pre.Header.Set("Access-Control-Request-Headers", "content-type,x-okta-user-agent-extended")
	presp, err := p.client.Do(pre)
	if err != nil {
		return AuthnUnknown
	}
	// The body of a preflight answer carries nothing; drain a little so the
	// connection can be reused, then close.
	_, _ = io.Copy(io.Discard, io.LimitReader(presp.Body, maxProbeBody)) // best effort
	if err := presp.Body.Close(); err != nil {
		return AuthnUnknown
	}
	if presp.StatusCode >= 500 {
		return AuthnUnknown
	}
	if presp.Header.Get("Access-Control-Allow-Origin") != p.appOrigin ||
		presp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		return AuthnUntrustedOrigin
	}
	return AuthnAvailable
}

// oktaShaped reports whether body is an answer of Okta's Authentication
// API: an error object with errorCode, or a transaction with status.
func oktaShaped(body []byte) bool {
	var v struct {
		ErrorCode string `json:"errorCode"`
		Status    string `json:"status"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return false // HTML, plain text or nothing: not Okta's API
	}
	return v.ErrorCode != "" || v.Status != ""
}
