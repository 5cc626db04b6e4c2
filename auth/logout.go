package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// backchannelLogoutEvent is the member of a logout token's events claim
// that makes it a logout token (Back-Channel Logout 1.0, 2.4).
const backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// Logout ends what the provider holds for a signed-in user, as far as an
// app can, and returns the provider's logout URL.
//
// First it revokes the user's refresh token (when there is one) and access
// token at the provider's revocation_endpoint (RFC 7009), when discovery
// lists one, authenticated with client_secret_basic as at the token
// endpoint. Both requests together take at most Config.Timeout. A failed
// revocation is returned as err, for the log: it must not stop the
// logout, and endSessionURL is returned whatever err says. err never
// carries a token.
//
// endSessionURL is the provider's end_session_endpoint with
// signedIn.RawIDToken as id_token_hint, postLogoutRedirectURI and state
// (OpenID Connect RP-Initiated Logout 1.0, section 2), or "" when
// discovery lists no end_session_endpoint. Send the browser there once
// the app's own session has ended.
//
// Only RawIDToken, AccessToken and RefreshToken of signedIn are read: the
// tokens Finish returned, kept server-side since.
func (rp *RelyingParty) Logout(ctx context.Context, signedIn *Identity, postLogoutRedirectURI, state string) (endSessionURL string, err error) {
	return rp.endSessionURL(signedIn.RawIDToken, postLogoutRedirectURI, state), rp.revokeTokens(ctx, signedIn)
}

