package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/okta-samples/okta-go-sample/api"
	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/session"
	"github.com/okta-samples/okta-go-sample/spa"
	"github.com/okta-samples/okta-go-sample/web"
)

// devClientID is the client registered with the development provider.
const devClientID = "0oa-okta-go-sample-dev"

// run is the whole program, in steps: parse the flags, load and check the
// configuration, listen, finish the configuration with what listening
// decided, wire the app, and serve until ctx ends. Tests call it with
// -addr and -dev-addr on port 0. `okta-sample doctor` checks the
// configuration instead (doctor.go).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "doctor" {
		return runDoctor(ctx, args[1:], getenv, stdout, stderr)
	}
	return runWith(ctx, runDeps{}, args, getenv, stdout, stderr)
}

// runDeps is what tests replace in run. The zero value is the program's.
type runDeps struct {
	// newSigningKey makes the development provider's signing keys; nil
	// generates fresh ones (devprovider.Config.NewSigningKey).
	newSigningKey func() (*rsa.PrivateKey, error)
}

// runWith is run with deps.
func runWith(ctx context.Context, deps runDeps, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f, err := parseFlags(args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, f.logFormat)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	draft, err := config.Load(f.options(getenv))
	if err != nil {
		return configError{err}
	}
	widget, err := web.FindWidget(draft.WidgetDir())
	if err != nil {
		return configError{err}
	}
	authJS, err := spa.FindAuthJS(draft.AuthJSDir())
	if err != nil {
		return configError{err}
	}
	ls, err := listen(draft, f.debugAddr)
	if err != nil {
		return err
	}
	defer ls.close() // on the error paths; serve's shutdown closes them too
	cfg, err := resolveConfig(draft, ls)
	if err != nil {
		return err
	}
	if err := f.devApps.check(cfg); err != nil {
		return configError{err}
	}
	a, err := newApp(ctx, cfg, log, assets{widget: widget, authJS: authJS}, ls, f.devApps, deps)
	if err != nil {
		return err
	}
	for _, n := range cfg.Notices() {
		log.Warn("configuration: " + n)
	}
	printBanner(stdout, cfg, a)
	return a.serve(ctx)
}

// flags is the command line, parsed.
type flags struct {
	configFile, addr, devAddr, devEngine, logFormat, debugAddr, spaAddr string
	devAccessTTL, devRefreshTTL                                         string
	dev                                                                 bool
	devApps                                                             devApps
}

// parseFlags parses args. For -h or -help it prints the help to stdout and
// returns flag.ErrHelp; for anything it cannot parse, errUsage.
func parseFlags(args []string, stdout, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("okta-sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.configFile, "config", "", "Okta samples config file (default ./"+config.DefaultFile+" when it exists)")
	fs.StringVar(&f.addr, "addr", "", "listen address, host:port (default 127.0.0.1:<port>)")
	fs.BoolVar(&f.dev, "dev", false, "use the embedded development provider, ignoring the provider settings of the file and the environment")
	fs.StringVar(&f.devAddr, "dev-addr", "", "listen address of the development provider (default "+config.DefaultDevAddr+")")
	fs.Var(&f.devApps, "dev-app", "register another copy of the app, at this origin (such as http://127.0.0.1:8082), with the development provider,\n"+
		"so that both share one sign-in and one sign-out; repeatable. Its client id, secret and redirect URI are printed")
	fs.StringVar(&f.devEngine, "dev-engine", "", "the Okta engine the development provider imitates: idx (Identity Engine) or classic (default idx)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&f.debugAddr, "debug-addr", "", "serve Go's profiler and heap statistics on this loopback address (off by default)")
	fs.StringVar(&f.devAccessTTL, "dev-access-token-ttl", "", "lifetime of the development provider's access tokens, such as 30s (default 1h)")
	fs.StringVar(&f.devRefreshTTL, "dev-refresh-token-ttl", "", "how long the development provider's refresh tokens stay usable after each use (default 168h)")
	fs.StringVar(&f.spaAddr, "spa-addr", "", "listen address of the single-page app, host:port, or off (default 127.0.0.1:8082 with the development provider or an SPA client id)")
	// The flag package prints what is wrong itself; the full help is for
	// -h only, on stdout.
	fs.Usage = func() {}
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		printHelp(stdout, fs)
		return f, flag.ErrHelp
	case err != nil:
		fmt.Fprintln(stderr, "Run okta-sample -h for the flags, environment variables and config file keys.")
		return f, errUsage
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "unexpected arguments: %q\n", fs.Args())
		return f, errUsage
	}
	return f, nil
}

