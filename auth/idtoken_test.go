package auth_test

import (
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// claims returns a Misbehaviour that edits the id_token's claims.
func claims(edit func(c map[string]any)) testprovider.Misbehaviour {
	return testprovider.Misbehaviour{Claims: edit}
}

// header returns a Misbehaviour that edits the id_token's JOSE header.
func header(edit func(h *testprovider.Header)) testprovider.Misbehaviour {
	return testprovider.Misbehaviour{Header: edit}
}

// TestIDTokenRules crafts, for each rule of OIDC Core 3.1.3.7 (and the
// app's alg allow-list), a token that breaks exactly that rule, and
// expects an *auth.Error naming it. Rows with an empty check are accepted:
// the valid token, and values just inside the clock-skew leeway.
func TestIDTokenRules(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	now := testNow()
	clientID := op.ClientID()
	const minute = 60

	tests := []struct {
		name      string
		mis       testprovider.Misbehaviour
		wantCheck string // "" means accepted
	}{
		{name: "valid token", wantCheck: ""},

		// Signature and algorithm.
		{name: "alg none", mis: testprovider.Misbehaviour{Signing: testprovider.SignNone}, wantCheck: "alg"},
		{name: "alg none with the published kid", mis: testprovider.Misbehaviour{Signing: testprovider.SignNone,
			Header: func(h *testprovider.Header) { h.Kid = op.PublishedKID() }}, wantCheck: "alg"},
		{name: "HS256 keyed with the client secret", mis: testprovider.Misbehaviour{Signing: testprovider.SignHS256ClientSecret}, wantCheck: "alg"},
		{name: "HS256 keyed with the RSA public key", mis: testprovider.Misbehaviour{Signing: testprovider.SignHS256PublicKey}, wantCheck: "alg"},
		{name: "RS512 by the published key (not allowed)", mis: header(func(h *testprovider.Header) { h.Alg = "RS512" }), wantCheck: "alg"},
		{name: "PS256 by the published key (not allowed)", mis: header(func(h *testprovider.Header) { h.Alg = "PS256" }), wantCheck: "alg"},
		{name: "alg missing", mis: header(func(h *testprovider.Header) { h.Alg = "" }), wantCheck: "alg"},
		{name: "signature corrupted", mis: testprovider.Misbehaviour{Signing: testprovider.SignCorrupted}, wantCheck: "signature"},
		{name: "other key under the published kid", mis: testprovider.Misbehaviour{Signing: testprovider.SignOtherKeySameKID}, wantCheck: "signature"},
		{name: "other key under an unknown kid", mis: testprovider.Misbehaviour{Signing: testprovider.SignOtherKey}, wantCheck: "signature"},
		{name: "published key under an unknown kid", mis: header(func(h *testprovider.Header) { h.Kid = "no-such-kid" }), wantCheck: "signature"},

		// iss (3.1.3.7 step 2).
		{name: "iss wrong", mis: claims(func(c map[string]any) { c["iss"] = testprovider.WrongIssuer }), wantCheck: "iss"},
		{name: "iss with a trailing slash", mis: claims(func(c map[string]any) { c["iss"] = op.Issuer() + "/" }), wantCheck: "iss"},
		{name: "iss missing", mis: claims(func(c map[string]any) { delete(c, "iss") }), wantCheck: "iss"},

		// aud and azp (steps 3 to 5).
		{name: "aud wrong", mis: claims(func(c map[string]any) { c["aud"] = "another-client" }), wantCheck: "aud"},
		{name: "aud missing", mis: claims(func(c map[string]any) { delete(c, "aud") }), wantCheck: "aud"},
		{name: "aud list without this client", mis: claims(func(c map[string]any) { c["aud"] = []string{"a", "b"} }), wantCheck: "aud"},
		{name: "several aud without azp", mis: claims(func(c map[string]any) { c["aud"] = []string{clientID, "another-client"} }), wantCheck: "azp"},
		{name: "several aud, azp another client", mis: claims(func(c map[string]any) {
			c["aud"], c["azp"] = []string{clientID, "another-client"}, "another-client"
		}), wantCheck: "azp"},
		{name: "one aud, azp another client", mis: claims(func(c map[string]any) { c["azp"] = "another-client" }), wantCheck: "azp"},
		{name: "several aud, azp this client", mis: claims(func(c map[string]any) {
			c["aud"], c["azp"] = []string{clientID, "another-client"}, clientID
		}), wantCheck: ""},
		{name: "aud as a one-element list", mis: claims(func(c map[string]any) { c["aud"] = []string{clientID} }), wantCheck: ""},

		// exp (step 9), with leeway.
		{name: "exp past beyond leeway", mis: claims(func(c map[string]any) { c["exp"] = now.Add(-testLeeway).Unix() - minute }), wantCheck: "exp"},
		{name: "exp past within leeway", mis: claims(func(c map[string]any) { c["exp"] = now.Add(-testLeeway).Unix() + minute }), wantCheck: ""},
		{name: "exp missing", mis: claims(func(c map[string]any) { delete(c, "exp") }), wantCheck: "exp"},

		// iat (step 10), with leeway.
		{name: "iat missing", mis: claims(func(c map[string]any) { delete(c, "iat") }), wantCheck: "iat"},
		{name: "iat future beyond leeway", mis: claims(func(c map[string]any) { c["iat"] = now.Add(testLeeway).Unix() + minute }), wantCheck: "iat"},
		{name: "iat future within leeway", mis: claims(func(c map[string]any) { c["iat"] = now.Add(testLeeway).Unix() - minute }), wantCheck: ""},

		// nbf (RFC 7519 4.1.5), with leeway.
		{name: "nbf future beyond leeway", mis: claims(func(c map[string]any) { c["nbf"] = now.Add(testLeeway).Unix() + minute }), wantCheck: "nbf"},
		{name: "nbf future within leeway", mis: claims(func(c map[string]any) { c["nbf"] = now.Add(testLeeway).Unix() - minute }), wantCheck: ""},
		{name: "nbf past", mis: claims(func(c map[string]any) { c["nbf"] = now.Add(-time.Hour).Unix() }), wantCheck: ""},

		// sub (OIDC Core 2).
		{name: "sub missing", mis: claims(func(c map[string]any) { delete(c, "sub") }), wantCheck: "sub"},
		{name: "sub empty", mis: claims(func(c map[string]any) { c["sub"] = "" }), wantCheck: "sub"},

		// nonce (step 11).
		{name: "nonce missing", mis: claims(func(c map[string]any) { delete(c, "nonce") }), wantCheck: "nonce"},
		{name: "nonce wrong", mis: claims(func(c map[string]any) { c["nonce"] = "another-login-s-nonce" }), wantCheck: "nonce"},
		{name: "nonce with extra characters", mis: claims(func(c map[string]any) { c["nonce"] = c["nonce"].(string) + "x" }), wantCheck: "nonce"},

		// at_hash (3.1.3.8).
		{name: "at_hash wrong", mis: claims(func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }), wantCheck: "at_hash"},
		{name: "at_hash absent (optional in the code flow)", mis: claims(func(c map[string]any) { delete(c, "at_hash") }), wantCheck: ""},

		// Claims of the wrong JSON type are malformed, whatever else.
		{name: "exp as a string", mis: claims(func(c map[string]any) { c["exp"] = "tomorrow" }), wantCheck: "format"},
		{name: "sub as a number", mis: claims(func(c map[string]any) { c["sub"] = 42 }), wantCheck: "format"},
		{name: "distributed claim without a source", mis: claims(func(c map[string]any) {
			c["_claim_names"] = map[string]string{"groups": "src1"}
		}), wantCheck: "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op.Misbehave(tt.mis)
			rp := newRP(t, op, nil) // fresh key cache and refetch budget
			userinfoBefore := len(op.UserInfoRequests())

			id, err := login(t, rp)
			if tt.wantCheck == "" {
				if err != nil {
					t.Fatalf("got error %v, want the token accepted", err)
				}
				if id.Subject != testprovider.DefaultSubject {
					t.Errorf("got subject %q, want %q", id.Subject, testprovider.DefaultSubject)
				}
				return
			}
			wantTokenError(t, err, tt.wantCheck)
			if id != nil {
				t.Errorf("got identity %+v, want nil", id)
			}
			if got := len(op.UserInfoRequests()) - userinfoBefore; got != 0 {
				t.Errorf("got %d userinfo requests after a rejected id_token, want 0", got)
			}
		})
	}
}
