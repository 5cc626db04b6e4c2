package oktaorg

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Engine is the sign-in pipeline of the Okta org behind the issuer, as the
// org reports it at /.well-known/okta-organization.
type Engine int

const (
	// EngineUnknown: not asked yet, or the answer was inconclusive
	// (network error, 5xx, too slow); asked again after a while.
	EngineUnknown Engine = iota
	// EngineIdentity: Okta Identity Engine ("pipeline": "idx"), every org
	// created since March 2022. The Sign-In Widget uses the interaction
	// code flow.
	EngineIdentity
	// EngineClassic: Okta Classic Engine ("pipeline": "v1"). The Sign-In
	// Widget uses the Authentication API (/api/v1/authn).
	EngineClassic
	// EngineNotOkta: no organization document, so not an Okta org (Dex,
	// Keycloak, Auth0 and other plain OpenID providers).
	EngineNotOkta
)

// String names the answer for the log and the page.
func (e Engine) String() string {
	switch e {
	case EngineIdentity:
		return "Identity Engine"
	case EngineClassic:
		return "Classic Engine"
	case EngineNotOkta:
		return "not an Okta org"
	default:
		return "unknown; will ask again"
	}
}

// EngineProbe finds out, once per process, which engine the org runs, by
// reading {org}/.well-known/okta-organization: a public JSON document
// that every Okta org serves, whose "pipeline" is "idx" on Identity Engine
// and "v1" on Classic Engine. The Sign-In Widget needs a different mode
// for each, and a provider without the document is not Okta at all.
//
// A definite answer is kept for the life of the process (an org changes
// engine only through a migration, and a restart then picks it up); an
// inconclusive one is asked again after 30 seconds at the earliest, so a
// provider that is down is not asked on every page view. Its methods are
// safe for concurrent use.
type EngineProbe struct {
	client  *http.Client
	url     string // {org}/.well-known/okta-organization
	answers cachedProbe[Engine]
}

// NewEngineProbe returns a probe of the org at orgURL (such as
// https://dev-123456.okta.com). client should have timeouts; each attempt
// is also bounded by the probe's own timeout (5 s). now is the clock (nil
// means time.Now) and log records each change of answer (nil means no
// log).
func NewEngineProbe(client *http.Client, orgURL string, now func() time.Time, log *slog.Logger) *EngineProbe {
	// A redirect is an answer, not something to follow: Okta serves the
	// document in place, a login page or a catch-all route redirects.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &EngineProbe{client: &c, url: strings.TrimRight(orgURL, "/") + "/.well-known/okta-organization"}
	p.answers = cachedProbe[Engine]{
		now:   now,
		probe: p.probe,
		wait:  probeWait,
		keepFor: func(e Engine) time.Duration {
			if e == EngineUnknown {
				return probeRetry
			}
			return 0
		},
		changed: func(ctx context.Context, e Engine) {
			log.LogAttrs(ctx, slog.LevelInfo, "okta engine probe", slog.String("url", p.url), slog.String("result", e.String()))
		},
	}
	return p
}

// URL is the organization document's address.
func (p *EngineProbe) URL() string { return p.url }

// Check returns the org's engine, reading the document when it is not
// known yet. It waits for the answer for a short while at most (1.5 s),
// and not after ctx ends; the probe then finishes in the background, for
// the next caller, and Check returns EngineUnknown.
func (p *EngineProbe) Check(ctx context.Context) Engine { return p.answers.check(ctx) }

// probe reads the document once.
func (p *EngineProbe) probe(ctx context.Context) Engine {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return EngineNotOkta // the org is not a URL we could ever call
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return EngineUnknown
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody+1))
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return EngineUnknown
	case resp.StatusCode >= 500:
		return EngineUnknown // a failing Okta is still Okta; ask again later
	case resp.StatusCode != http.StatusOK, len(body) > maxProbeBody:
		return EngineNotOkta // 404 and friends, a redirect, or not a small document
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return EngineNotOkta // an HTML catch-all page, say
	}
	var doc struct {
		Pipeline string `json:"pipeline"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return EngineNotOkta
	}
	switch doc.Pipeline {
	case "idx":
		return EngineIdentity
	case "v1":
		return EngineClassic
	case "":
		return EngineNotOkta // JSON, but not Okta's document
	}
	// An engine this app does not know yet: Okta, but which mode fits is
	// not known, so the answer stays inconclusive.
	return EngineUnknown
}
