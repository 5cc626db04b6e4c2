// Package web is the sample's HTTP front: routes, handlers, pages and the
// one place that turns errors into responses. It calls auth for the
// OpenID Connect work and session for who is signed in.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/internal/oktaorg"
	"github.com/okta-samples/okta-go-sample/session"
)

// Provider gives the relying party once discovery has succeeded;
// *auth.Connector implements it.
type Provider interface {
	RelyingParty() (*auth.RelyingParty, error)
}

// DemoUser is shown on the overview page in development mode.
type DemoUser struct {
	Login, Password, Name string
	// TOTPURI is the otpauth:// URI of the user's second factor, for an
	// authenticator app, and TOTPPageURL the provider's page that shows its
	// current code; both empty for a user with a password only.
	TOTPURI, TOTPPageURL string
}

// Deps is everything the web layer needs, made once in main.
type Deps struct {
	Config   config.Config
	Logger   *slog.Logger
	Provider Provider
	Sessions *session.Manager
	// DemoUsers are listed on the overview page in development mode.
	DemoUsers []DemoUser
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Widget says where the custom login page loads the Okta Sign-In
	// Widget from; the zero value is Okta's CDN. See FindWidget.
	Widget WidgetAssets
	// HTTPClient makes the app's own calls to the provider (the custom
	// login page's probes of its engine and its Authentication API); nil
	// means auth.NewHTTPClient().
	HTTPClient *http.Client
	// API is the resource server (package api), served at
	// api.MessagesPath behind the same middleware as every page; nil
	// means none.
	API http.Handler
	// StoreHealth reports whether the shared session store (Redis)
	// answers; nil when sessions are in this process. /healthz calls it at
	// most once a second, and waits for it at most a second.
	StoreHealth func(context.Context) error
}

// Server holds the dependencies shared by the handlers.
type Server struct {
	cfg       config.Config
	log       *slog.Logger
	provider  Provider
	sessions  *session.Manager
	demoUsers []DemoUser
	now       func() time.Time
	pages     *pages
	profile   *profilePage
	buffers   buffers
	headers   pageHeaders
	csp       string
	// providerOrigin is the issuer's origin: where the provider's pages,
	// and so its front-channel logout iframes, come from.
	providerOrigin string
	widget         WidgetAssets
	widgetCSP      string
	authn          *oktaorg.AuthnProbe
	engine         *oktaorg.EngineProbe
	// proxies are trusted for X-Forwarded-For and X-Forwarded-Proto.
	proxies proxies
	// crossOrigin guards every state-changing route (see routes).
	crossOrigin *http.CrossOriginProtection
	// api is the resource server, or nil.
	api http.Handler
	// apiClient calls the API for the profile's "Call the API" button.
	apiClient *http.Client
	// storeHealth is the session store's part of /healthz.
	storeHealth *storeHealth
}

// NewServer returns the app's handler with every route and middleware.
func NewServer(d Deps) (http.Handler, error) {
	if d.Provider == nil || d.Sessions == nil {
		return nil, errors.New("web: Provider and Sessions are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.HTTPClient == nil {
		d.HTTPClient = auth.NewHTTPClient(d.Config.ProviderTimeout)
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	profile, err := newProfilePage(p)
	if err != nil {
		return nil, err
	}
	issuer, err := url.Parse(d.Config.Issuer)
	if err != nil {
		return nil, fmt.Errorf("web: issuer: %w", err)
	}
	providerOrigin := issuer.Scheme + "://" + issuer.Host
	crossOrigin, err := newCrossOriginProtection(d.Config.PublicURL())
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:            d.Config,
		log:            d.Logger,
		provider:       d.Provider,
		sessions:       d.Sessions,
		demoUsers:      d.DemoUsers,
		now:            d.Now,
		pages:          p,
		profile:        profile,
		headers:        newPageHeaders(),
		csp:            defaultCSP(providerOrigin),
		providerOrigin: providerOrigin,
		widget:         d.Widget,
		widgetCSP:      widgetCSP(providerOrigin, d.Widget.origin()),
		authn:          oktaorg.NewAuthnProbe(d.HTTPClient, d.Config.OrgURL(), d.Config.BaseURL(), d.Now, d.Logger),
		engine:         oktaorg.NewEngineProbe(d.HTTPClient, d.Config.OrgURL(), d.Now, d.Logger),

		proxies:     proxies(d.Config.TrustedProxies),
		crossOrigin: crossOrigin,
		api:         d.API,
		apiClient:   d.HTTPClient,
		storeHealth: &storeHealth{check: d.StoreHealth, now: d.Now},
	}
	s.crossOrigin.SetDenyHandler(s.handleCrossOriginDenied())
	s.log.Info("sign-in widget assets", "source", d.Widget.String())
	if msg := d.Widget.Warning(); msg != "" {
		s.log.Warn(msg)
	}
	return s.routes(), nil
}
