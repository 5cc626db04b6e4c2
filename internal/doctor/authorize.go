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
// code, scope openid, state, nonce and an S256 code_challenge) and reads
// the first answer without following it. A provider must not redirect to
// a redirect URI it does not know (RFC 6749 3.1.2.3, 4.1.2.1): it shows an
// error page instead, which is what this check looks for. A sign-in page,
// or a redirect to one or to the redirect URI, means the request was
// accepted.
func (d *doctor) checkRedirectURI(ctx context.Context, disc *discovery) {
	if disc == nil {
		return // reported with the discovery
	}
	if disc.AuthorizationEndpoint == "" {
		d.skip(CheckRedirectURI, "discovery names no authorization_endpoint")
		return
	}
	conf := oauth2.Config{
		ClientID:    d.cfg.ClientID,
		RedirectURL: d.cfg.RedirectURI,
		Scopes:      []string{"openid"},
		Endpoint:    oauth2.Endpoint{AuthURL: disc.AuthorizationEndpoint},
	}
	authURL := conf.AuthCodeURL(rand.Text(),
		oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
		oauth2.SetAuthURLParam("nonce", rand.Text()))
	endpoint := clean(disc.AuthorizationEndpoint, 200)
	a, err := d.get(ctx, authURL, "text/html")
	if err != nil {
		d.fail(CheckRedirectURI, fmt.Sprintf("GET %s: %v", endpoint, err),
			"check that this machine reaches the authorization endpoint; browsers will need to as well")
		return
	}
	asked := fmt.Sprintf("GET %s for redirect_uri %s", endpoint, d.cfg.RedirectURI)
	switch {
	case a.status == http.StatusOK:
		d.pass(CheckRedirectURI, "%s: 200, the provider shows its sign-in page", asked)
	case a.status >= 300 && a.status < 400:
		d.judgeRedirect(asked, authURL, a)
	default:
		d.judgeRefusal(asked, a)
	}
}

// judgeRedirect reads an authorization request's redirect: to the
// redirect URI (registered), to an error page, or on to sign in.
func (d *doctor) judgeRedirect(asked, authURL string, a answer) {
	base, err := url.Parse(authURL)
	if err != nil {
		d.fail(CheckRedirectURI, asked+": "+err.Error(), "")
		return
	}
	loc, err := base.Parse(a.header.Get("Location"))
	if err != nil || a.header.Get("Location") == "" {
		d.fail(CheckRedirectURI, fmt.Sprintf("%s: %d without a usable Location", asked, a.status),
			"the provider's authorization endpoint answers oddly; check the issuer")
		return
	}
	q := loc.Query()
	code, desc := clean(q.Get("error"), 60), clean(q.Get("error_description"), 200)
	if redirect, err := url.Parse(d.cfg.RedirectURI); err == nil && sameEndpoint(loc, redirect) {
		if code != "" {
			d.warn(CheckRedirectURI,
				fmt.Sprintf("%s: registered (the provider redirects only to registered URIs), but it answered error=%s %s", asked, code, desc),
				"the redirect URI is fine; the error is about the request or the app's settings at the provider (grant types, scopes, assignments)")
			return
		}
		d.pass(CheckRedirectURI, "%s: %d back to the redirect URI, so it is registered", asked, a.status)
		return
	}
	if code != "" || strings.Contains(strings.ToLower(loc.Path), "error") {
		detail := fmt.Sprintf("%s: %d to the provider's error page %s", asked, a.status, clean(withoutQuery(loc), 200))
		if code != "" {
			detail += fmt.Sprintf(": error=%s %s", code, desc)
		}
		d.fail(CheckRedirectURI, detail, d.refusalFix(code+" "+desc+" "+loc.Path))
		return
	}
	d.pass(CheckRedirectURI, "%s: %d on to sign in at %s", asked, a.status, clean(withoutQuery(loc), 200))
}

// judgeRefusal reads an authorization request that was answered with an
// error page: Okta's, Dex's and the development provider's are 400 pages
// that name the parameter.
func (d *doctor) judgeRefusal(asked string, a answer) {
	detail := fmt.Sprintf("%s: %s", asked, describe(a))
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
