package auth_test

import (
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// TestKeysRotatedBetweenLogins: after the provider replaces its key, the
// next login's unknown kid makes the app fetch the keys again, once.
func TestKeysRotatedBetweenLogins(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)
	if _, err := login(t, rp); err != nil {
		t.Fatalf("login before rotation: %v", err)
	}
	if got := op.JWKSFetches(); got != 1 {
		t.Fatalf("got %d key set fetches after the first login, want 1", got)
	}
	if _, err := login(t, rp); err != nil {
		t.Fatalf("second login with the same key: %v", err)
	}
	if got := op.JWKSFetches(); got != 1 {
		t.Fatalf("got %d key set fetches with the key cached, want 1", got)
	}
	op.RotateKeys(t)
	if _, err := login(t, rp); err != nil {
		t.Fatalf("login after rotation: %v", err)
	}
	if got := op.JWKSFetches(); got != 2 {
		t.Errorf("got %d key set fetches, want 2 (one refetch for the new kid)", got)
	}
}

// TestNewKeyJustBeforeSigning: a key that appears between the app's last
// fetch and the signing of this id_token is found by exactly one refetch
// (OIDC Core 10.1.1).
func TestNewKeyJustBeforeSigning(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)
	if _, err := login(t, rp); err != nil {
		t.Fatalf("first login: %v", err)
	}
	before := op.JWKSFetches()
	op.Misbehave(testprovider.Misbehaviour{NewKeyBeforeSigning: true})
	if _, err := login(t, rp); err != nil {
		t.Fatalf("login signed by a brand-new key: %v", err)
	}
	if got := op.JWKSFetches() - before; got != 1 {
		t.Errorf("got %d refetches, want exactly 1", got)
	}
}

// TestJWKSRefetchFloodBounded: a flood of tokens with random kids must not
// turn the app into a load generator against the provider's key set. The
// refetch limiter allows a burst, then one per JWKSRefetchEvery (an hour
// here, so nothing refills during the test).
func TestJWKSRefetchFloodBounded(t *testing.T) {
	t.Parallel()
	const burst = 3
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, func(c *auth.Config) {
		c.JWKSRefetchEvery = time.Hour
		c.JWKSRefetchBurst = burst
	})
	if _, err := login(t, rp); err != nil { // caches the real key
		t.Fatalf("first login: %v", err)
	}
	op.Misbehave(testprovider.Misbehaviour{Header: func(h *testprovider.Header) { h.Kid = "flood-" + rand.Text() }})

	const flood = 50
	var wg sync.WaitGroup
	errs := make(chan error, flood)
	for range flood {
		wg.Go(func() {
			_, err := tryLogin(rp)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		var ae *auth.Error
		if !errors.As(err, &ae) || ae.Step != "id_token" || ae.Check != "signature" {
			t.Errorf("flood token: got %v, want an id_token signature *auth.Error", err)
		}
	}
	if got := op.JWKSFetches(); got > burst {
		t.Errorf("got %d key set fetches for %d forged kids, want at most %d (the burst)", got, flood, burst)
	}

	// The real key is still cached, so real logins go on.
	op.Misbehave(testprovider.Misbehaviour{})
	fetches := op.JWKSFetches()
	if _, err := login(t, rp); err != nil {
		t.Fatalf("login after the flood: %v", err)
	}
	if got := op.JWKSFetches(); got != fetches {
		t.Errorf("got %d fetches after the flood, want %d: the cached key should verify", got, fetches)
	}
}

// TestJWKSFailClosed: when the key set cannot be read, no token is
// accepted, within bounded time.
func TestJWKSFailClosed(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	for _, tc := range []struct {
		name    string
		b       testprovider.JWKSBehaviour
		timeout time.Duration // the client's: the slow key set waits it out
	}{
		// The rows that do not hang have room for a loaded machine.
		{"down", testprovider.JWKSDown, 5 * time.Second},
		{"slow", testprovider.JWKSSlow, time.Second},
		{"garbage", testprovider.JWKSGarbage, 5 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op.Misbehave(testprovider.Misbehaviour{JWKS: tc.b})
			rp := newRP(t, op, func(c *auth.Config) { c.HTTPClient = providerClient(t, tc.timeout) })
			uiBefore := len(op.UserInfoRequests())
			start := time.Now()
			_, err := login(t, rp)
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("Finish took %s, want it bounded by the client timeout", elapsed)
			}
			wantTokenError(t, err, "signature")
			if got := len(op.UserInfoRequests()) - uiBefore; got != 0 {
				t.Errorf("got %d userinfo requests, want 0", got)
			}
		})
	}

	t.Run("down after keys were cached", func(t *testing.T) {
		op.Misbehave(testprovider.Misbehaviour{})
		rp := newRP(t, op, nil)
		if _, err := login(t, rp); err != nil {
			t.Fatalf("login: %v", err)
		}
		op.Misbehave(testprovider.Misbehaviour{JWKS: testprovider.JWKSDown})
		if _, err := login(t, rp); err != nil {
			t.Errorf("login with a cached key while the key set is down: got %v, want success", err)
		}
		op.Misbehave(testprovider.Misbehaviour{JWKS: testprovider.JWKSDown, Signing: testprovider.SignOtherKey})
		_, err := login(t, rp)
		wantTokenError(t, err, "signature")
	})
}

