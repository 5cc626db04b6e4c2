package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// handleLoginCustomPage renders the Okta Sign-In Widget on the app's own
// page. The server starts the login exactly as the redirect flow does: a
// fresh transaction (state, nonce, PKCE verifier) in its own encrypted
// cookie, so each tab showing the page has its own pending login. Only the
// state, the nonce and the S256 challenge reach the page, in a JSON data
// block that the static login-custom.js reads; the verifier stays in the
// cookie. The widget signs the user in with Okta's Authentication API and
// sends the browser to /authorize with them; the callback then finishes
// the login like any other (OIDC Core 3.1.3.7 checks included).
func (s *Server) handleLoginCustomPage() http.Handler {
	type data struct {
		Issuer        string
		AuthnURL      string
		AppOrigin     string
		Ready         bool
		NotOkta       bool
		UntrustedApp  bool
		Widget        *widgetConfig
		Local         bool
		WidgetVersion string
		ScriptURL     string
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := data{
			Issuer:        s.cfg.Issuer,
			AuthnURL:      s.authn.url,
			AppOrigin:     s.authn.appOrigin,
			Local:         s.widget.Local(),
			WidgetVersion: WidgetVersion,
			ScriptURL:     s.widget.urls().Script,
		}
		render := func() {
			s.render(w, r, http.StatusOK, "login-custom", page{Title: "Custom login", Nav: "login-custom", Data: d})
		}
		rp, err := s.provider.RelyingParty()
		if err != nil {
			render() // explains that the provider is not reachable yet
			return
		}
		d.Ready = true
		switch s.authn.check(r.Context()) {
		case authnMissing:
			d.NotOkta = true
			render() // says so and points to the redirect flow; no widget
			return
		case authnUntrustedOrigin:
			d.UntrustedApp = true
		}

		login, err := rp.Begin(w, r, r.URL.Query().Get("return_to"))
		if err != nil {
			s.fail(w, r, appError{Status: http.StatusInternalServerError, Title: "Could not start the login", Err: err,
				Message: "The app could not create a login transaction."})
			return
		}
		d.Widget = &widgetConfig{
			Issuer:              s.cfg.Issuer,
			ClientID:            s.cfg.ClientID,
			RedirectURI:         s.cfg.RedirectURI,
			Scopes:              rp.Scopes(),
			State:               login.State,
			Nonce:               login.Nonce,
			CodeChallenge:       login.CodeChallenge,
			CodeChallengeMethod: "S256",
			Language:            "en",
			Assets:              s.widget.urls(),
		}
		// This page alone may load the widget's files and call the
		// provider's Authentication API from the browser.
		w.Header().Set("Content-Security-Policy", s.widgetCSP)
		render()
	})
}

// widgetConfig is what login-custom.js passes to the Sign-In Widget. It
// is rendered into a <script type="application/json"> block, which
// html/template escapes as JSON and browsers never execute, so the page
// needs no inline script. It holds nothing secret: the client secret and
// the PKCE verifier never leave the server.
type widgetConfig struct {
	Issuer      string   `json:"issuer"`
	ClientID    string   `json:"clientId"`
	RedirectURI string   `json:"redirectUri"`
	Scopes      []string `json:"scopes"`
	// State, Nonce and CodeChallenge come from this page's transaction,
	// so the callback can check what the provider sends back.
	State               string `json:"state"`
	Nonce               string `json:"nonce"`
	CodeChallenge       string `json:"codeChallenge"`
	CodeChallengeMethod string `json:"codeChallengeMethod"`
	// Language is set so the widget uses its built-in English labels
	// instead of fetching a translation for the browser's language.
	Language string          `json:"language"`
	Assets   widgetAssetURLs `json:"assets"`
}

// authnSupport is what the provider's Authentication API looks like from
// this app.
type authnSupport int

const (
	// authnUnknown: not probed yet, or the probe was inconclusive (network
	// error, 5xx, too slow). The page shows the widget.
	authnUnknown authnSupport = iota
	// authnAvailable: the provider serves /api/v1/authn and its CORS policy
	// trusts this app's origin.
	authnAvailable
	// authnUntrustedOrigin: the provider serves /api/v1/authn but would
	// refuse the browser's call from this app's origin (in Okta, the origin
	// is missing from Security → API → Trusted Origins).
	authnUntrustedOrigin
	// authnMissing: no Okta Authentication API at the issuer's origin
	// (Dex, Keycloak, Auth0 and other plain OpenID providers).
	authnMissing
)

// String names the answer for the log.
func (a authnSupport) String() string {
	switch a {
	case authnAvailable:
		return "available"
	case authnUntrustedOrigin:
		return "this app's origin is not trusted (CORS); add it to the provider's Trusted Origins"
	case authnMissing:
		return "not Okta-compatible; the custom login page points to the redirect flow"
	default:
		return "inconclusive; will ask again"
	}
}

// Probe timings. A page render waits at most authnProbeWait for the first
// answer, then shows the widget and lets the probe finish in the
// background. Definite answers are kept for the life of the process,
// except authnUntrustedOrigin, which an administrator may fix while the
// app runs; inconclusive probes are retried after authnProbeRetry.
const (
	authnProbeTimeout = 5 * time.Second
	authnProbeWait    = 1500 * time.Millisecond
	authnProbeRetry   = 30 * time.Second
	authnProbeRecheck = time.Minute
)

