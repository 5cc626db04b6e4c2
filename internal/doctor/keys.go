package doctor

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// checkKeys fetches the JWK Set (RFC 7517 section 5) and looks for a key
// that can verify the app's id_tokens: RSA, for RS256 (the only algorithm
// the app accepts, so that none and HMAC can never be used), meant for
// signatures, with a kid that tokens can name.
func (d *doctor) checkKeys(ctx context.Context, disc *discovery) {
	if disc == nil {
		return // reported with the discovery
	}
	if disc.JWKSURI == "" {
		d.skip(CheckKeys, "discovery names no jwks_uri")
		return
	}
	a, err := d.get(ctx, disc.JWKSURI, "application/json")
	if err != nil {
		d.fail(CheckKeys, fmt.Sprintf("GET %s: %v", clean(disc.JWKSURI, 200), err),
			"the app must fetch the provider's keys to verify id_tokens; check that this machine reaches the jwks_uri")
		return
	}
	if a.status != http.StatusOK {
		d.fail(CheckKeys, fmt.Sprintf("GET %s: %s", clean(disc.JWKSURI, 200), describe(a)),
			"the app must fetch the provider's keys to verify id_tokens; the provider's key endpoint is failing")
		return
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(a.body, &set); err != nil {
		d.fail(CheckKeys, fmt.Sprintf("GET %s: %s is not a JWK Set: %v", clean(disc.JWKSURI, 200), describe(a), err),
			"the jwks_uri must serve the provider's public keys as a JWK Set (RFC 7517)")
		return
	}
	var usable, unusable []string
	for i, raw := range set.Keys {
		kid, why := usableKey(raw)
		if why == "" {
			usable = append(usable, kid)
			continue
		}
		name := fmt.Sprintf("key %d", i+1)
		if kid != "" {
			name = "kid " + kid
		}
		unusable = append(unusable, name+": "+why)
	}
	if len(usable) == 0 {
		detail := fmt.Sprintf("%s at %s, none for RS256 signatures", plural(len(set.Keys), "key"), clean(disc.JWKSURI, 200))
		if len(unusable) > 0 {
			detail += " (" + clean(strings.Join(unusable, "; "), 400) + ")"
		}
		d.fail(CheckKeys, detail,
			"the app accepts only RS256-signed id_tokens, verified with an RSA key of the JWKS named by the token's kid; "+
				"configure the provider to sign id_tokens with RS256 (Okta does by default)")
		return
	}
	d.pass(CheckKeys, "%s at %s, %d for RS256 signatures (kid %s)", plural(len(set.Keys), "key"), clean(disc.JWKSURI, 200), len(usable), clean(strings.Join(usable, ", "), 200))
}

// usableKey says why the JWK raw cannot verify an RS256 id_token, or ""
// when it can; and its kid, when it has one.
func usableKey(raw json.RawMessage) (kid, why string) {
	var head struct {
		Kid string `json:"kid"`
		Kty string `json:"kty"`
		Use string `json:"use"`
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return "", "not a JSON object"
	}
	kid = head.Kid
	switch {
	case head.Kty != "RSA":
		return kid, fmt.Sprintf("kty %q, not RSA", head.Kty)
	case head.Use != "" && head.Use != "sig":
		return kid, fmt.Sprintf("use %q, not sig", head.Use)
	case head.Alg != "" && head.Alg != "RS256":
		return kid, fmt.Sprintf("alg %q, not RS256", head.Alg)
	case kid == "":
		return kid, "no kid"
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(raw); err != nil {
		return kid, "does not parse: " + err.Error()
	}
	pub, ok := k.Key.(*rsa.PublicKey)
	if !ok {
		return kid, "not an RSA public key"
	}
	if pub.N.BitLen() < 2048 {
		// RFC 7518 section 3.3: a key of 2048 bits or larger MUST be used.
		return kid, fmt.Sprintf("%d bits, shorter than 2048", pub.N.BitLen())
	}
	return kid, ""
}

// plural is n and noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
