package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/okta-samples/okta-go-sample/devprovider"
)

const (
	defaultAddr     = "127.0.0.1:8081"
	defaultClientID = "0oa-okta-go-sample-dev"
	callbackPath    = "/authorization-code/callback"
)

var (
	errUsage  = errors.New("usage")
	errConfig = errors.New("configuration")
)

// configError marks err as a configuration problem (exit code 2) without
// changing its message.
type configError struct{ err error }

func (e configError) Error() string        { return e.err.Error() }
func (e configError) Unwrap() error        { return e.err }
func (e configError) Is(target error) bool { return target == errConfig }

// settings is the client registration read from the environment.
type settings struct {
	clientID, clientSecret string
	redirectURI            string
	publicURL              string // origin, no trailing slash
}

// run parses args and the environment, serves the provider on -addr and
// shuts down gracefully when ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("okta-sample-devprovider", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", defaultAddr, "listen address, host:port on loopback; the issuer is http://ADDR/oauth2/default")
	var apps []string
	fs.Func("app", "register another copy of the app, at this origin (such as http://localhost:8082), as a demo client of its own\n"+
		"for single sign-on and single logout between apps; repeatable. Its client id, secret and redirect URI are printed", func(v string) error {
		origin, err := parseOrigin(v)
		if err != nil {
			return err
		}
		apps = append(apps, origin)
		return nil
	})
	var spa string
	fs.Func("spa", "register a single-page app at this origin (such as http://localhost:8083) as a public client:\n"+
		"no secret, PKCE required, CORS for its origin. Its client id and redirect URI are printed", func(v string) error {
		origin, err := parseOrigin(v)
		spa = origin
		return err
	})
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %q\n", fs.Args())
		return errUsage
	}
	s, err := readSettings(getenv)
	if err := errors.Join(err, checkLoopback(*addr)); err != nil {
		return configError{err}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s (change it with -addr): %w", *addr, err)
	}
	defer ln.Close()
	issuer := "http://" + ln.Addr().String() + "/oauth2/default"
	log := slog.New(slog.NewTextHandler(stderr, nil)).With("component", "devprovider")
	users := devprovider.DemoUsers()
	clients := []devprovider.Client{{
		ID:           s.clientID,
		Secret:       s.clientSecret,
		RedirectURIs: []string{s.redirectURI},
		// The app may name its origin with or without the slash.
		PostLogoutRedirectURIs: []string{s.publicURL + "/", s.publicURL},
		// The logout URIs default to the app's routes at the redirect
		// URI's origin.
	}}
	trusted := []string{s.publicURL}
	// The other apps are demo clients 2, 3 and so on: client 1's id is the
	// one the environment gives.
	for i, origin := range apps {
		clients = append(clients, devprovider.DemoClient(i+2, origin))
		trusted = append(trusted, origin)
	}
	if spa != "" {
		clients = append(clients, devprovider.DemoSPAClient(spa))
	}
	provider, err := devprovider.New(devprovider.Config{
		Issuer:         issuer,
		Clients:        clients,
		Users:          users,
		TrustedOrigins: trusted,
		Logger:         log,
		HTTPClient:     &http.Client{Timeout: 5 * time.Second},
	})
	if err != nil {
		return configError{err}
	}

	srv := &http.Server{
		Handler:           provider,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	// The demo passwords are public by design; the client secret is never
	// printed.
	fmt.Fprintf(stdout, "Okta Go Sample development provider\n  issuer:       %s\n  client id:    %s\n  redirect URI: %s\n  app origin:   %s\n",
		issuer, s.clientID, s.redirectURI, s.publicURL)
	// The other apps' secrets were made by this process, for development
	// only, and mean nothing anywhere else: the apps need them to sign in.
	for _, c := range clients[1:] {
		if c.Public {
			fmt.Fprintf(stdout, "  single-page app (public, PKCE): client id %s\n                redirect URI %s\n", c.ID, c.RedirectURIs[0])
			continue
		}
		fmt.Fprintf(stdout, "  another app:  client id %s\n                client secret %s\n                redirect URI %s\n",
			c.ID, c.Secret, c.RedirectURIs[0])
	}
	fmt.Fprintf(stdout, "  sign out everywhere (dev only): %s\n  demo users:\n", provider.SessionsPageURL())
	for _, u := range users {
		fmt.Fprintf(stdout, "    %-22s password %s\n", u.Login, u.Password)
	}

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("serving: %w", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// readSettings reads the client registration and reports every problem at
// once, naming the variable. It never echoes the secret.
func readSettings(getenv func(string) string) (settings, error) {
	s := settings{
		clientID:     getenv("OKTA_OAUTH2_CLIENT_ID"),
		clientSecret: getenv("OKTA_OAUTH2_CLIENT_SECRET"),
		redirectURI:  getenv("OKTA_OAUTH2_REDIRECT_URI"),
		publicURL:    getenv("OKTA_SAMPLE_PUBLIC_URL"),
	}
	if s.clientID == "" {
		s.clientID = defaultClientID
	}
	var errs []error
	if s.clientSecret == "" {
		errs = append(errs, errors.New("OKTA_OAUTH2_CLIENT_SECRET is not set: give the provider the secret the replicas use"))
	}
	if s.publicURL != "" {
		origin, err := parseOrigin(s.publicURL)
		if err != nil {
			errs = append(errs, fmt.Errorf("OKTA_SAMPLE_PUBLIC_URL: %w", err))
		}
		s.publicURL = origin
	}
	switch {
	case s.redirectURI != "":
		u, err := url.Parse(s.redirectURI)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("OKTA_OAUTH2_REDIRECT_URI %q: want an absolute http or https URL", s.redirectURI))
		} else if s.publicURL == "" {
			s.publicURL = u.Scheme + "://" + u.Host
		}
	case s.publicURL != "":
		s.redirectURI = s.publicURL + callbackPath
	default:
		errs = append(errs, errors.New("neither OKTA_OAUTH2_REDIRECT_URI nor OKTA_SAMPLE_PUBLIC_URL is set: set the app's public URL, for example https://localhost:8443"))
	}
	return s, errors.Join(errs...)
}

// parseOrigin accepts scheme://host[:port] with an optional trailing slash
// and returns it without the slash.
func parseOrigin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", raw)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q: want an origin such as https://localhost:8443, with no path, query or user", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// checkLoopback refuses a listen address off loopback: the demo users'
// passwords are published in the README.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: want host:port: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-addr %q: the development provider listens on loopback only (127.0.0.1, ::1 or localhost), because its demo passwords are public", addr)
}