// authnProbe finds out, once per process, whether the provider speaks
// Okta's classic Authentication API, which the Sign-In Widget calls at
// POST {issuer origin}/api/v1/authn (the widget derives that origin as
// issuer.split('/oauth2/')[0]).
//
// It asks the server rather than guessing from the issuer's host name,
// because custom domains and compatible providers (such as the embedded
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
type authnProbe struct {
	client    *http.Client
	url       string // {issuer origin}/api/v1/authn
	appOrigin string // this app's origin, as the browser will send it
	now       func() time.Time
	log       *slog.Logger
	// wait bounds how long check waits for a running probe:
	// authnProbeWait, except in tests, which choose whether check sees the
	// probe's answer (a long wait) or must not wait for it (zero).
	wait time.Duration

	mu       sync.Mutex
	result   authnSupport
	until    time.Time     // when result must be checked again; zero: never
	inflight chan struct{} // closed when the running probe ends
}

// newAuthnProbe returns a probe of the Authentication API that belongs to
// issuer, for pages served from appOrigin. client should have timeouts;
// the probe also bounds each attempt by authnProbeTimeout.
func newAuthnProbe(client *http.Client, issuer, appOrigin string, now func() time.Time, log *slog.Logger) *authnProbe {
	// Redirects are answers, not something to follow: the API never
	// redirects, a login page or a catch-all route does.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &authnProbe{
		client:    &c,
		url:       authnOrigin(issuer) + "/api/v1/authn",
		appOrigin: strings.TrimSuffix(appOrigin, "/"),
		now:       now,
		log:       log,
		wait:      authnProbeWait,
	}
}

// authnOrigin is where the widget sends Authentication API calls: the
// issuer up to its /oauth2/ segment, as okta-auth-js computes it.
func authnOrigin(issuer string) string {
	base, _, _ := strings.Cut(strings.TrimSuffix(issuer, "/"), "/oauth2/")
	return base
}

// check returns the current answer, starting a probe when none is known.
// It waits for a running probe for at most p.wait, and not after ctx ends,
// so a slow provider never holds up the page for long.
func (p *authnProbe) check(ctx context.Context) authnSupport {
	p.mu.Lock()
	now := p.now()
	if p.result != authnUnknown && (p.until.IsZero() || now.Before(p.until)) {
		r := p.result
		p.mu.Unlock()
		return r
	}
	if p.inflight == nil && (p.until.IsZero() || !now.Before(p.until)) {
		done := make(chan struct{})
		p.inflight = done
		// The probe outlives this request (other pages wait for it too),
		// so it keeps the request's values but not its cancellation.
		go p.run(context.WithoutCancel(ctx), done)
	}
	done, last := p.inflight, p.result
	p.mu.Unlock()
	if done == nil {
		return last // an inconclusive probe is waiting for its retry time
	}

	t := time.NewTimer(p.wait)
	defer t.Stop()
	select {
	case <-done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.result
	case <-t.C:
	case <-ctx.Done():
	}
	return last
}

// run probes the provider once and records the answer.
func (p *authnProbe) run(ctx context.Context, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, authnProbeTimeout)
	defer cancel()
	result := p.probe(ctx)

	p.mu.Lock()
	defer p.mu.Unlock()
	if result != p.result {
		p.log.LogAttrs(ctx, slog.LevelInfo, "okta authentication API probe",
			slog.String("url", p.url), slog.String("result", result.String()))
	}
	p.result = result
	switch result {
	case authnUnknown:
		p.until = p.now().Add(authnProbeRetry)
	case authnUntrustedOrigin:
		p.until = p.now().Add(authnProbeRecheck)
	default:
		p.until = time.Time{}
	}
	p.inflight = nil
	close(done)
}

// maxProbeBody bounds what the probe reads of an answer.
const maxProbeBody = 64 << 10

// probe makes the two requests described on authnProbe.
func (p *authnProbe) probe(ctx context.Context) authnSupport {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader([]byte("{}")))
	if err != nil {
		return authnMissing // the issuer is not a URL we could ever call
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return authnUnknown
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return authnUnknown
	}
	switch {
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusMethodNotAllowed,
		resp.StatusCode == http.StatusGone, resp.StatusCode == http.StatusNotImplemented,
		resp.StatusCode >= 300 && resp.StatusCode < 400:
		return authnMissing
	case !oktaShaped(body):
		if resp.StatusCode >= 500 {
			return authnUnknown // a failing Okta is still Okta; ask again later
		}
		return authnMissing
	}

	// The browser's preflight, exactly as the widget causes it.
	pre, err := http.NewRequestWithContext(ctx, http.MethodOptions, p.url, nil)
	if err != nil {
		return authnUnknown
	}
	pre.Header.Set("Origin", p.appOrigin)
	pre.Header.Set("Access-Control-Request-Method", http.MethodPost)
	pre.Header.Set("Access-Control-Request-Headers", "content-type,x-okta-user-agent-extended")
	presp, err := p.client.Do(pre)
	if err != nil {
		return authnUnknown
	}
	// The body of a preflight answer carries nothing; drain a little so the
	// connection can be reused, then close.
	_, _ = io.Copy(io.Discard, io.LimitReader(presp.Body, maxProbeBody)) // best effort
	if err := presp.Body.Close(); err != nil {
		return authnUnknown
	}
	if presp.StatusCode >= 500 {
		return authnUnknown
	}
	if presp.Header.Get("Access-Control-Allow-Origin") != p.appOrigin ||
		presp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		return authnUntrustedOrigin
	}
	return authnAvailable
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