func (f flags) options(getenv func(string) string) config.Options {
	return config.Options{File: f.configFile, Getenv: getenv, Addr: f.addr, Dev: f.dev, DevAddr: f.devAddr, DevEngine: f.devEngine, SPAAddr: f.spaAddr,
		DevAccessTokenTTL: f.devAccessTTL, DevRefreshTokenTTL: f.devRefreshTTL}
}

// listeners are the app's; in dev mode, the development provider's; when
// it runs, the single-page app's; and with -debug-addr, the debug
// server's.
type listeners struct{ app, dev, spa, debug net.Listener }

// listen binds both addresses before anything else, so port 0 (the
// tests) becomes a real port that the redirect URI and the development
// provider's issuer can name before the configuration is final.
func listen(d config.Draft, debugAddr string) (listeners, error) {
	var ls listeners
	var err error
	if ls.app, err = net.Listen("tcp", d.ListenAddr()); err != nil {
		return ls, fmt.Errorf("listening on %s (change it with -addr or PORT): %w", d.ListenAddr(), err)
	}
	if d.Dev() {
		if ls.dev, err = net.Listen("tcp", d.DevAddr()); err != nil {
			ls.close()
			return listeners{}, fmt.Errorf("listening on %s for the development provider (change it with -dev-addr): %w", d.DevAddr(), err)
		}
	}
	if d.SPAAddr() != "" {
		if ls.spa, err = net.Listen("tcp", d.SPAAddr()); err != nil {
			ls.close()
			return listeners{}, fmt.Errorf("listening on %s for the single-page app (change it with -spa-addr, or -spa-addr off): %w", d.SPAAddr(), err)
		}
	}
	if debugAddr != "" {
		if ls.debug, err = listenDebug(debugAddr); err != nil {
			ls.close()
			return listeners{}, err
		}
	}
	return ls, nil
}

// close closes the listeners that are still open.
func (ls listeners) close() {
	for _, ln := range []net.Listener{ls.app, ls.dev, ls.spa, ls.debug} {
		if ln != nil {
			_ = ln.Close() // nothing to do if it fails; already closed after a shutdown
		}
	}
}

// resolveConfig finishes the configuration with what listening decided. In dev
// mode it registers this app with the development provider: its client
// id, a fresh random secret, and the issuer at the provider's real
// address. The Config it returns is final.
func resolveConfig(d config.Draft, ls listeners) (config.Config, error) {
	b := config.Bound{Addr: ls.app.Addr().String()}
	if ls.dev != nil {
		b.Dev = &config.DevClient{
			Issuer:       "http://" + ls.dev.Addr().String() + "/oauth2/default",
			ClientID:     devClientID,
			ClientSecret: rand.Text(),
			SPAClientID:  devprovider.DemoSPAClientID,
		}
	}
	if ls.spa != nil {
		b.SPAAddr = ls.spa.Addr().String()
	}
	cfg, err := d.Resolve(b)
	if err != nil {
		return config.Config{}, configError{err}
	}
	return cfg, nil
}

// app is the wired program: its servers, each on its listener, the
// connector that discovers the provider, and what to close at the end.
type app struct {
	log       *slog.Logger
	servers   []*http.Server
	lns       []net.Listener
	connector *auth.Connector
	// providerClient makes the app's calls to the provider.
	providerClient *http.Client
	demoUsers      []web.DemoUser
	// closeStores releases the stores' connections after the servers
	// have stopped; nil when there is nothing to release.
	closeStores func() error
	// devApps are the other apps registered with the development
	// provider (-dev-app), and sessionsPage its "sign out everywhere"
	// page; both only in dev mode.
	devApps      []devprovider.Client
	sessionsPage string
}

