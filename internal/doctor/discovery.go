package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// discovery is what the doctor reads of the provider's OpenID Connect
// Discovery 1.0 metadata (section 3), and the answer it came in, whose
// Date header the clock check reads.
type discovery struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	EndSessionEndpoint    string   `json:"end_session_endpoint"`
	SigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
	AuthMethods           []string `json:"token_endpoint_auth_methods_supported"`
	ChallengeMethods      []string `json:"code_challenge_methods_supported"`

	answer answer
}

// discoveryURL is where OIDC Discovery 1.0 section 4 puts the document.
func discoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}

// checkDiscovery fetches the discovery document and checks its issuer and
// endpoints. It returns nil when there is no document to go on.
func (d *doctor) checkDiscovery(ctx context.Context) *discovery {
	u := discoveryURL(d.cfg.Issuer)
	a, err := d.get(ctx, u, "application/json")
	if err != nil {
		d.fail(CheckDiscovery, fmt.Sprintf("GET %s: %v", u, err),
			"check the issuer's host name and that this machine reaches it (proxy, VPN, firewall). "+
				"For Okta the issuer is https://{yourOktaDomain}/oauth2/default (a custom authorization server) or https://{yourOktaDomain} (the org authorization server)")
		d.skipAfterDiscovery()
		return nil
	}
	if a.status != http.StatusOK {
		detail := fmt.Sprintf("GET %s: %s", u, describe(a))
		if loc := a.header.Get("Location"); a.status >= 300 && a.status < 400 && loc != "" {
			detail += " to " + clean(loc, 200)
		}
		fix := "the issuer must be the exact URL the provider names itself by; its discovery document is the issuer followed by /.well-known/openid-configuration"
		if a.status == http.StatusNotFound {
			fix = "no such authorization server here. At Okta the issuer is https://{yourOktaDomain}/oauth2/default, or /oauth2/ followed by your authorization server's id (Security → API → Authorization Servers), " +
				"or https://{yourOktaDomain} alone for the org authorization server; check the path for a typo"
		}
		d.fail(CheckDiscovery, detail, fix)
		d.skipAfterDiscovery()
		return nil
	}
	var disc discovery
	if err := json.Unmarshal(a.body, &disc); err != nil {
		d.fail(CheckDiscovery, fmt.Sprintf("GET %s: %s is not a discovery document: %v", u, describe(a), err),
			"something other than the provider answers at the issuer (a proxy, a captive portal, a web site); check the issuer URL")
		d.skipAfterDiscovery()
		return nil
	}
	disc.answer = a
	d.pass(CheckDiscovery, "GET %s: 200 in %v", u, a.elapsed)
	d.checkIssuer(disc.Issuer)
	d.checkEndpoints(&disc)
	return &disc
}

// skipAfterDiscovery reports the checks that need the discovery document.
func (d *doctor) skipAfterDiscovery() {
	for _, c := range []string{CheckIssuer, CheckEndpoints, CheckKeys, CheckClock, CheckClient, CheckRedirectURI} {
		d.skip(c, "needs the discovery document")
	}
}

// checkIssuer compares the discovery document's issuer with the configured
// one, exactly: OIDC Discovery 1.0 section 4.3 requires them to be
// identical, and every id_token's iss is compared with the configured
// issuer the same way (OIDC Core 3.1.3.7, step 2). A mismatch fails every
// login, so the difference is explained.
func (d *doctor) checkIssuer(got string) {
	want := d.cfg.Issuer
	if got == want {
		d.pass(CheckIssuer, "discovery names exactly the configured issuer %s%s", want, issuerKind(want))
		return
	}
	d.fail(CheckIssuer,
		fmt.Sprintf("discovery names %q, configured %q: every id_token would fail its iss check", clean(got, 200), want),
		issuerMismatchFix(want, got))
}

// issuerKind names Okta's kind of authorization server, for an Okta
// issuer.
func issuerKind(issuer string) string {
	if _, server, ok := strings.Cut(issuer, "/oauth2/"); ok && server != "" {
		return " (an Okta custom authorization server: " + server + ")"
	}
	return ""
}

