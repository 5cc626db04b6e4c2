package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// callback is the provider's authorization response, as received on the
// redirect URI (RFC 6749 4.1.2, RFC 9207 2), or the Okta Sign-In Widget's
// redirect at the end of Okta's interaction code flow, which carries an
// interaction_code instead of a code.
type callback struct {
	state, code         string
	interactionCode     string
	err, errDescription string
	issuer              string
	hasIssuer           bool
}

// parseCallback reads the authorization response from the callback's query.
func parseCallback(q url.Values) callback {
	_, hasIss := q["iss"]
	return callback{
		state:           q.Get("state"),
		code:            q.Get("code"),
		interactionCode: q.Get("interaction_code"),
		err:             q.Get("error"),
		errDescription:  q.Get("error_description"),
		issuer:          q.Get("iss"),
		hasIssuer:       hasIss,
	}
}

// The grants Finish can redeem, as Identity.Grant names them.
const (
	grantAuthorizationCode = "authorization_code" // RFC 6749 4.1.3
	grantInteractionCode   = "interaction_code"   // Okta Identity Engine
)

// Identity is the result of a successful login.
type Identity struct {
	Subject string
	// IDTokenClaims are the verified id_token's claims.
	IDTokenClaims map[string]any
	// UserInfoClaims are the userinfo claims, nil when userinfo was not
	// available (UserInfoErr says why). Their sub matched the id_token's.
	UserInfoClaims map[string]any
	UserInfoErr    error
	// RawIDToken is kept server-side for logout's id_token_hint.
	RawIDToken string
	// AccessToken and RefreshToken (empty unless the provider issued one,
	// as for the offline_access scope) are kept server-side so that
	// Logout can revoke them. They never belong in a page or a log.
	AccessToken, RefreshToken string
	// Expiry is the id_token's exp.
	Expiry time.Time
	// AccessTokenExpiry is when the access token expires, from the token
	// response's expires_in (RFC 6749 5.1); zero when the provider did not
	// say. Refresh before then.
	AccessTokenExpiry time.Time
	// ReturnTo is the path given to Begin, or "" when it was empty or not
	// a path on this origin: redirect to your default page then.
	ReturnTo string
	// Grant is the grant Finish redeemed at the token endpoint:
	// "authorization_code" (a code from the authorization endpoint) or
	// "interaction_code" (Okta Identity Engine's interaction code flow, as
	// the Sign-In Widget runs it).
	Grant string
	// StartPath is the path of the request that called Begin, so an app
	// with several login pages can tell which one the user signed in on.
	StartPath string
	// Report is this login, step by step, with every check and the values
	// it compared; it holds no secret.
	Report *Report
}

// Finish completes the login that the callback request r answers, and
// writes on w the deletion of its transaction cookie. It does every check,
// in this order, and no caller can skip one:
//
//  1. The transaction: the cookie named after the callback's state must
//     open; it is deleted whatever follows. Its state must equal the
//     callback's (constant time) and it must be under 10 minutes old. Then
//     Config.SpentStates must see the state for the first time.
//     Otherwise: ErrUnknownTransaction (or ErrStoreUnavailable).
//  2. The callback (RFC 9207 iss, then error=, then code or
//     interaction_code), without the network.
//  3. The code exchange, with client_secret_basic and the PKCE verifier:
//     grant_type=authorization_code for a code, or, for an
//     interaction_code (Okta Identity Engine), grant_type=interaction_code
//     with the redirect URI too.
//  4. The id_token, as OpenID Connect Core 3.1.3.7 asks, nonce included,
//     before the access token is used for anything.
//  5. Userinfo: its sub must be the id_token's. A provider without
//     userinfo, or one that fails, is not fatal (Identity.UserInfoErr).
//
// Failures of steps 2 to 5 are an *Error, whose Report shows the login up
// to the step that failed. All the calls together take at most
// Config.Timeout.
func (rp *RelyingParty) Finish(ctx context.Context, w http.ResponseWriter, r *http.Request) (*Identity, error) {
	ctx, cancel := context.WithTimeout(ctx, rp.cfg.Timeout)
	defer cancel()
	cb := parseCallback(r.URL.Query())
	tx, err := rp.takeTransaction(ctx, w, r, cb.state)
	if err != nil {
		return nil, err
	}
	rep := rp.newReport(tx)
	// The state matched this browser's transaction, and was spent.
	rep.check("callback", "state", resultPass, rep.State, shorten(cb.state))
	id, err := rp.finish(ctx, tx, cb, rep)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			rep.Failed = e.Step
			e.Report = rep
		}
		return nil, err
	}
	return id, nil
}

