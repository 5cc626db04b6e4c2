package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// engine is the Okta pipeline behind the org, as its organization
// document reports it.
type engine int

const (
	engineUnknown  engine = iota // the document could not be read
	engineNone                   // no organization document: not Okta
	engineClassic                // "v1"
	engineIdentity               // "idx"
	engineOther                  // an Okta org with a pipeline this doctor does not know
)

// checkEngine reads {org}/.well-known/okta-organization, which every Okta
// org serves without credentials, and reports the engine: Identity Engine
// ("pipeline": "idx") or Classic ("v1"). The Sign-In Widget signs in
// through the Identity Engine's interaction code flow (/v1/interact,
// /idp/idx/…) on the first, and the Authentication API (/api/v1/authn) on
// the second. Without the document, the provider is not Okta and the
// widget's checks do not apply.
func (d *doctor) checkEngine(ctx context.Context) engine {
	u := d.cfg.OrgURL + "/.well-known/okta-organization"
	a, err := d.get(ctx, u, "application/json")
	if err != nil {
		d.fail(CheckEngine, fmt.Sprintf("GET %s: %v", u, err), "check that this machine reaches the Okta org "+d.cfg.OrgURL)
		return engineUnknown
	}
	var org struct {
		ID       string `json:"id"`
		Pipeline string `json:"pipeline"`
	}
	if a.status != http.StatusOK || json.Unmarshal(a.body, &org) != nil || org.Pipeline == "" {
		if a.status >= 500 {
			d.fail(CheckEngine, fmt.Sprintf("GET %s: %s", u, describe(a)), "the Okta org is failing; try again later")
			return engineUnknown
		}
		d.skip(CheckEngine, "GET %s: %s, no Okta organization document: this provider is not Okta, "+
			"so the Sign-In Widget (custom login page) does not apply; the login redirect flow does", u, describe(a))
		return engineNone
	}
	switch org.Pipeline {
	case "idx":
		d.pass(CheckEngine, "Okta Identity Engine (pipeline idx): the Sign-In Widget uses the interaction code flow")
		return engineIdentity
	case "v1":
		d.pass(CheckEngine, "Okta Classic Engine (pipeline v1): the Sign-In Widget uses the Authentication API")
		return engineClassic
	default:
		d.warn(CheckEngine, fmt.Sprintf("an Okta org with pipeline %q, which this sample does not know", clean(org.Pipeline, 40)),
			"the custom login page may not work; the login redirect flow does")
		return engineOther
	}
}

// checkTrustedOrigin sends the CORS preflights (Fetch Standard, CORS
// protocol) that a browser sends before the Sign-In Widget's first call
// from the app's page, from the app's origin: to the Authentication API
// ({org}/api/v1/authn) and, on Identity Engine, to {issuer}/v1/interact.
// A browser lets the call through only when Access-Control-Allow-Origin
// names the origin exactly and, since the widget sends cookies,
// Access-Control-Allow-Credentials is true. At Okta that takes the
// origin in Security → API → Trusted Origins, with CORS ticked.
func (d *doctor) checkTrustedOrigin(ctx context.Context, eng engine) {
	switch eng {
	case engineNone:
		d.skip(CheckTrustedOrigin, "not Okta (no organization document): the Sign-In Widget's calls, and their CORS, do not apply")
		return
	case engineUnknown:
		d.skip(CheckTrustedOrigin, "needs the engine, which could not be read")
		return
	}
	urls := []string{d.cfg.OrgURL + "/api/v1/authn"}
	if eng == engineIdentity {
		urls = append(urls, interactURL(d.cfg.Issuer))
	}
	var ok, refused []string
	for _, u := range urls {
		why, err := d.preflight(ctx, u)
		switch {
		case err != nil:
			d.fail(CheckTrustedOrigin, fmt.Sprintf("OPTIONS %s: %v", u, err), "check that this machine reaches the Okta org")
			return
		case why != "":
			refused = append(refused, fmt.Sprintf("OPTIONS %s: %s", u, why))
		default:
			ok = append(ok, u)
		}
	}
	if len(refused) > 0 {
		d.fail(CheckTrustedOrigin,
			fmt.Sprintf("origin %s is not trusted: %s", d.cfg.AppOrigin, strings.Join(refused, "; ")),
			fmt.Sprintf("in the Okta Admin Console, Security → API → Trusted Origins → Add Origin: %s, with CORS and Redirect ticked. "+
				"Until then the custom login page cannot sign in; the login redirect flow works", d.cfg.AppOrigin))
		return
	}
	d.pass(CheckTrustedOrigin, "origin %s may call %s with credentials (CORS preflight)", d.cfg.AppOrigin, strings.Join(ok, " and "))
}

// interactURL is where the Sign-In Widget starts an Identity Engine
// interaction: under the issuer of a custom authorization server, and
// under /oauth2 for the org authorization server, as okta-auth-js
// computes it.
func interactURL(issuer string) string {
	if strings.Contains(issuer, "/oauth2/") {
		return issuer + "/v1/interact"
	}
	return issuer + "/oauth2/v1/interact"
}

// preflight sends the browser's preflight for the widget's POST to u and
// says why a browser would refuse the call, or "" when it would not.
func (d *doctor) preflight(ctx context.Context, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, u, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Origin", d.cfg.AppOrigin)
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	// What the widget's JSON call sends, besides the safelisted headers.
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-okta-user-agent-extended")
	a, err := d.do(req)
	if err != nil {
		return "", err
	}
	acao, acac := a.header.Get("Access-Control-Allow-Origin"), a.header.Get("Access-Control-Allow-Credentials")
	switch {
	case acao == "":
		return fmt.Sprintf("%d without Access-Control-Allow-Origin", a.status), nil
	case acao != d.cfg.AppOrigin:
		return fmt.Sprintf("%d with Access-Control-Allow-Origin %q, not the app's origin", a.status, clean(acao, 100)), nil
	case acac != "true":
		return fmt.Sprintf("%d allows the origin but not credentials (Access-Control-Allow-Credentials %q)", a.status, clean(acac, 20)), nil
	case a.status >= 300:
		return fmt.Sprintf("%d, not a successful preflight answer", a.status), nil
	}
	return "", nil
}
