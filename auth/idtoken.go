package auth

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// verifyIDToken validates an id_token as OpenID Connect Core 3.1.3.7 asks
// and returns it with its claims.
//
// go-oidc's verifier checks the JWS: the alg allow-list, the signature
// with the provider's key for the token's kid (cached, and refetched when
// an unknown kid appears, at a bounded rate), iss and aud. checkClaims then
// does what go-oidc leaves to the caller. The first failure is returned as
// an *Error that names the rule.
func (rp *RelyingParty) verifyIDToken(ctx context.Context, raw, nonce, accessToken string) (*oidc.IDToken, map[string]any, error) {
	idToken, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, nil, tokenError(classifyVerifyError(err), err)
	}
	var claims map[string]any
	if err := idToken.Claims(&claims); err != nil {
		return nil, nil, tokenError("format", err)
	}
	if err := rp.checkClaims(idToken, claims, nonce, accessToken); err != nil {
		return nil, nil, err
	}
	return idToken, claims, nil
}

// classifyVerifyError names the rule go-oidc's Verify rejected. go-oidc
// reports its failures as text only; the unit tests pin each case.
func classifyVerifyError(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "unexpected signature algorithm"), strings.Contains(msg, "unsupported signature algorithm"), strings.Contains(msg, "go-jose/go-jose: unexpected"):
		return "alg"
	case strings.Contains(msg, "malformed jwt"), strings.Contains(msg, "failed to unmarshal claims"),
		strings.Contains(msg, "claim name"), strings.Contains(msg, "source does not exist"):
		// A well-signed token whose claims do not parse is malformed, not
		// badly signed.
		return "format"
	case strings.Contains(msg, "issued by a different provider"):
		return "iss"
	case strings.Contains(msg, "expected audience"):
		return "aud"
	default:
		return "signature"
	}
}

// checkClaims applies the rules of OIDC Core 3.1.3.7 that go-oidc leaves
// to the caller, with the configured leeway for clock skew.
func (rp *RelyingParty) checkClaims(t *oidc.IDToken, claims map[string]any, nonce, accessToken string) error {
	now, leeway := rp.now(), rp.cfg.Leeway
	fail := func(check, format string, args ...any) error {
		return tokenError(check, fmt.Errorf(format, args...))
	}

	// 3.1.3.7 (3): aud was checked by go-oidc. (4, 5): with several
	// audiences, azp must be present and be this client; when present it
	// must always be this client.
	azp, _ := claims["azp"].(string)
	if len(t.Audience) > 1 && azp == "" {
		return fail("azp", "several audiences %q but no azp", t.Audience)
	}
	if _, present := claims["azp"]; present && azp != rp.cfg.ClientID {
		return fail("azp", "azp %q is not this client", azp)
	}
	// (9): exp, with leeway for clock skew.
	if t.Expiry.IsZero() {
		return fail("exp", "exp is missing")
	}
	if now.After(t.Expiry.Add(leeway)) {
		return fail("exp", "expired at %s (leeway %s)", t.Expiry.UTC().Format(time.RFC3339), leeway)
	}
	// (10): iat must be present and, allowing for skew, not in the future.
	if t.IssuedAt.IsZero() {
		return fail("iat", "iat is missing")
	}
	if t.IssuedAt.After(now.Add(leeway)) {
		return fail("iat", "issued in the future at %s (leeway %s)", t.IssuedAt.UTC().Format(time.RFC3339), leeway)
	}
	// nbf is optional (RFC 7519 4.1.5); when present it must have passed.
	if nbf, ok := claims["nbf"].(float64); ok {
		if time.Unix(int64(nbf), 0).After(now.Add(leeway)) {
			return fail("nbf", "not valid before %s (leeway %s)", time.Unix(int64(nbf), 0).UTC().Format(time.RFC3339), leeway)
		}
	}
	// sub identifies the user (2); a token without one identifies nobody.
	if t.Subject == "" {
		return fail("sub", "sub is missing")
	}
	// (11): the nonce binds the token to this login in this browser.
	if subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(nonce)) != 1 {
		if t.Nonce == "" {
			return fail("nonce", "nonce is missing")
		}
		return fail("nonce", "nonce does not match this login")
	}
	// 3.1.3.8: at_hash, when present, binds the access token to this id_token.
	if t.AccessTokenHash != "" {
		if err := t.VerifyAccessToken(accessToken); err != nil {
			return tokenError("at_hash", err)
		}
	}
	return nil
}

// tokenError is an id_token that failed check.
func tokenError(check string, err error) *Error {
	return &Error{Step: "id_token", Check: check, Err: err}
}