// assets are the browser libraries the app serves from node_modules: the
// Sign-In Widget for the custom login page, okta-auth-js for the SPA.
type assets struct {
	widget web.WidgetAssets
	authJS spa.AuthJS
}

// newApp wires the app for cfg: the development provider when cfg says
// so, the stores (memory or Redis), the login machinery, the web handler
// with the resource server, and the single-page app when it runs.
func newApp(ctx context.Context, cfg config.Config, log *slog.Logger, as assets, ls listeners, others devApps, deps runDeps) (*app, error) {
	a := &app{log: log}
	st, err := newStores(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a.closeStores = st.close
	if cfg.Dev {
		a.devApps = others.clients()
		provider, users, err := newDevProvider(cfg, log, a.devApps, deps.newSigningKey)
		if err != nil {
			a.close()
			return nil, err
		}
		a.demoUsers = users
		a.sessionsPage = provider.SessionsPageURL()
		a.add(provider, ls.dev)
	}
	lg, err := newLogin(cfg, log, st.spent)
	if err != nil {
		a.close()
		return nil, err
	}
	a.connector, a.providerClient = lg.connector, lg.httpClient
	resourceServer, err := api.New(api.Config{
		Provider:       lg.connector,
		Audience:       cfg.APIAudience,
		ClientIDs:      cfg.APIClientIDs(),
		RequiredScope:  cfg.APIScope,
		AllowedOrigins: cfg.APIAllowedOrigins(),
		Leeway:         cfg.Leeway,
		Logger:         log,
	})
	if err != nil {
		a.close()
		return nil, err
	}
	handler, err := web.NewServer(web.Deps{
		Config:   cfg,
		Logger:   log,
		Provider: lg.connector,
		Sessions: session.New(session.Options{
			Store:              st.sessions,
			Secure:             cfg.Secure(),
			MaxSessionsPerUser: cfg.MaxSessionsPerUser,
		}),
		DemoUsers:   a.demoUsers,
		Widget:      as.widget,
		HTTPClient:  lg.httpClient,
		StoreHealth: st.health,
		API:         resourceServer,
	})
	if err != nil {
		a.close()
		return nil, err
	}
	a.add(handler, ls.app)
	if ls.spa != nil {
		spaLog := log.With("component", "spa")
		spaLog.Info("okta-auth-js", "source", as.authJS.String())
		page, err := spa.New(spa.Config{
			Issuer:      cfg.Issuer,
			ClientID:    cfg.SPAClientID,
			MessagesURL: cfg.MessagesEndpoint(),
			AuthJS:      as.authJS,
			Logger:      spaLog,
		})
		if err != nil {
			a.close()
			return nil, err
		}
		a.add(page, ls.spa)
	}
	if ls.debug != nil {
		log.Info("debug server", "url", "http://"+ls.debug.Addr().String()+"/debug/pprof/")
		a.servers = append(a.servers, newDebugServer(st.count, log))
		a.lns = append(a.lns, ls.debug)
	}
	return a, nil
}

// close releases the stores' connections, once.
func (a *app) close() {
	if a.closeStores == nil {
		return
	}
	if err := a.closeStores(); err != nil {
		a.log.Warn("closing the session store", "err", err)
	}
	a.closeStores = nil
}

func (a *app) add(h http.Handler, ln net.Listener) {
	a.servers = append(a.servers, newHTTPServer(h, a.log))
	a.lns = append(a.lns, ln)
}

// login is what the auth package gives the web layer.
type login struct {
	connector  *auth.Connector
	httpClient *http.Client
}

// newLogin wires the auth package for cfg, with spent as the set of
// spent login states (nil: auth's own, in memory). Everything that
// depends on auth's API is here, so a change to that API changes this one
// function.
func newLogin(cfg config.Config, log *slog.Logger, spent auth.SpentStates) (login, error) {
	httpClient := auth.NewHTTPClient(cfg.ProviderTimeout)
	connector := auth.NewConnector(auth.Config{
		HTTPClient:   httpClient,
		Issuer:       cfg.Issuer,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		RedirectURL:  cfg.RedirectURI,
		Scopes:       cfg.Scopes,
		Leeway:       cfg.Leeway,
		Timeout:      cfg.ProviderTimeout,
		// The first key seals, all of them open. None: auth makes a random
		// one, fine for one process (config refuses Redis, that is several
		// replicas, without keys).
		CookieKeys:    cfg.CookieKeys,
		CookiePath:    web.CookiePath(cfg.CallbackPath()),
		SecureCookies: cfg.Secure(),
		// Shared with every replica when Redis is configured, so a
		// callback is accepted once across all of them.
		SpentStates: spent,
	}, log)
	return login{connector: connector, httpClient: httpClient}, nil
}

// serve runs the servers and the provider discovery until ctx ends or a
// server fails, then shuts everything down gracefully.
func (a *app) serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	serveErr := make(chan error, len(a.servers))
	for i, srv := range a.servers {
		ln := a.lns[i]
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				serveErr <- err
			}
		})
	}
	wg.Go(func() { a.connector.Run(ctx) })

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	cancel()
	shutdownCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	// A connection the provider client dialled but never used would hold
	// the development provider's shutdown for 5s: net/http waits that long
	// for a new connection's first request.
	a.providerClient.CloseIdleConnections()
	for _, srv := range a.servers {
		if serr := srv.Shutdown(shutdownCtx); serr != nil {
			a.log.Warn("shutdown", "err", serr)
		}
	}
	wg.Wait()
	a.close()
	a.log.Info("stopped")
	return err
}

