package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/devprovider"
)

// devApps are the origins given with -dev-app: other copies of the app
// that the development provider registers as clients of their own, so
// that they share this app's sign-in (single sign-on) and its sign-out
// (single logout).
type devApps []string

// String implements flag.Value.
func (d *devApps) String() string { return strings.Join(*d, ",") }

// Set implements flag.Value: one origin, such as http://127.0.0.1:8082.
func (d *devApps) Set(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q: want an origin such as http://127.0.0.1:8082, with no path, query or user", v)
	}
	*d = append(*d, u.Scheme+"://"+strings.ToLower(u.Host))
	return nil
}

// check refuses -dev-app without the development provider, an origin
// given twice or that is this app's, and one on this app's host name:
// browsers keep cookies per host, whatever the port, so two apps on
// localhost:8080 and localhost:8082 would overwrite each other's session
// cookie and sign each other out.
func (d devApps) check(cfg config.Config) error {
	if len(d) == 0 {
		return nil
	}
	if !cfg.Dev {
		return errors.New("-dev-app registers another app with the development provider, which only runs with -dev (or with no provider settings at all); with a real provider, register the other app there")
	}
	self, err := url.Parse(cfg.PublicURL())
	if err != nil {
		return fmt.Errorf("the public URL %q: %w", cfg.PublicURL(), err)
	}
	var errs []error
	seen := map[string]bool{}
	for _, origin := range d {
		u, err := url.Parse(origin)
		if err != nil {
			errs = append(errs, fmt.Errorf("-dev-app %s: %w", origin, err))
			continue
		}
		switch {
		case seen[origin]:
			errs = append(errs, fmt.Errorf("-dev-app %s is given twice", origin))
		case strings.EqualFold(u.Hostname(), self.Hostname()):
			errs = append(errs, fmt.Errorf("-dev-app %s is on this app's host name %s: browsers share cookies between ports, so the two apps would overwrite each other's session cookie; use another host name for it, such as %s",
				origin, self.Hostname(), otherLoopbackOrigin(self.Hostname(), u)))
		}
		seen[origin] = true
	}
	return errors.Join(errs...)
}

// otherLoopbackOrigin suggests u on the other name of the loopback host.
func otherLoopbackOrigin(host string, u *url.URL) string {
	other := "127.0.0.1"
	if host == "127.0.0.1" {
		other = "localhost"
	}
	if port := u.Port(); port != "" {
		return u.Scheme + "://" + net.JoinHostPort(other, port)
	}
	return u.Scheme + "://" + other
}

// clients registers the apps as demo clients 2, 3 and so on (this app is
// client 1): a client id each, a random secret made for this run, the
// app's callback, and its two logout routes.
func (d devApps) clients() []devprovider.Client {
	out := make([]devprovider.Client, len(d))
	for i, origin := range d {
		out[i] = devprovider.DemoClient(i+2, origin)
	}
	return out
}

// printDevApps tells how to start each other app against this app's
// development provider. The secrets are printed: the development provider
// made them for this run, on this machine, and the other apps need them.
func printDevApps(w io.Writer, issuer string, apps []devprovider.Client) {
	if len(apps) == 0 {
		return
	}
	fmt.Fprintf(w, "  other apps sharing the sign-in (-dev-app; the secrets are made for this run, development only):\n")
	for _, c := range apps {
		redirect := c.RedirectURIs[0]
		addr := "127.0.0.1"
		if u, err := url.Parse(redirect); err == nil && u.Port() != "" {
			addr = net.JoinHostPort("127.0.0.1", u.Port())
		}
		fmt.Fprintf(w, "    client id %s\n", c.ID)
		fmt.Fprintf(w, "      client secret %s\n", c.Secret)
		fmt.Fprintf(w, "      redirect URI  %s\n", redirect)
		fmt.Fprintf(w, "      start it:     OKTA_OAUTH2_ISSUER=%s OKTA_OAUTH2_CLIENT_ID=%s OKTA_OAUTH2_CLIENT_SECRET=%s OKTA_OAUTH2_REDIRECT_URI=%s go run ./cmd/okta-sample -addr %s\n",
			issuer, c.ID, c.Secret, redirect, addr)
	}
}