// revokeTokens revokes the refresh and access tokens of id, both at once,
// within Config.Timeout. The refresh token goes too, and not only the
// access token: it is the one that lasts, and RFC 7009 2.1 lets a
// provider revoke only what it is given.
func (rp *RelyingParty) revokeTokens(ctx context.Context, id *Identity) error {
	if rp.meta.RevocationEndpoint == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, rp.cfg.Timeout)
	defer cancel()
	tokens := []struct{ token, hint string }{
		{id.RefreshToken, "refresh_token"},
		{id.AccessToken, "access_token"},
	}
	errs := make([]error, len(tokens))
	var wg sync.WaitGroup
	for i, t := range tokens {
		if t.token == "" {
			continue
		}
		wg.Go(func() { errs[i] = rp.revoke(ctx, t.token, t.hint) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// maxRevokeErrorBody bounds how much of a refused revocation's answer is
// read for its error code.
const maxRevokeErrorBody = 4 << 10

// revoke asks the provider to revoke token (RFC 7009 2.1), whose type
// hint is hint. The answer is 200 also for a token the provider does not
// know (2.2), so 200 is success and anything else an error naming the
// status and, when the provider sent one, its OAuth error code.
func (rp *RelyingParty) revoke(ctx context.Context, token, hint string) error {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	if rp.cfg.ClientSecret == "" {
		// A public client identifies itself in the body (RFC 7009 2.1).
		form.Set("client_id", rp.cfg.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rp.meta.RevocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("auth: revoking the %s: %w", hint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if rp.cfg.ClientSecret != "" {
		// client_secret_basic as at the token endpoint: RFC 6749 2.3.1
		// form-encodes both before they go into the header.
		req.SetBasicAuth(url.QueryEscape(rp.cfg.ClientID), url.QueryEscape(rp.cfg.ClientSecret))
	}
	resp, err := rp.client.Do(req)
	if err != nil {
		return fmt.Errorf("auth: revoking the %s: %w", hint, scrub(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var oauthErr struct {
		Code string `json:"error"`
	}
	// The body is only read for its error code; one that does not parse
	// leaves the status to say what happened.
	_ = json.NewDecoder(io.LimitReader(resp.Body, maxRevokeErrorBody)).Decode(&oauthErr)
	if oauthErr.Code != "" {
		return fmt.Errorf("auth: revoking the %s: status %d, error %.64q", hint, resp.StatusCode, oauthErr.Code)
	}
	return fmt.Errorf("auth: revoking the %s: status %d", hint, resp.StatusCode)
}

// VerifyLogoutToken validates a back-channel logout token, the
// logout_token a provider POSTs to the app's backchannel_logout_uri
// (OpenID Connect Back-Channel Logout 1.0, 2.6), and returns whom it signs
// out: the user sub, the provider session sid, or both (one may be "").
// End the app's sessions with that sid; with no sid, every session of
// that sub.
//
// go-oidc's VerifyLogout checks the JWS (the alg allow-list: RS256 by
// default, never none or HMAC; the signature by a key of the provider's
// JWKS, fetched through the same cache and refetch limit as for logins),
// iss, aud containing this client, the events claim, that there is no
// nonce, and that jti, exp and sub or sid are present. Then, as the
// specification asks beyond it, iat must be within Config.Leeway of now,
// either way, and exp not past beyond the leeway; the backchannel-logout
// event must be a JSON object; and the token's jti must be new:
// Config.SpentStates records it (as a hash, under a key of its own) for
// as long as the token could be accepted, so the same token POSTed again,
// to any replica that shares the store, is refused (section 2.6 step 7).
//
// Failures are an *Error with Step "logout_token" naming the rule, or
// ErrStoreUnavailable when the store failed (the token was not used:
// answer 5xx, and the provider may send it again). All of it takes at
// most Config.Timeout.
func (rp *RelyingParty) VerifyLogoutToken(ctx context.Context, raw string) (sub, sid string, err error) {
	ctx, cancel := context.WithTimeout(ctx, rp.cfg.Timeout)
	defer cancel()
	lt, err := rp.logoutVerifier.VerifyLogout(ctx, raw)
	if err != nil {
		return "", "", logoutTokenError(classifyLogoutError(err), err)
	}
	end, err := rp.checkLogoutClaims(lt)
	if err != nil {
		return "", "", err
	}
	// Spent last, so that a token refused for another reason leaves no
	// trace, and for as long as a replica whose clock is behind by up to
	// spentMargin would still accept it.
	ttl := end.Sub(rp.now()) + spentMargin
	first, err := rp.spent.Spend(ctx, logoutSpentKey(lt.Issuer, lt.TokenID), ttl)
	if err != nil {
		return "", "", fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
	}
	if !first {
		return "", "", logoutTokenError("jti", errors.New("this logout token was already received (a replay)"))
	}
	return lt.Subject, lt.SessionID, nil
}

// checkLogoutClaims applies the rules of Back-Channel Logout 1.0, 2.6,
// that go-oidc leaves to the caller, and returns when the token stops
// being acceptable: the earlier of exp and iat, plus the leeway.
func (rp *RelyingParty) checkLogoutClaims(lt *oidc.LogoutToken) (time.Time, error) {
	now, leeway := rp.now(), rp.cfg.Leeway
	fail := func(check, format string, args ...any) error {
		return logoutTokenError(check, fmt.Errorf(format, args...))
	}
	// Step 4: iat and exp as for an ID token (OIDC Core 3.1.3.7 steps 9
	// and 10). iat also bounds the token's age, which bounds how long its
	// jti must be remembered (3.1.3.7 step 10 allows rejecting tokens
	// "issued too far away from the current time").
	if lt.IssuedAt.IsZero() {
		return time.Time{}, fail("iat", "iat is missing")
	}
	if lt.IssuedAt.After(now.Add(leeway)) {
		return time.Time{}, fail("iat", "issued in the future at %s (leeway %s)", lt.IssuedAt.UTC().Format(time.RFC3339), leeway)
	}
	if lt.IssuedAt.Before(now.Add(-leeway)) {
		return time.Time{}, fail("iat", "issued at %s, longer ago than the leeway %s", lt.IssuedAt.UTC().Format(time.RFC3339), leeway)
	}
	if now.After(lt.Expiry.Add(leeway)) {
		return time.Time{}, fail("exp", "expired at %s (leeway %s)", lt.Expiry.UTC().Format(time.RFC3339), leeway)
	}
	// Step 6: the event's value must be a JSON object; go-oidc only
	// checks that the member is there.
	var c struct {
		Events map[string]json.RawMessage `json:"events"`
	}
	if err := lt.Claims(&c); err != nil {
		return time.Time{}, fail("format", "reading the claims: %v", err)
	}
	var event map[string]json.RawMessage
	if err := json.Unmarshal(c.Events[backchannelLogoutEvent], &event); err != nil || event == nil {
		return time.Time{}, fail("events", "the %s event is not a JSON object", backchannelLogoutEvent)
	}
	end := lt.Expiry
	if lt.IssuedAt.Before(end) {
		end = lt.IssuedAt
	}
	return end.Add(leeway), nil
}

// logoutSpentKey is what SpentStates sees of a logout token's jti: a
// prefix that no state's key has (those are bare base64url), then the
// SHA-256 of the issuer and the jti, which is unique per issuer.
func logoutSpentKey(issuer, jti string) string {
	return "logout-jti:" + spentKey(issuer+" "+jti)
}

// classifyLogoutError names the rule go-oidc's VerifyLogout rejected. Like
// Verify it reports failures as text only; the unit tests pin each case.
func classifyLogoutError(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "backchannel-logout event"):
		return "events"
	case strings.Contains(msg, "'nonce'"):
		return "nonce"
	case strings.Contains(msg, "'jti'"):
		return "jti"
	case strings.Contains(msg, "'exp'"):
		return "exp"
	case strings.Contains(msg, "'sub' claim, a 'sid' claim"):
		return "sub"
	case strings.Contains(msg, "parsing logout token payload"):
		return "format"
	case strings.Contains(msg, "expected logout token audience"):
		return "aud"
	default:
		return classifyVerifyError(err)
	}
}

// logoutTokenError is a logout token that failed check.
func logoutTokenError(check string, err error) *Error {
	return &Error{Step: "logout_token", Check: check, Err: err}
}