// newDevProvider makes the embedded provider for cfg, with a client
// registered for exactly this app: its redirect URI, its public URL for
// logout and as a trusted origin. It returns the provider with its demo
// users as the overview page and the banner show them.
func newDevProvider(cfg config.Config, log *slog.Logger, others []devprovider.Client, newSigningKey func() (*rsa.PrivateKey, error)) (*devprovider.Provider, []web.DemoUser, error) {
	engine := devprovider.EngineIdentity
	if cfg.DevEngine == config.DevEngineClassic {
		engine = devprovider.EngineClassic
	}
	users := devprovider.DemoUsers()
	// This app, whose logout URIs default to its two logout routes at its
	// redirect URI's origin, and the other apps (-dev-app).
	clients := append([]devprovider.Client{{
		ID:                     cfg.ClientID,
		Secret:                 cfg.ClientSecret,
		RedirectURIs:           []string{cfg.RedirectURI},
		PostLogoutRedirectURIs: []string{cfg.BaseURL()},
	}}, others...)
	if spa := devSPAClient(cfg); spa != nil {
		clients = append(clients, *spa)
	}
	// The origins browsers reach the apps at, behind a proxy or not: the
	// custom login page's calls come from there (CORS).
	trusted := []string{cfg.PublicURL()}
	for _, c := range others {
		u, err := url.Parse(c.RedirectURIs[0])
		if err != nil {
			return nil, nil, fmt.Errorf("development provider: %s's redirect URI: %w", c.ID, err)
		}
		trusted = append(trusted, u.Scheme+"://"+u.Host)
	}
	p, err := devprovider.New(devprovider.Config{
		Issuer:         cfg.Issuer,
		Clients:        clients,
		Users:          users,
		TrustedOrigins: trusted,
		Engine:         engine,
		// Short lifetimes let a test, or a curious user, see the app
		// refresh the access token (-dev-access-token-ttl 30s).
		AccessTokenTTL:  cfg.DevAccessTokenTTL,
		RefreshTokenTTL: cfg.DevRefreshTokenTTL,
		Logger:          log.With("component", "devprovider"),
		NewSigningKey:   newSigningKey,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("development provider: %w", err)
	}
	demo := make([]web.DemoUser, 0, len(users))
	for _, u := range users {
		d := web.DemoUser{Login: u.Login, Password: u.Password, Name: u.GivenName + " " + u.FamilyName}
		if u.TOTPSecret != "" {
			// The demo users' secrets are public by design, like their
			// passwords.
			if d.TOTPURI, err = u.TOTPURI(); err != nil {
				return nil, nil, fmt.Errorf("development provider: %s: %w", u.Login, err)
			}
			d.TOTPPageURL = p.TOTPPageURL()
		}
		demo = append(demo, d)
	}
	return p, demo, nil
}

// devSPAClient is the development provider's single-page app client: a
// public client with PKCE, for the SPA's origin and for every other origin
// the API allows, so that a front end nobody here wrote (Okta's React or
// Angular sample) can sign in with it too. Nil when there is neither.
func devSPAClient(cfg config.Config) *devprovider.Client {
	var origins []string
	if cfg.SPAOrigin != "" {
		origins = append(origins, cfg.SPAOrigin)
	}
	for _, o := range cfg.APIAllowedOrigins() {
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	if len(origins) == 0 {
		return nil
	}
	c := devprovider.DemoSPAClient(origins[0])
	for _, o := range origins[1:] {
		c.RedirectURIs = append(c.RedirectURIs, o+devprovider.SPACallbackPath)
		c.PostLogoutRedirectURIs = append(c.PostLogoutRedirectURIs, o+"/", o)
	}
	return &c
}

// newHTTPServer sets the timeouts that keep slow or idle clients from
// holding connections forever.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	default:
		return nil, fmt.Errorf("-log-format %q: want text or json", format)
	}
}

