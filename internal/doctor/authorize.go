package doctor

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// checkRedirectURI shows the provider the authorization request the app
// would send (OIDC Core 3.1.2.1: client_id, the redirect_uri, response_type
// code, scope openid, state, nonce and an S256 code_challenge), as a
// browser without a session would. A provider must not redirect to a
// redirect URI it does not know (RFC 6749 3.1.2.3, 4.1.2.1): it shows an
// error page instead, which is what this check looks for. A sign-in page,
// or a redirect to the redirect URI, means the request was accepted.
//
// Redirects within the provider's origin are followed (GET, no cookies, a
// few hops), because some providers check the request only on the page
// they redirect to: Dex, with a single connector, sends every request on
// to that connector's page and refuses an unregistered redirect URI there.
// A redirect to the redirect URI, or to another origin, is never followed.
func (d *doctor) checkRedirectURI(ctx context.Context, disc *discovery) {
	if disc == nil {
		return // reported with the discovery
	}
	if disc.AuthorizationEndpoint == "" {
		d.skip(CheckRedirectURI, "discovery names no authorization_endpoint")
		return
	}
	endpoint, err := url.Parse(disc.AuthorizationEndpoint)
	if err != nil {
		d.skip(CheckRedirectURI, "the authorization_endpoint is not a URL") // reported by the endpoints check
		return
	}
	conf := oauth2.Config{
		ClientID:    d.cfg.ClientID,
		RedirectURL: d.cfg.RedirectURI,
		Scopes:      []string{"openid"},
		Endpoint:    oauth2.Endpoint{AuthURL: disc.AuthorizationEndpoint},
	}
	next, err := url.Parse(conf.AuthCodeURL(rand.Text(),
		oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
		oauth2.SetAuthURLParam("nonce", rand.Text())))
	if err != nil {
		d.skip(CheckRedirectURI, "the authorization_endpoint is not a URL")
		return
	}
	redirect, err := url.Parse(d.cfg.RedirectURI)
	if err != nil {
		redirect = &url.URL{} // config made sure it parses; then nothing matches it
	}
	asked := fmt.Sprintf("GET %s for redirect_uri %s: ", clean(withoutQuery(endpoint), 200), d.cfg.RedirectURI)
	const maxHops = 5
	for hop := 0; ; hop++ {
		a, err := d.get(ctx, next.String(), "text/html")
		if err != nil {
			d.fail(CheckRedirectURI, fmt.Sprintf("%sGET %s: %v", asked, clean(withoutQuery(next), 200), err),
				"check that this machine reaches the authorization endpoint; browsers will need to as well")
			return
		}
		switch {
		case a.status == http.StatusOK:
			d.pass(CheckRedirectURI, "%s200, the provider shows its sign-in page", asked)
			return
		case a.status < 300 || a.status >= 400:
			d.judgeRefusal(asked, a)
			return
		}
		loc, err := next.Parse(a.header.Get("Location"))
		if err != nil || a.header.Get("Location") == "" {
			d.fail(CheckRedirectURI, fmt.Sprintf("%s%d without a usable Location", asked, a.status),
				"the provider's authorization endpoint answers oddly; check the issuer")
			return
		}
		q := loc.Query()
		code, desc := clean(q.Get("error"), 60), clean(q.Get("error_description"), 200)
		switch {
		case sameEndpoint(loc, redirect) && code != "":
			d.warn(CheckRedirectURI,
				fmt.Sprintf("%s%d back to the redirect URI, so it is registered (a provider redirects only to registered URIs), but with error=%s %s", asked, a.status, code, desc),
				"the redirect URI is fine; the error is about the request or the app's settings at the provider (grant types, scopes, assignments)")
			return
		case sameEndpoint(loc, redirect):
			d.pass(CheckRedirectURI, "%s%d back to the redirect URI, so it is registered", asked, a.status)
			return
		case code != "" || strings.Contains(strings.ToLower(loc.Path), "error"):
			detail := fmt.Sprintf("%s%d to the provider's error page %s", asked, a.status, clean(withoutQuery(loc), 200))
			if code != "" {
				detail += fmt.Sprintf(": error=%s %s", code, desc)
			}
			d.fail(CheckRedirectURI, detail, d.refusalFix(code+" "+desc+" "+loc.Path))
			return
		case !sameOrigin(loc, endpoint):
			d.pass(CheckRedirectURI, "%s%d on to sign in at %s", asked, a.status, clean(withoutQuery(loc), 200))
			return
		case hop == maxHops:
			d.warn(CheckRedirectURI, fmt.Sprintf("%s%d to %s: stopped after %d redirects within the provider", asked, a.status, clean(withoutQuery(loc), 200), maxHops+1),
				"sign in once through the app to see where the provider leads; the redirect URI could not be checked")
			return
		}
		asked += fmt.Sprintf("%d to %s, then ", a.status, clean(withoutQuery(loc), 200))
		next = loc
	}
}

// judgeRefusal reads an authorization request that was answered with an
// error page: Okta's, Dex's and the development provider's are 400 pages
// that name the parameter.
func (d *doctor) judgeRefusal(asked string, a answer) {
	detail := asked + describe(a)
	var oe struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(a.body, &oe) == nil && oe.Error != "" {
		detail += fmt.Sprintf(": %s %s", clean(oe.Error, 60), clean(oe.Description, 200))
	}
	switch {
	case a.status >= 500:
		d.fail(CheckRedirectURI, detail, "the provider failed; try again later")
	case mentions(a.body, "redirect_uri", "redirect uri"):
		d.fail(CheckRedirectURI, detail+": the provider refused the redirect URI", d.refusalFix("redirect_uri"))
	case mentions(a.body, "client_id", "client id"):
		d.fail(CheckRedirectURI, detail+": the provider refused the client id", d.refusalFix("client_id"))
	default:
		d.fail(CheckRedirectURI, detail+": the provider refused the authorization request", d.refusalFix(""))
	}
}

// refusalFix says what to change after the provider refused the
// authorization request; about is what it said.
func (d *doctor) refusalFix(about string) string {
	switch b := []byte(about); {
	case mentions(b, "redirect_uri", "redirect uri"):
		return fmt.Sprintf("register exactly %s as a Sign-in redirect URI of the Okta app whose client id is %s (Applications → your app → General → Login), "+
			"or set OKTA_OAUTH2_REDIRECT_URI (oidc.redirectUri) to one that is registered. The comparison is exact: scheme, host, port and path",
			d.cfg.RedirectURI, d.cfg.ClientID)
	case mentions(b, "client_id", "client id", "client"):
		return fmt.Sprintf("the provider does not know the client id %s: copy it again from your Okta app's General tab, and check that the app belongs to this issuer's org", d.cfg.ClientID)
	default:
		return "the provider's error page says why; check the client id and the Sign-in redirect URIs of your Okta app"
	}
}

// mentions reports whether body contains one of words, ignoring case.
func mentions(body []byte, words ...string) bool {
	lower := bytes.ToLower(body)
	for _, w := range words {
		if bytes.Contains(lower, []byte(w)) {
			return true
		}
	}
	return false
}

// sameEndpoint reports whether u points at the endpoint e: same scheme,
// host and path, whatever the query.
func sameEndpoint(u, e *url.URL) bool {
	return strings.EqualFold(u.Scheme, e.Scheme) && strings.EqualFold(u.Host, e.Host) && u.Path == e.Path
}

// sameOrigin reports whether u and v have the same scheme, host and port.
func sameOrigin(u, v *url.URL) bool {
	return strings.EqualFold(u.Scheme, v.Scheme) && strings.EqualFold(u.Host, v.Host)
}