// TestHeaderKeysIgnored: keys offered by the token itself (jwk, jku, x5u;
// RFC 7515 4.1.2 to 4.1.5) are never trusted and never fetched. Only the
// provider's jwks_uri from discovery counts.
func TestHeaderKeysIgnored(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	attacker := op.AttackerURL()
	other := op.OtherJWK()

	tests := []struct {
		name    string
		signing testprovider.Signing
		header  func(h *testprovider.Header)
	}{
		{"embedded jwk, its own kid", testprovider.SignOtherKey, func(h *testprovider.Header) { h.JWK = other }},
		{"embedded jwk under the published kid", testprovider.SignOtherKeySameKID, func(h *testprovider.Header) { h.JWK = other }},
		{"jku to the attacker", testprovider.SignOtherKey, func(h *testprovider.Header) { h.JKU = attacker + "/jwks.json" }},
		{"jku under the published kid", testprovider.SignOtherKeySameKID, func(h *testprovider.Header) { h.JKU = attacker + "/jwks.json" }},
		{"x5u to the attacker", testprovider.SignOtherKey, func(h *testprovider.Header) { h.X5U = attacker + "/cert.pem" }},
		{"jwk, jku and x5u together", testprovider.SignOtherKey, func(h *testprovider.Header) {
			h.JWK, h.JKU, h.X5U = other, attacker+"/jwks.json", attacker+"/cert.pem"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op.Misbehave(testprovider.Misbehaviour{Signing: tt.signing, Header: tt.header})
			_, err := login(t, newRP(t, op, nil))
			wantTokenError(t, err, "signature")
			if got := op.AttackerHits(); got != 0 {
				t.Errorf("got %d requests to the attacker's server, want 0", got)
			}
		})
	}

	// A header jwk on a token the provider really signed changes nothing:
	// the published key verifies it, the embedded one is never used.
	t.Run("embedded jwk on a genuine token", func(t *testing.T) {
		op.Misbehave(testprovider.Misbehaviour{Header: func(h *testprovider.Header) { h.JWK, h.JKU = other, attacker }})
		if _, err := login(t, newRP(t, op, nil)); err != nil {
			t.Errorf("got %v, want success", err)
		}
		if got := op.AttackerHits(); got != 0 {
			t.Errorf("got %d requests to the attacker's server, want 0", got)
		}
	})
}

// TestNoKid: a token without a kid is checked against every published key
// (go-oidc's RemoteKeySet). OIDC Core 10.1 lets a provider with one key
// omit the kid; with several keys it should send one, but accepting a
// token that one of the provider's own keys verifies gives an attacker
// nothing. What matters is that an unpublished key never verifies.
func TestNoKid(t *testing.T) {
	t.Parallel()
	noKid := func(h *testprovider.Header) { h.Kid = "" }
	tests := []struct {
		name       string
		extraKeys  int
		signing    testprovider.Signing
		wantAccept bool
	}{
		{"one key, signed by it", 0, testprovider.SignPublished, true},
		{"one key, signed by another", 0, testprovider.SignOtherKey, false},
		{"several keys, signed by one of them", 2, testprovider.SignPublished, true},
		{"several keys, signed by another", 2, testprovider.SignOtherKey, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newProvider(t, testprovider.Config{})
			for range tt.extraKeys {
				op.PublishExtraKey(t)
			}
			op.Misbehave(testprovider.Misbehaviour{Signing: tt.signing, Header: noKid})
			_, err := login(t, newRP(t, op, nil))
			if tt.wantAccept {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			wantTokenError(t, err, "signature")
		})
	}
}

// TestJWKSSlowClientWithoutTimeout: even with a caller-supplied client
// that has no timeout at all, a key set that never answers cannot hold a
// callback forever.
func TestJWKSSlowClientWithoutTimeout(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	op.Misbehave(testprovider.Misbehaviour{JWKS: testprovider.JWKSSlow})
	rp := newRP(t, op, func(c *auth.Config) {
		c.HTTPClient = providerClient(t, 0)
		c.Timeout = time.Second
	})
	done := make(chan error, 1)
	go func() {
		_, err := tryLogin(rp)
		done <- err
	}()
	select {
	case err := <-done:
		var ae *auth.Error
		if !errors.As(err, &ae) || ae.Step != "id_token" {
			t.Fatalf("got %v, want an id_token *auth.Error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Finish still waiting for the key set after 30s, want it bounded")
	}
}