// issuerMismatchFix explains the difference between the configured issuer
// and the one discovery names, and says what to change.
func issuerMismatchFix(want, got string) string {
	set := fmt.Sprintf("set the issuer (OKTA_OAUTH2_ISSUER, or oidc.issuer in the samples file) to exactly %q", clean(got, 200))
	wu, werr := url.Parse(want)
	gu, gerr := url.Parse(got)
	switch {
	case got == "":
		return "the provider's discovery document has no issuer; it is not an OpenID provider's document. Check the issuer URL"
	case werr != nil || gerr != nil:
		return set
	case strings.Contains(wu.Path, "/oauth2") != strings.Contains(gu.Path, "/oauth2"):
		return "one is Okta's org authorization server (https://{yourOktaDomain}, no /oauth2/ in the path), the other a custom authorization server (https://{yourOktaDomain}/oauth2/default). " +
			"They are different servers, with different keys and tokens, and the app must name the one it signs in with: " + set
	case wu.Path != gu.Path && strings.TrimSuffix(wu.Path, "/") == strings.TrimSuffix(gu.Path, "/"):
		return "they differ only by a trailing slash, which still fails the exact comparison: " + set
	case !strings.EqualFold(wu.Host, gu.Host):
		return "the provider knows itself by another host name (a custom domain, or a proxy in front of it): " + set
	case wu.Scheme != gu.Scheme:
		return "they differ in scheme (" + wu.Scheme + " against " + gu.Scheme + "): " + set
	case wu.Path != gu.Path:
		return "they name different authorization servers (" + wu.Path + " against " + gu.Path + "): " + set + ", or fix the path if it points to the wrong server"
	default:
		return set
	}
}

// checkEndpoints checks that discovery names every endpoint the app calls,
// and that the provider supports what the app sends: client_secret_basic,
// S256 and RS256.
func (d *doctor) checkEndpoints(disc *discovery) {
	var missing, bad []string
	for _, e := range []struct{ name, value string }{
		{"authorization_endpoint", disc.AuthorizationEndpoint},
		{"token_endpoint", disc.TokenEndpoint},
		{"jwks_uri", disc.JWKSURI},
	} {
		switch u, err := url.Parse(e.value); {
		case e.value == "":
			missing = append(missing, e.name)
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			bad = append(bad, fmt.Sprintf("%s %q is not an absolute http(s) URL", e.name, clean(e.value, 200)))
		}
	}
	// RFC 8414 section 2: when the list is absent, client_secret_basic is
	// the default.
	if len(disc.AuthMethods) > 0 && !slices.Contains(disc.AuthMethods, "client_secret_basic") {
		bad = append(bad, fmt.Sprintf("token_endpoint_auth_methods_supported %q leaves out client_secret_basic, which the app uses", disc.AuthMethods))
	}
	if len(disc.SigningAlgs) > 0 && !slices.Contains(disc.SigningAlgs, "RS256") {
		bad = append(bad, fmt.Sprintf("id_token_signing_alg_values_supported %q leaves out RS256, the only algorithm the app accepts", disc.SigningAlgs))
	}
	if len(missing) > 0 || len(bad) > 0 {
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, "missing: "+strings.Join(missing, ", "))
		}
		d.fail(CheckEndpoints, strings.Join(append(parts, bad...), "; "),
			"the issuer must be an OpenID provider's; the app needs the authorization code flow with client_secret_basic and RS256-signed id_tokens")
		return
	}

	var notes []string
	if len(disc.ChallengeMethods) > 0 && !slices.Contains(disc.ChallengeMethods, "S256") {
		notes = append(notes, "code_challenge_methods_supported does not list S256, so PKCE may be ignored")
	}
	present := "authorization_endpoint, token_endpoint, jwks_uri"
	if disc.EndSessionEndpoint == "" {
		notes = append(notes, "no end_session_endpoint: logout ends the app's session only, not the provider's")
	} else {
		present += ", end_session_endpoint"
	}
	if disc.UserinfoEndpoint == "" {
		d.warn(CheckEndpoints, present+" present, but no userinfo_endpoint"+joinNotes(notes),
			"the profile will show the id_token's claims only; nothing to change if that is enough")
		return
	}
	d.pass(CheckEndpoints, "%s, userinfo_endpoint present%s", present, joinNotes(notes))
}

func joinNotes(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return "; note: " + strings.Join(notes, "; ")
}
