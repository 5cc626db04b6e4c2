package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/session"
	"github.com/okta-samples/okta-go-sample/web"
)

// devClientID is the client registered with the development provider.
const devClientID = "0oa-okta-go-sample-dev"

// run is the whole program: it reads the configuration, starts the
// development provider when needed, discovers the provider, serves the app
// and shuts down gracefully when ctx ends. Tests call it with -addr and
// -dev-addr on port 0.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("okta-sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		configFile = fs.String("config", "", "Okta samples config file (default ./"+config.DefaultFile+" when it exists)")
		addr       = fs.String("addr", "", "listen address, host:port (default 127.0.0.1:<server.port>)")
		dev        = fs.Bool("dev", false, "use the embedded development provider even if an issuer is configured")
		devAddr    = fs.String("dev-addr", config.DefaultDevAddr, "listen address of the development provider")
		logFormat  = fs.String("log-format", "text", "log format: text or json")
		debugAddr  = fs.String("debug-addr", "", "serve Go's profiler and heap statistics on this loopback address (off by default)")
	)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %q\n", fs.Args())
		return errUsage
	}
	log, err := newLogger(stderr, *logFormat)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}

	cfg := config.Load(config.Options{File: *configFile, Getenv: getenv})
	cfg.Addr, cfg.DevAddr = *addr, *devAddr
	if *dev {
		cfg.Dev = true
		cfg.Issuer, cfg.ClientID, cfg.ClientSecret = "", "", ""
	}
	if err := cfg.Resolve(); err != nil {
		return configError{err}
	}
	widget, err := web.FindWidget(cfg.WidgetDir)
	if err != nil {
		return configError{err}
	}

	// Listen before anything else, so port 0 (tests) resolves to a real
	// port that the redirect URI and the dev provider can name.
	appLn, err := net.Listen("tcp", cfg.ListenAddr())
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.ListenAddr(), err)
	}
	defer appLn.Close()
	if err := cfg.BindPort(appLn.Addr().(*net.TCPAddr).Port); err != nil {
		return configError{err}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var servers []*http.Server
	var wg sync.WaitGroup
	serveErr := make(chan error, 3)
	serve := func(srv *http.Server, ln net.Listener) {
		servers = append(servers, srv)
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				serveErr <- err
			}
		})
	}

	var debugLn net.Listener
	if *debugAddr != "" {
		if debugLn, err = listenDebug(*debugAddr); err != nil {
			return err
		}
		defer debugLn.Close()
	}

	var demoUsers []web.DemoUser
	if cfg.Dev {
		devLn, err := net.Listen("tcp", cfg.DevAddr)
		if err != nil {
			return fmt.Errorf("listening on %s for the development provider (change it with -dev-addr): %w", cfg.DevAddr, err)
		}
		defer devLn.Close()
		provider, users, err := newDevProvider(&cfg, devLn.Addr().String(), log)
		if err != nil {
			return err
		}
		demoUsers = users
		serve(newHTTPServer(provider, log), devLn)
	}

	cookieKey := cfg.CookieKey
	if len(cookieKey) == 0 {
		if cookieKey, err = auth.NewCookieKey(); err != nil {
			return err
		}
	}
	cookiePath := auth.CookiePath(append(web.LoginStartPaths(), cfg.CallbackPath())...)
	txCookies, err := auth.NewTransactionCookies(cookieKey, cookiePath, cfg.Secure(), nil)
	if err != nil {
		return err
	}
	httpClient := auth.NewHTTPClient(cfg.ProviderTimeout)
	connector := auth.NewConnector(auth.Config{
		HTTPClient:   httpClient,
		Issuer:       cfg.Issuer,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		RedirectURL:  cfg.RedirectURI,
		Leeway:       cfg.Leeway,
		Timeout:      cfg.ProviderTimeout,
		Logger:       log,
	}, log)
	wg.Go(func() { connector.Run(ctx) })

	sessionStore := session.NewMemoryStore(session.MemoryOptions{})
	handler, err := web.NewServer(web.Deps{
		Config:       cfg,
		Logger:       log,
		Provider:     connector,
		Transactions: txCookies,
		Sessions:     session.New(session.Options{Secure: cfg.Secure(), Store: sessionStore}),
		DemoUsers:    demoUsers,
		Widget:       widget,
		HTTPClient:   httpClient,
	})
	if err != nil {
		return err
	}
	serve(newHTTPServer(handler, log), appLn)
	if debugLn != nil {
		log.Info("debug server", "url", "http://"+debugLn.Addr().String()+"/debug/pprof/")
		serve(newDebugServer(sessionStore, log), debugLn)
	}
	printBanner(stdout, cfg, demoUsers)

	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	cancel()
	shutdownCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	for _, srv := range servers {
		if serr := srv.Shutdown(shutdownCtx); serr != nil {
			log.Warn("shutdown", "err", serr)
		}
	}
	wg.Wait()
	log.Info("stopped")
	return err
}

// newDevProvider starts the embedded provider's handler at addr and points
// cfg at it, with a client registered for exactly this app.
func newDevProvider(cfg *config.Config, addr string, log *slog.Logger) (http.Handler, []web.DemoUser, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, nil, fmt.Errorf("making the dev client secret: %w", err)
	}
	issuer := "http://" + addr + "/oauth2/default"
	cfg.UseDevProvider(issuer, devClientID, base64.RawURLEncoding.EncodeToString(secret))

	appOrigin, err := url.Parse(cfg.RedirectURI)
	if err != nil {
		return nil, nil, fmt.Errorf("redirect URI: %w", err)
	}
	users := devprovider.DemoUsers()
	p, err := devprovider.New(devprovider.Config{
		Issuer: issuer,
		Clients: []devprovider.Client{{
			ID:                     cfg.ClientID,
			Secret:                 cfg.ClientSecret,
			RedirectURIs:           []string{cfg.RedirectURI},
			PostLogoutRedirectURIs: []string{cfg.BaseURL()},
		}},
		Users:          users,
		TrustedOrigins: []string{appOrigin.Scheme + "://" + appOrigin.Host},
		Logger:         log.With("component", "devprovider"),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("development provider: %w", err)
	}
	demo := make([]web.DemoUser, 0, len(users))
	for _, u := range users {
		demo = append(demo, web.DemoUser{Login: u.Login, Password: u.Password, Name: u.GivenName + " " + u.FamilyName})
	}
	return p, demo, nil
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

// printBanner tells the newcomer where everything is. It never prints the
// client secret; the demo passwords are public by design.
func printBanner(w io.Writer, cfg config.Config, users []web.DemoUser) {
	app := cfg.BaseURL()
	fmt.Fprintf(w, "Okta Go Sample\n  app:      %s\n  issuer:   %s\n", app, cfg.Issuer)
	if cfg.Dev {
		fmt.Fprintf(w, "  provider: embedded development provider (no Okta account needed)\n  demo users:\n")
		for _, u := range users {
			fmt.Fprintf(w, "    %-22s password %s\n", u.Login, u.Password)
		}
	}
	fmt.Fprintf(w, "Open %s in a browser. Press Ctrl+C to stop.\n", app)
}