// newReport starts the Report of the login tx began, with its
// authorization request.
func (rp *RelyingParty) newReport(tx *transaction) *Report {
	return &Report{
		Issuer:                rp.cfg.Issuer,
		Started:               tx.Created,
		AuthorizationEndpoint: rp.oauth2.Endpoint.AuthURL,
		ClientID:              rp.cfg.ClientID,
		RedirectURI:           rp.cfg.RedirectURL,
		Scope:                 strings.Join(rp.cfg.Scopes, " "),
		State:                 shorten(tx.State),
		Nonce:                 shorten(tx.Nonce),
		CodeChallenge:         shorten(oauth2.S256ChallengeFromVerifier(tx.Verifier)),
		CodeChallengeMethod:   "S256",
		StartPath:             tx.StartPath,
		IssAdvertised:         rp.meta.IssParameterSupported,
		TokenEndpoint:         rp.oauth2.Endpoint.TokenURL,
		ClientAuth:            "client_secret_basic",
		JWKSURI:               rp.jwksURL,
		Leeway:                rp.cfg.Leeway,
		Checks:                make([]ReportCheck, 0, 20),
	}
}

// finish is steps 2 to 5 of Finish, recorded in rep.
func (rp *RelyingParty) finish(ctx context.Context, tx *transaction, cb callback, rep *Report) (*Identity, error) {
	if err := rp.checkCallback(cb, rep); err != nil {
		return nil, err
	}
	tok, grant, err := rp.exchange(ctx, tx, cb, rep)
	if err != nil {
		return nil, err
	}
	rawIDToken, _ := tok.Extra("id_token").(string)
	rep.checkIf(rawIDToken != "", "token", "id_token", "present", presence(rawIDToken != ""))
	if rawIDToken == "" {
		return nil, tokenResponseError(errors.New("token response has no id_token"))
	}
	idToken, claims, err := rp.verifyIDToken(ctx, rawIDToken, tx.Nonce, tok.AccessToken, rep)
	if err != nil {
		return nil, err
	}

	id := &Identity{
		Subject:       idToken.Subject,
		IDTokenClaims: claims,
		RawIDToken:    rawIDToken,
		AccessToken:   tok.AccessToken,
		RefreshToken:  tok.RefreshToken,
		Expiry:        idToken.Expiry,
		ReturnTo:      tx.ReturnTo,
		Grant:         grant,
		StartPath:     tx.StartPath,
		Report:        rep,
	}
	id.AccessTokenExpiry = tok.Expiry
	id.UserInfoClaims, id.UserInfoErr = rp.userInfo(ctx, tok, idToken.Subject, rep)
	var mismatch *Error
	if errors.As(id.UserInfoErr, &mismatch) {
		// Another user's claims in this user's session would be worse
		// than no login: fail closed.
		return nil, id.UserInfoErr
	}
	rep.UserInfoAdded = addedClaims(claims, id.UserInfoClaims)
	return id, nil
}

// presence describes whether a value a check looks for is there.
func presence(ok bool) string {
	if ok {
		return "present"
	}
	return ""
}

// spentMargin is added to what is left of a transaction's life when its
// state is spent, so that replicas whose clocks differ by up to this much
// still remember the state for as long as any of them accepts it.
const spentMargin = time.Minute

// takeTransaction is step 1 of Finish: the transaction for state, taken
// from r's cookie (deleted on w) and checked, used once.
func (rp *RelyingParty) takeTransaction(ctx context.Context, w http.ResponseWriter, r *http.Request, state string) (*transaction, error) {
	tx, err := rp.cookies.take(w, r, state)
	if err != nil {
		return nil, err
	}
	// The cookie's name comes from state and is bound into its seal, so a
	// cookie cannot be moved to another state's name. Finish checks the
	// state itself all the same, so its safety never rests on how the
	// transaction was found (RFC 6749 10.12, RFC 9700 4.7).
	if subtle.ConstantTimeCompare([]byte(tx.State), []byte(state)) != 1 {
		return nil, fmt.Errorf("%w: the transaction is for another state", ErrUnknownTransaction)
	}
	now := rp.now()
	if tx.expired(now) {
		return nil, fmt.Errorf("%w: the login was started more than %s ago", ErrUnknownTransaction, transactionTTL)
	}
	ttl := tx.Created.Add(transactionTTL).Sub(now) + spentMargin
	first, err := rp.spent.Spend(ctx, spentKey(tx.State), ttl)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
	}
	if !first {
		return nil, fmt.Errorf("%w: the state was already used", ErrUnknownTransaction)
	}
	return tx, nil
}

