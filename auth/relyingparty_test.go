package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
)

// TestDiscoveryHangBounded: a discovery endpoint that accepts the
// connection and never answers cannot stall New, even with a client that
// has no timeout of its own; the Connector then retries instead of
// waiting forever.
func TestDiscoveryHangBounded(t *testing.T) {
	t.Parallel()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })

	done := make(chan error, 1)
	go func() {
		_, err := auth.New(context.Background(), auth.Config{
			Issuer:      srv.URL + "/oauth2/default",
			ClientID:    "client",
			RedirectURL: testRedirectURI,
			HTTPClient:  providerClient(t, 0),
			// Only the hang is bounded by it: it just has to end.
			Timeout: 500 * time.Millisecond,
		})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "discovery") {
			t.Fatalf("got %v, want a discovery error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("New still waiting for discovery after 30s, want it bounded by Config.Timeout")
	}
}

// TestNewRefusesUnsafeAlgs: the allow-list cannot be widened to "none" or
// HMAC, whose keys the client itself (or anyone) knows.
func TestNewRefusesUnsafeAlgs(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"none", "HS256", "HS384", "HS512", "rs256", ""} {
		t.Run(alg, func(t *testing.T) {
			_, err := auth.New(context.Background(), auth.Config{
				Issuer: "http://127.0.0.1:1/oauth2/default", ClientID: "c", RedirectURL: testRedirectURI,
				SigningAlgs: []string{alg},
			})
			if err == nil || !strings.Contains(err.Error(), "not allowed") {
				t.Fatalf("SigningAlgs [%q]: got %v, want a refusal", alg, err)
			}
		})
	}
}
