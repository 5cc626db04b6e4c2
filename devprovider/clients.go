package devprovider

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The sample app's routes for logout notifications, and so the default
// logout URIs of a Client: FrontchannelLogoutPath and BackchannelLogoutPath
// at the origin of the client's first redirect URI.
const (
	FrontchannelLogoutPath = "/authorization-code/frontchannel-logout"
	BackchannelLogoutPath  = "/authorization-code/backchannel-logout"
	// NoLogoutURI, as a Client's FrontchannelLogoutURI or
	// BackchannelLogoutURI, turns that notification off for the client.
	NoLogoutURI = "none"
)

// defaultBackchannelTimeout is Config.BackchannelLogoutTimeout's default.
const defaultBackchannelTimeout = 5 * time.Second

// appCallbackPath is the sample app's redirect URI path.
const appCallbackPath = "/authorization-code/callback"

// DemoClientID returns the client id of demo client n (from 1): the id
// the sample app uses in development mode for n = 1, and a numbered one
// for the others, so that several copies of the app can share one
// provider (single sign-on, single logout).
func DemoClientID(n int) string {
	const base = "0oa-okta-go-sample-dev"
	if n <= 1 {
		return base
	}
	return base + "-" + strconv.Itoa(n)
}

// DemoClient registers a copy of the sample app served at origin (such as
// http://localhost:8082) as demo client n (from 1): id DemoClientID(n), a
// fresh random secret, the app's callback as redirect URI, its origin
// (with and without the slash) as post-logout redirect URIs, and the app's
// two logout routes as its logout URIs.
func DemoClient(n int, origin string) Client {
	return Client{
		ID:                     DemoClientID(n),
		Secret:                 rand.Text() + rand.Text(),
		RedirectURIs:           []string{origin + appCallbackPath},
		PostLogoutRedirectURIs: []string{origin + "/", origin},
		FrontchannelLogoutURI:  origin + FrontchannelLogoutPath,
		BackchannelLogoutURI:   origin + BackchannelLogoutPath,
	}
}

// DemoClients registers one copy of the sample app at each origin, as demo
// clients 1, 2 and so on (see DemoClient).
func DemoClients(origins ...string) []Client {
	clients := make([]Client, len(origins))
	for i, o := range origins {
		clients[i] = DemoClient(i+1, o)
	}
	return clients
}

// DemoSPAClientID is the client id of DemoSPAClient.
const DemoSPAClientID = "0oa-okta-go-sample-spa"

// SPACallbackPath is the redirect URI path of DemoSPAClient, that of
// Okta's React and Angular samples.
const SPACallbackPath = "/login/callback"

// DemoSPAClient registers a single-page app served at origin (such as
// http://localhost:8083) as a public client: id DemoSPAClientID, no
// secret, PKCE with S256 required, origin+SPACallbackPath as redirect URI
// and its origin (with and without the slash) as post-logout redirect
// URIs. Its origin gets CORS on the endpoints a browser app calls.
func DemoSPAClient(origin string) Client {
	return Client{
		ID:                     DemoSPAClientID,
		Public:                 true,
		RedirectURIs:           []string{origin + SPACallbackPath},
		PostLogoutRedirectURIs: []string{origin + "/", origin},
	}
}

// withLogoutURIs returns c with its logout URIs resolved: an empty one
// becomes, for a confidential client, the sample app's route at the origin
// of the first redirect URI, and NoLogoutURI becomes "".
func (c Client) withLogoutURIs() Client {
	resolve := func(uri, path string) string {
		switch uri {
		case NoLogoutURI:
			return ""
		case "":
			if c.Public || len(c.RedirectURIs) == 0 {
				return ""
			}
			origin, err := originOf(c.RedirectURIs[0])
			if err != nil {
				return "" // reported by validate
			}
			return origin + path
		}
		return uri
	}
	c.FrontchannelLogoutURI = resolve(c.FrontchannelLogoutURI, FrontchannelLogoutPath)
	c.BackchannelLogoutURI = resolve(c.BackchannelLogoutURI, BackchannelLogoutPath)
	return c
}

// checkLogoutURIs reports what is wrong with c's logout URIs, each error
// starting with the field's name.
func (c Client) checkLogoutURIs() []error {
	var errs []error
	if u := c.FrontchannelLogoutURI; u != "" && u != NoLogoutURI {
		if err := checkRegisteredURI(u); err != nil {
			errs = append(errs, fmt.Errorf("FrontchannelLogoutURI: %w", err))
		} else if !c.hasRedirectOrigin(u) {
			// Front-Channel Logout 1.0 §2: "The domain, port, and scheme of
			// this URL MUST be the same as that of a registered Redirection
			// URI value."
			errs = append(errs, fmt.Errorf("FrontchannelLogoutURI %q must have the scheme, host and port of one of RedirectURIs (Front-Channel Logout 1.0 §2)", u))
		}
	}
	if u := c.BackchannelLogoutURI; u != "" && u != NoLogoutURI {
		if err := checkRegisteredURI(u); err != nil {
			errs = append(errs, fmt.Errorf("BackchannelLogoutURI: %w", err))
		} else if scheme := schemeOf(u); scheme != "http" && scheme != "https" {
			errs = append(errs, fmt.Errorf("BackchannelLogoutURI %q must be an http or https URL", u))
		}
	}
	return errs
}

// hasRedirectOrigin reports whether u has the origin of one of c's
// redirect URIs.
func (c Client) hasRedirectOrigin(u string) bool {
	want, err := originOf(u)
	if err != nil {
		return false
	}
	for _, ru := range c.RedirectURIs {
		if o, err := originOf(ru); err == nil && o == want {
			return true
		}
	}
	return false
}

// originOf returns scheme://host[:port] of an absolute URL.
func originOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

func schemeOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme
}

// noRedirects returns a copy of c (or of a default client with a timeout,
// when c is nil) that never follows redirects.
func noRedirects(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = defaultBackchannelTimeout
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}