// checkCallback is step 2 of Finish. RFC 9207: a wrong iss means the
// response may come from another provider (a mix-up attack, RFC 9700
// 4.4); a missing one is suspect when the provider says it sends it. The
// issuer is checked before the error, so that another provider cannot
// put its words in this one's mouth.
//
// An interaction_code is not an authorization response: the Sign-In
// Widget builds that redirect itself, from the answer of the issuer it was
// configured with, and adds no iss, so none is required for it (one that
// is present must still be right). Skipping iss cannot help an attacker:
// the token endpoint redeems an interaction code only as one, bound to
// this client and to the PKCE challenge of the browser's transaction.
func (rp *RelyingParty) checkCallback(cb callback, rep *Report) error {
	rep.Grant = grantAuthorizationCode
	if cb.interactionCode != "" {
		rep.Grant = grantInteractionCode
	}
	if cb.hasIssuer && cb.issuer != rp.cfg.Issuer {
		rep.check("callback", "iss", resultFail, rp.cfg.Issuer, cb.issuer)
		return &Error{Step: "callback", Check: "iss", Got: cb.issuer, Want: rp.cfg.Issuer,
			Err: fmt.Errorf("authorization response iss %q is not the issuer %q (RFC 9207)", cb.issuer, rp.cfg.Issuer)}
	}
	if !cb.hasIssuer && rp.meta.IssParameterSupported && cb.interactionCode == "" {
		rep.check("callback", "iss", resultFail, rp.cfg.Issuer, "")
		return &Error{Step: "callback", Check: "iss", Want: rp.cfg.Issuer,
			Err: errors.New("authorization response has no iss parameter, but the provider advertises it (RFC 9207)")}
	}
	if cb.hasIssuer {
		rep.check("callback", "iss", resultPass, rp.cfg.Issuer, cb.issuer)
	} else {
		rep.check("callback", "iss", resultSkip, "", "")
	}
	if cb.err != "" {
		rep.check("callback", "error", resultFail, "", clip(cb.err, maxCode))
		return &Error{Step: "callback", Check: "error", Code: cb.err, Description: cb.errDescription,
			Err: errors.New("the provider sent an error instead of a code")}
	}
	switch {
	case cb.code != "" && cb.interactionCode != "":
		rep.check("callback", "code", resultFail, "", "code and interaction_code")
		return &Error{Step: "callback", Check: "code", Err: errors.New("callback has both a code and an interaction_code")}
	case cb.code == "" && cb.interactionCode == "":
		rep.check("callback", "code", resultFail, "", "")
		return &Error{Step: "callback", Check: "code", Err: errors.New("callback has no code")}
	case cb.code != "":
		rep.check("callback", "code", resultPass, "", "code")
	default:
		rep.check("callback", "code", resultPass, "", "interaction_code")
	}
	return nil
}

// tokenResponseError is a token response the app cannot use.
func tokenResponseError(err error) *Error {
	return &Error{Step: "token", Check: "response", Err: err}
}

// exchange redeems the callback's code or interaction code at the token
// endpoint with client_secret_basic and the PKCE verifier (RFC 7636 4.5),
// and returns the token response and the grant it used.
func (rp *RelyingParty) exchange(ctx context.Context, tx *transaction, cb callback, rep *Report) (*oauth2.Token, string, error) {
	client, trip := recordingClient(rp.client, rp.now)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	var tok *oauth2.Token
	var err error
	grant := grantAuthorizationCode
	if cb.interactionCode != "" {
		grant = grantInteractionCode
		tok, err = rp.interactionCodeExchange(tx, cb.interactionCode).Token(ctx)
	} else {
		tok, err = rp.oauth2.Exchange(ctx, cb.code, oauth2.VerifierOption(tx.Verifier))
	}
	rep.recordTokenAnswer(trip)
	tok, err = rp.redeem(tok, err, rep)
	return tok, grant, err
}

// interactionCodeExchange is the token request of Okta's interaction code
// grant: grant_type=interaction_code, the interaction_code, the PKCE
// code_verifier and the redirect URI, with the client authenticated by
// client_secret_basic, as for a code. x/oauth2 has no call for extension
// grants (RFC 6749 4.5) besides clientcredentials.Config, whose
// EndpointParams may set grant_type ("to allow interoperability with
// non-compliant implementations"); with no Scopes it sends exactly these
// parameters, through the same HTTP client (the context's), and parses the
// answer and its errors as Exchange does.
func (rp *RelyingParty) interactionCodeExchange(tx *transaction, interactionCode string) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID:     rp.oauth2.ClientID,
		ClientSecret: rp.oauth2.ClientSecret,
		TokenURL:     rp.oauth2.Endpoint.TokenURL,
		AuthStyle:    oauth2.AuthStyleInHeader,
		EndpointParams: url.Values{
			"grant_type":       {grantInteractionCode},
			"interaction_code": {interactionCode},
			"code_verifier":    {tx.Verifier},
			"redirect_uri":     {rp.cfg.RedirectURL},
		},
	}
}

