package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// offlineLogin signs in with offline_access and returns the identity,
// with its refresh token.
func offlineLogin(t *testing.T, op *testprovider.Provider) (*auth.RelyingParty, *auth.Identity) {
	t.Helper()
	rp := newRP(t, op, func(c *auth.Config) { c.Scopes = []string{"openid", "profile", "offline_access"} })
	id, err := login(t, rp)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if id.AccessToken == "" || id.RefreshToken == "" || id.AccessTokenExpiry.IsZero() {
		t.Fatalf("login gave access token %t, refresh token %t, expiry %v; want all three",
			id.AccessToken != "", id.RefreshToken != "", id.AccessTokenExpiry)
	}
	return rp, id
}

// TestRefresh: a refresh returns new tokens, the rotated refresh token and
// a checked id_token; the old refresh token is then spent.
func TestRefresh(t *testing.T) {
	op := newProvider(t, testprovider.Config{})
	rp, id := offlineLogin(t, op)

	got, err := rp.Refresh(context.Background(), id.RefreshToken, id.Subject)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if got.AccessToken == "" || got.AccessToken == id.AccessToken {
		t.Error("Refresh gave no new access token")
	}
	if got.RefreshToken == "" || got.RefreshToken == id.RefreshToken {
		t.Error("Refresh did not hand over the rotated refresh token")
	}
	if got.Subject != id.Subject || got.IDTokenClaims["sub"] != id.Subject || got.RawIDToken == "" {
		t.Errorf("Refresh: subject %q, id_token sub %v; want %q", got.Subject, got.IDTokenClaims["sub"], id.Subject)
	}
	if _, has := got.IDTokenClaims["nonce"]; has {
		t.Error("the refreshed id_token has a nonce; the test provider should send none")
	}
	reqs := op.TokenRequests()
	if last := reqs[len(reqs)-1]; last.GrantType != "refresh_token" || last.ClientAuth != "client_secret_basic" || !last.SecretOK {
		t.Errorf("got token request %+v, want refresh_token with client_secret_basic", last)
	}

	// Used again after the rotation: refused, and named so that the app
	// ends the session.
	_, err = rp.Refresh(context.Background(), id.RefreshToken, id.Subject)
	e := wantError(t, err, "refresh", "error")
	if e.Code != "invalid_grant" {
		t.Errorf("got code %q, want invalid_grant", e.Code)
	}
	for _, s := range []string{id.RefreshToken, got.RefreshToken, got.AccessToken} {
		if strings.Contains(err.Error(), s) {
			t.Error("the error holds a token")
		}
	}
}

// TestRefreshChecks: every way a refresh fails, each named.
func TestRefreshChecks(t *testing.T) {
	tests := []struct {
		name        string
		mis         testprovider.Misbehaviour
		subject     string
		step, check string
	}{
		{name: "the refreshed id_token is about someone else", mis: testprovider.Misbehaviour{Claims: func(c map[string]any) { c["sub"] = "00u-mallory" }},
			step: "id_token", check: "sub"},
		{name: "another subject asks", subject: "00u-someone-else", step: "id_token", check: "sub"},
		{name: "a forged id_token", mis: testprovider.Misbehaviour{Signing: testprovider.SignOtherKeySameKID}, step: "id_token", check: "signature"},
		{name: "an expired id_token", mis: testprovider.Misbehaviour{Claims: func(c map[string]any) { c["exp"] = testNow().Add(-testLeeway - time.Minute).Unix() }},
			step: "id_token", check: "exp"},
		{name: "the provider refuses", mis: testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "invalid_grant"}, step: "refresh", check: "error"},
		{name: "the provider answers garbage", mis: testprovider.Misbehaviour{Token: testprovider.TokenNotJSON}, step: "refresh", check: "response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newProvider(t, testprovider.Config{})
			rp, id := offlineLogin(t, op)
			op.Misbehave(tt.mis)
			subject := id.Subject
			if tt.subject != "" {
				subject = tt.subject
			}
			got, err := rp.Refresh(context.Background(), id.RefreshToken, subject)
			if got != nil {
				t.Error("Refresh returned an identity with its error")
			}
			wantError(t, err, tt.step, tt.check)
		})
	}
	t.Run("no refresh token", func(t *testing.T) {
		op := newProvider(t, testprovider.Config{})
		rp := newRP(t, op, nil)
		_, err := rp.Refresh(context.Background(), "", "00u-x")
		wantError(t, err, "refresh", "response")
	})
}
