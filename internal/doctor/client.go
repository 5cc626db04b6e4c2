package doctor

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"
)

// checkClient finds out whether the token endpoint accepts the client id
// and secret, without a login: it redeems a made-up authorization code,
// authenticating as the app does (client_secret_basic, RFC 6749 2.3.1),
// with the configured redirect_uri and a PKCE verifier. RFC 6749 5.2
// gives the answer away: invalid_client when client authentication
// failed, invalid_grant when the client authenticated and only the code
// was wrong. No code is spent and no token issued, so nothing changes on
// the provider.
func (d *doctor) checkClient(ctx context.Context, disc *discovery) {
	if disc == nil {
		return // reported with the discovery
	}
	if disc.TokenEndpoint == "" {
		d.skip(CheckClient, "discovery names no token_endpoint")
		return
	}
	conf := oauth2.Config{
		ClientID:     d.cfg.ClientID,
		ClientSecret: d.cfg.ClientSecret,
		RedirectURL:  d.cfg.RedirectURI,
		Endpoint:     oauth2.Endpoint{TokenURL: disc.TokenEndpoint, AuthStyle: oauth2.AuthStyleInHeader},
	}
	// A random code cannot be one the provider issued (128 bits), so it
	// can neither be redeemed nor spend a real user's code.
	code := "okta-sample-doctor-" + rand.Text()
	_, err := conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, d.client), code,
		oauth2.VerifierOption(oauth2.GenerateVerifier()))
	endpoint := clean(disc.TokenEndpoint, 200)
	if err == nil {
		d.fail(CheckClient, "the token endpoint "+endpoint+" answered a made-up authorization code with tokens",
			"this provider does not check authorization codes; do not use it")
		return
	}
	var re *oauth2.RetrieveError
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		d.fail(CheckClient, fmt.Sprintf("POST %s: %v", endpoint, ue.Err),
			"check that this machine reaches the token endpoint")
		return
	} else if !errors.As(err, &re) {
		// x/oauth2 read a 2xx answer without an access_token.
		d.fail(CheckClient, fmt.Sprintf("POST %s with a made-up code answered with success but no tokens: %v", endpoint, err),
			"the token endpoint should answer a bad code with invalid_grant (RFC 6749 5.2); check that discovery's token_endpoint is the provider's and not a proxy's")
		return
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	answered := fmt.Sprintf("POST %s with a made-up code (client_secret_basic) answered %d", endpoint, status)
	if re.ErrorCode != "" {
		answered += " " + clean(re.ErrorCode, 60)
	}
	if re.ErrorDescription != "" {
		answered += fmt.Sprintf(" (%s)", clean(re.ErrorDescription, 200))
	}
	switch {
	case re.ErrorCode == "invalid_grant":
		d.pass(CheckClient, "%s: the client id and secret were accepted; only the code was refused, as it should be", answered)
	case re.ErrorCode == "invalid_client" || (re.ErrorCode == "" && status == http.StatusUnauthorized):
		d.fail(CheckClient, answered+": the client id and secret were NOT accepted",
			"copy the Client ID and the Client secret again from your Okta app (Applications → your app → General → Client Credentials) "+
				"into OKTA_OAUTH2_CLIENT_ID and OKTA_OAUTH2_CLIENT_SECRET (or oidc.clientId and oidc.clientSecret); "+
				"check that the app is a Web Application whose client authentication is \"Client secret\" (client_secret_basic), "+
				"and that it belongs to the same org as the issuer")
	case re.ErrorCode == "unauthorized_client":
		d.fail(CheckClient, answered+": the client authenticated, but may not use the authorization code flow",
			"in your Okta app's General settings, tick the Authorization Code grant type")
	case re.ErrorCode == "":
		d.fail(CheckClient, answered+", not an OAuth error (RFC 6749 5.2)",
			"the token endpoint should answer a bad code with invalid_grant; check that discovery's token_endpoint is the provider's and not a proxy's")
	default:
		d.fail(CheckClient, answered+": expected invalid_grant (client accepted) or invalid_client (client refused)",
			"read the provider's error above; the client settings, the redirect URI or the grant types may not match the app registered with the provider")
	}
}
