package web

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/okta-samples/okta-go-sample/auth"
)

// TestLoginFailure: each kind of failure of a login gets its own status
// and title, and only an id_token failure names its check on the page.
func TestLoginFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		status    int
		title     string
		wantCheck string
	}{
		{"unknown transaction", fmt.Errorf("%w: the state was already used", auth.ErrUnknownTransaction), http.StatusUnauthorized, "Sign-in link not valid here", ""},
		{"spent-state store down", fmt.Errorf("%w: connection refused", auth.ErrStoreUnavailable), http.StatusServiceUnavailable, "Sign-in temporarily unavailable", ""},
		{"provider not ready", fmt.Errorf("%w: dial failed", auth.ErrNotReady), http.StatusServiceUnavailable, "Provider not reachable", ""},
		{"wrong iss", &auth.Error{Step: "callback", Check: "iss"}, http.StatusUnauthorized, "Response from the wrong issuer", ""},
		{"access_denied", &auth.Error{Step: "callback", Check: "error", Code: "access_denied"}, http.StatusUnauthorized, "The provider refused the sign-in", ""},
		{"server_error", &auth.Error{Step: "callback", Check: "error", Code: "server_error"}, http.StatusBadGateway, "The provider refused the sign-in", ""},
		{"no code", &auth.Error{Step: "callback", Check: "code"}, http.StatusBadRequest, "No authorization code", ""},
		{"invalid_grant", &auth.Error{Step: "token", Check: "error", Code: "invalid_grant"}, http.StatusUnauthorized, "Code not accepted", ""},
		{"invalid_client", &auth.Error{Step: "token", Check: "error", Code: "invalid_client"}, http.StatusBadGateway, "Client not accepted by the provider", ""},
		{"token response", &auth.Error{Step: "token", Check: "response"}, http.StatusBadGateway, "Token request failed", ""},
		{"id_token nonce", &auth.Error{Step: "id_token", Check: "nonce"}, http.StatusUnauthorized, "ID token rejected", "nonce"},
		{"userinfo sub", &auth.Error{Step: "userinfo", Check: "sub"}, http.StatusUnauthorized, "Userinfo is about another user", ""},
		{"anything else", errors.New("boom"), http.StatusInternalServerError, "Sign-in failed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loginFailure(tt.err)
			if got.Status != tt.status || got.Title != tt.title || got.Check != tt.wantCheck {
				t.Errorf("got %d %q check %q, want %d %q check %q", got.Status, got.Title, got.Check, tt.status, tt.title, tt.wantCheck)
			}
			if !errors.Is(got.Err, tt.err) {
				t.Errorf("got Err %v, want the error itself for the log", got.Err)
			}
		})
	}
}