// redeem checks a token response, whichever grant it answers.
func (rp *RelyingParty) redeem(tok *oauth2.Token, err error, rep *Report) (*oauth2.Token, error) {
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			// Never wrap re itself: its Body may echo request data.
			if re.ErrorCode != "" {
				rep.check("token", "response", resultFail, "200", statusText(re.Response.StatusCode)+" "+clip(re.ErrorCode, maxCode))
				return nil, &Error{Step: "token", Check: "error", Code: re.ErrorCode, Description: re.ErrorDescription,
					Err: fmt.Errorf("status %d", re.Response.StatusCode)}
			}
			rep.check("token", "response", resultFail, "200", statusText(re.Response.StatusCode))
			return nil, tokenResponseError(fmt.Errorf("status %d", re.Response.StatusCode))
		}
		err = scrub(err)
		rep.check("token", "response", resultFail, "200", clip(statusText(rep.TokenStatus)+" "+err.Error(), maxCode))
		return nil, tokenResponseError(err)
	}
	rep.check("token", "response", resultPass, "200", statusText(rep.TokenStatus))
	rep.TokenType = clip(tok.TokenType, maxCode)
	rep.AccessTokenLifetime = time.Duration(tok.ExpiresIn) * time.Second
	rep.RefreshToken = tok.RefreshToken != ""
	scope, _ := tok.Extra("scope").(string)
	rep.GrantedScope = clip(scope, maxScope)
	if h, p, sig, ok := jwtParts(tok.AccessToken); ok {
		rep.AccessTokenHeader, rep.AccessTokenPayload, rep.AccessTokenSignature = h, p, sig
	}
	// RFC 6749 7.1: the app only knows how to use Bearer tokens.
	bearer := strings.EqualFold(tok.TokenType, "Bearer")
	rep.checkIf(bearer, "token", "token_type", "Bearer", rep.TokenType)
	if !bearer {
		return nil, tokenResponseError(fmt.Errorf("token_type %q is not Bearer", tok.TokenType))
	}
	rep.checkIf(tok.AccessToken != "", "token", "access_token", "present", presence(tok.AccessToken != ""))
	if tok.AccessToken == "" {
		return nil, tokenResponseError(errors.New("token response has no access_token"))
	}
	return tok, nil
}

// Bounds on what a Report keeps of values the provider or the callback
// chose: an error code, a scope.
const (
	maxCode  = 64
	maxScope = 256
)

// scrub keeps the kind of a transport error but drops anything that could
// carry request data, such as a URL with a code in it.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("timed out waiting for the provider")
		}
		return fmt.Errorf("%s failed: %w", ue.Op, ue.Err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("timed out waiting for the provider")
	}
	return err
}

// userInfo calls the userinfo endpoint with the access token in the
// Authorization header (OIDC Core 5.3.1). Its sub must equal the
// id_token's (5.3.2). A provider without userinfo, or one that fails, is
// not fatal: the id_token already proved who the user is.
func (rp *RelyingParty) userInfo(ctx context.Context, tok *oauth2.Token, subject string, rep *Report) (map[string]any, error) {
	rep.UserInfoEndpoint = rp.provider.UserInfoEndpoint()
	if rep.UserInfoEndpoint == "" {
		rep.UserInfoSkipped = "discovery lists no userinfo_endpoint"
		return nil, errors.New("provider has no userinfo endpoint")
	}
	client, trip := recordingClient(rp.client, rp.now)
	ui, err := rp.provider.UserInfo(oidc.ClientContext(ctx, client), oauth2.StaticTokenSource(tok))
	rep.UserInfoStatus, rep.UserInfoTime = trip.status, trip.took
	if err != nil {
		err = scrub(err)
		rep.UserInfoSkipped = "no usable answer"
		if trip.status != 0 && trip.status != http.StatusOK {
			rep.UserInfoSkipped = "it answered " + statusText(trip.status)
		} else if strings.Contains(err.Error(), "timed out") {
			rep.UserInfoSkipped = "it did not answer in time"
		}
		return nil, fmt.Errorf("auth: userinfo: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(ui.Subject), []byte(subject)) != 1 {
		rep.check("userinfo", "sub", resultFail, subject, clip(ui.Subject, maxCode))
		return nil, &Error{Step: "userinfo", Check: "sub", Got: ui.Subject, Want: subject,
			Err: errors.New("userinfo sub does not match the id_token sub")}
	}
	rep.check("userinfo", "sub", resultPass, subject, ui.Subject)
	var claims map[string]any
	if err := ui.Claims(&claims); err != nil {
		rep.UserInfoSkipped = "its claims do not parse"
		return nil, fmt.Errorf("auth: userinfo claims: %w", err)
	}
	return claims, nil
}