// printBanner tells the newcomer where everything is. It never prints
// this app's client secret; the demo passwords are public by design, and
// the other apps' secrets (-dev-app) were made by the development
// provider for this run, for those apps.
func printBanner(w io.Writer, cfg config.Config, a *app) {
	base := cfg.BaseURL()
	fmt.Fprintf(w, "Okta Go Sample\n  app:      %s\n  issuer:   %s\n", base, cfg.Issuer)
	fmt.Fprintf(w, "  api:      %s (Bearer access tokens: aud %s, scope %s, clients %s)\n",
		cfg.PublicURL()+api.MessagesPath, cfg.APIAudience, cfg.APIScope, strings.Join(cfg.APIClientIDs(), ", "))
	if cfg.SPAOrigin != "" {
		fmt.Fprintf(w, "  spa:      %s/ (single-page app with okta-auth-js, public client %s)\n", cfg.SPAOrigin, cfg.SPAClientID)
	}
	if cfg.Dev {
		engine := "Identity Engine; -dev-engine classic for Classic"
		if cfg.DevEngine == config.DevEngineClassic {
			engine = "Classic Engine"
		}
		fmt.Fprintf(w, "  provider: embedded development provider, %s (no Okta account needed)\n", engine)
		for _, o := range cfg.DevOverrides() {
			fmt.Fprintf(w, "  -dev ignores: %s\n", o)
		}
		fmt.Fprintf(w, "  client:   %s, redirect URI %s (its secret is made for this run and stays in this process)\n", cfg.ClientID, cfg.RedirectURI)
		fmt.Fprintf(w, "  demo users:\n")
		for _, u := range a.demoUsers {
			if u.TOTPURI == "" {
				fmt.Fprintf(w, "    %-22s password %s\n", u.Login, u.Password)
				continue
			}
			fmt.Fprintf(w, "    %-22s password %s, then a one-time code (TOTP)\n", u.Login, u.Password)
			fmt.Fprintf(w, "    %-22s authenticator app: %s\n", "", u.TOTPURI)
			if u.TOTPPageURL != "" {
				fmt.Fprintf(w, "    %-22s current code:      %s\n", "", u.TOTPPageURL)
			}
		}
		printDevApps(w, cfg.Issuer, a.devApps)
		if a.sessionsPage != "" {
			fmt.Fprintf(w, "  sign a user out everywhere (development only): %s\n", a.sessionsPage)
		}
	}
	fmt.Fprintf(w, "Open %s in a browser. Press Ctrl+C to stop.\n", base)
}
