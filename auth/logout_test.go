package auth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// TestLogoutTokenRules signs, for each rule of Back-Channel Logout 1.0
// section 2.6 (and the alg allow-list), a logout token that breaks exactly
// that rule, and expects an *auth.Error naming it. Rows with an empty
// check are accepted, and return the token's sub and sid.
func TestLogoutTokenRules(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)
	now := testNow()
	const minute = 60
	const sub, sid = "00u-alice", "sid-alice-1"

	tests := []struct {
		name      string
		sub, sid  string
		mis       testprovider.Misbehaviour
		wantCheck string // "" means accepted
	}{
		{name: "valid, sub and sid", sub: sub, sid: sid},
		{name: "valid, sid only", sid: sid},
		{name: "valid, sub only", sub: sub},
		{name: "valid, aud a list with this client", sub: sub, sid: sid,
			mis: claims(func(c map[string]any) { c["aud"] = []string{"another-client", op.ClientID()} })},
		{name: "valid, iat just inside the leeway", sub: sub, sid: sid,
			mis: claims(func(c map[string]any) { c["iat"] = now.Add(-testLeeway).Unix() + minute })},
		{name: "valid, exp past within the leeway", sub: sub, sid: sid, mis: claims(func(c map[string]any) {
			c["iat"], c["exp"] = now.Unix()-3*minute, now.Unix()-minute
		})},

		// Signature and algorithm.
		{name: "alg none", sub: sub, sid: sid, mis: testprovider.Misbehaviour{Signing: testprovider.SignNone}, wantCheck: "alg"},
		{name: "HS256 keyed with the client secret", sub: sub, sid: sid, mis: testprovider.Misbehaviour{Signing: testprovider.SignHS256ClientSecret}, wantCheck: "alg"},
		{name: "HS256 keyed with the RSA public key", sub: sub, sid: sid, mis: testprovider.Misbehaviour{Signing: testprovider.SignHS256PublicKey}, wantCheck: "alg"},
		{name: "signature corrupted", sub: sub, sid: sid, mis: testprovider.Misbehaviour{Signing: testprovider.SignCorrupted}, wantCheck: "signature"},
		{name: "other key under the published kid", sub: sub, sid: sid, mis: testprovider.Misbehaviour{Signing: testprovider.SignOtherKeySameKID}, wantCheck: "signature"},
		{name: "other key under an unknown kid", sub: sub, sid: sid, mis: testprovider.Misbehaviour{Signing: testprovider.SignOtherKey}, wantCheck: "signature"},

		// iss and aud.
		{name: "iss wrong", sub: sub, sid: sid, mis: claims(func(c map[string]any) { c["iss"] = testprovider.WrongIssuer }), wantCheck: "iss"},
		{name: "aud wrong", sub: sub, sid: sid, mis: claims(func(c map[string]any) { c["aud"] = "another-client" }), wantCheck: "aud"},
		{name: "aud missing", sub: sub, sid: sid, mis: claims(func(c map[string]any) { delete(c, "aud") }), wantCheck: "aud"},

		// iat and exp, with the leeway.
		{name: "iat missing", sub: sub, sid: sid, mis: claims(func(c map[string]any) { delete(c, "iat") }), wantCheck: "iat"},
		{name: "iat older than the leeway", sub: sub, sid: sid, mis: claims(func(c map[string]any) { c["iat"] = now.Add(-testLeeway).Unix() - minute }), wantCheck: "iat"},
		{name: "iat future beyond the leeway", sub: sub, sid: sid, mis: claims(func(c map[string]any) { c["iat"] = now.Add(testLeeway).Unix() + minute }), wantCheck: "iat"},
		{name: "exp missing", sub: sub, sid: sid, mis: claims(func(c map[string]any) { delete(c, "exp") }), wantCheck: "exp"},
		{name: "exp past beyond the leeway", sub: sub, sid: sid, mis: claims(func(c map[string]any) {
			c["exp"] = now.Add(-testLeeway).Unix() - minute
		}), wantCheck: "exp"},

		// The logout event, the nonce, whom it names, its id.
		{name: "events missing", sub: sub, sid: sid, mis: claims(func(c map[string]any) { delete(c, "events") }), wantCheck: "events"},
		{name: "events without the back-channel logout event", sub: sub, sid: sid, mis: claims(func(c map[string]any) {
			c["events"] = map[string]any{"http://schemas.openid.net/event/other": map[string]any{}}
		}), wantCheck: "events"},
		{name: "the logout event is not an object", sub: sub, sid: sid, mis: claims(func(c map[string]any) {
			c["events"] = map[string]any{testprovider.BackchannelLogoutEvent: "yes"}
		}), wantCheck: "events"},
		{name: "the logout event is null", sub: sub, sid: sid, mis: claims(func(c map[string]any) {
			c["events"] = map[string]any{testprovider.BackchannelLogoutEvent: nil}
		}), wantCheck: "events"},
		{name: "nonce present", sub: sub, sid: sid, mis: claims(func(c map[string]any) { c["nonce"] = "n-0S6_WzA2Mj" }), wantCheck: "nonce"},
		{name: "nonce present but empty", sub: sub, sid: sid, mis: claims(func(c map[string]any) { c["nonce"] = "" }), wantCheck: "nonce"},
		{name: "neither sub nor sid", wantCheck: "sub"},
		{name: "jti missing", sub: sub, sid: sid, mis: claims(func(c map[string]any) { delete(c, "jti") }), wantCheck: "jti"},
		{name: "claims not JSON claims", sub: sub, sid: sid, mis: claims(func(c map[string]any) { c["iat"] = "yesterday" }), wantCheck: "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := op.LogoutToken(t, tt.sub, tt.sid, tt.mis)
			gotSub, gotSID, err := rp.VerifyLogoutToken(context.Background(), raw)
			if tt.wantCheck == "" {
				if err != nil {
					t.Fatalf("got %v, want the token accepted", err)
				}
				if gotSub != tt.sub || gotSID != tt.sid {
					t.Errorf("got sub %q sid %q, want %q and %q", gotSub, gotSID, tt.sub, tt.sid)
				}
				return
			}
			ae := wantError(t, err, "logout_token", tt.wantCheck)
			if gotSub != "" || gotSID != "" {
				t.Errorf("a refused token returned sub %q sid %q, want none", gotSub, gotSID)
			}
			if strings.Contains(ae.Error(), raw) {
				t.Errorf("the error repeats the token: %v", ae)
			}
		})
	}
}

// recordingSpent is a shared SpentStates (as two replicas would share
// Redis) that records what it was asked, and can be told to fail.
type recordingSpent struct {
	mu   sync.Mutex
	seen map[string]bool
	keys []string
	ttls []time.Duration
	fail error
}

func (s *recordingSpent) Spend(_ context.Context, key string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return false, s.fail
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.keys, s.ttls = append(s.keys, key), append(s.ttls, ttl)
	first := !s.seen[key]
	s.seen[key] = true
	return first, nil
}

// TestLogoutTokenReplay: a logout token is accepted once, by any replica
// that shares the store; the store remembers it, under a key of its own
// that is not the jti, for as long as the token could be accepted plus the
// replicas' margin; and a store that fails refuses the token with
// ErrStoreUnavailable without spending it.
func TestLogoutTokenReplay(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	store := &recordingSpent{}
	replica1 := newRP(t, op, func(c *auth.Config) { c.SpentStates = store })
	replica2 := newRP(t, op, func(c *auth.Config) { c.SpentStates = store })
	now := testNow()
	const jti = "LT.replayed-jti"
	raw := op.LogoutToken(t, "00u-alice", "sid-1", claims(func(c map[string]any) {
		c["jti"] = jti
		c["iat"] = now.Add(-time.Minute).Unix()
	}))

	if _, sid, err := replica1.VerifyLogoutToken(context.Background(), raw); err != nil || sid != "sid-1" {
		t.Fatalf("first delivery: got sid %q, %v; want sid-1 accepted", sid, err)
	}
	for name, rp := range map[string]*auth.RelyingParty{"same replica": replica1, "other replica": replica2} {
		_, _, err := rp.VerifyLogoutToken(context.Background(), raw)
		wantError(t, err, "logout_token", "jti")
		t.Logf("%s: refused as a replay", name)
	}

	if len(store.keys) == 0 || !strings.HasPrefix(store.keys[0], "logout-jti:") || strings.Contains(store.keys[0], jti) {
		t.Errorf("store keys %q: want a logout-jti: prefix and a hash, never the jti", store.keys)
	}
	// Accepted until iat + leeway (earlier than exp + leeway: exp is two
	// minutes after iat), remembered a minute longer for replicas whose
	// clocks differ.
	if want := -time.Minute + testLeeway + time.Minute; store.ttls[0] != want {
		t.Errorf("remembered for %s, want %s", store.ttls[0], want)
	}

	// Another token with the same jti from the same issuer is the same
	// token to the store: refused.
	again := op.LogoutToken(t, "00u-bob", "sid-2", claims(func(c map[string]any) { c["jti"] = jti }))
	_, _, err := replica2.VerifyLogoutToken(context.Background(), again)
	wantError(t, err, "logout_token", "jti")

	store.mu.Lock()
	store.fail = errors.New("redis: connection refused")
	store.mu.Unlock()
	_, _, err = replica1.VerifyLogoutToken(context.Background(), op.LogoutToken(t, "00u-alice", "", testprovider.Misbehaviour{}))
	if !errors.Is(err, auth.ErrStoreUnavailable) {
		t.Errorf("store down: got %v, want ErrStoreUnavailable", err)
	}
}

// TestLogoutTokenKeyRotation: logout tokens are checked with the same key
// set as id_tokens, so a key the provider rotated in is fetched once, and
// a token with an unknown kid meets the same refetch limit (a burst of 2
// here: the first fetch and the rotation).
func TestLogoutTokenKeyRotation(t *testing.T) {
	t.Parallel()
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, func(c *auth.Config) { c.JWKSRefetchBurst = 2; c.JWKSRefetchEvery = time.Hour })
	if _, _, err := rp.VerifyLogoutToken(context.Background(), op.LogoutToken(t, "00u-a", "s1", testprovider.Misbehaviour{})); err != nil {
		t.Fatalf("before rotation: %v", err)
	}
	fetches := op.JWKSFetches()
	op.RotateKeys(t)
	if _, _, err := rp.VerifyLogoutToken(context.Background(), op.LogoutToken(t, "00u-a", "s2", testprovider.Misbehaviour{})); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if got := op.JWKSFetches() - fetches; got != 1 {
		t.Errorf("rotation cost %d key set fetches, want 1", got)
	}
	// The burst is spent: a forged kid does not make the app fetch again.
	fetches = op.JWKSFetches()
	_, _, err := rp.VerifyLogoutToken(context.Background(), op.LogoutToken(t, "00u-a", "s3", header(func(h *testprovider.Header) { h.Kid = "forged-kid" })))
	wantError(t, err, "logout_token", "signature")
	if got := op.JWKSFetches() - fetches; got != 0 {
		t.Errorf("a forged kid cost %d key set fetches past the limit, want 0", got)
	}
}

// userInfoStatus calls op's userinfo endpoint with accessToken.
func userInfoStatus(t *testing.T, op *testprovider.Provider, accessToken string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, op.Issuer()+"/v1/userinfo", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestLogoutRevokes: Logout revokes the access token (client_secret_basic,
// with its type hint) so it stops working at userinfo, and returns the
// end-session URL; a provider whose revocation fails or hangs gets an
// error for the log, bounded by the timeout, and the URL all the same; a
// provider without revocation_endpoint gets no request.
func TestLogoutRevokes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cfg         testprovider.Config
		revoke      testprovider.RevokeBehaviour
		refresh     string // a refresh token the session kept, or ""
		wantErr     string // "" means none
		wantRevokes int
		wantRevoked bool
	}{
		{name: "revoked", wantRevokes: 1, wantRevoked: true},
		{name: "revoked, and the refresh token too", refresh: "tp-rt-kept-by-the-session", wantRevokes: 2, wantRevoked: true},
		{name: "revocation refused", revoke: testprovider.RevokeError, wantErr: `status 503, error "temporarily_unavailable"`, wantRevokes: 1},
		{name: "revocation hangs", revoke: testprovider.RevokeHang, wantErr: "timed out", wantRevokes: 1},
		{name: "no revocation endpoint", cfg: testprovider.Config{NoRevocationEndpoint: true}, wantRevokes: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op := newProvider(t, tt.cfg)
			rp := newRP(t, op, func(c *auth.Config) { c.Timeout = 500 * time.Millisecond })
			id, err := login(t, rp)
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			if id.AccessToken == "" || id.RefreshToken != "" {
				t.Fatalf("Identity: access token %t, refresh token %t; want an access token only", id.AccessToken != "", id.RefreshToken != "")
			}
			if got := userInfoStatus(t, op, id.AccessToken); got != http.StatusOK {
				t.Fatalf("userinfo before logout: got %d, want 200", got)
			}
			id.RefreshToken = tt.refresh
			op.Misbehave(testprovider.Misbehaviour{Revoke: tt.revoke})

			endSession, err := rp.Logout(context.Background(), id, "http://127.0.0.1:1/", "st-1")
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Logout: got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Logout: got error %v, want one saying %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), id.AccessToken) {
				t.Errorf("the error repeats the access token: %v", err)
			}
			u, perr := url.Parse(endSession)
			if perr != nil || !strings.HasPrefix(endSession, op.Issuer()+"/v1/logout?") ||
				u.Query().Get("id_token_hint") != id.RawIDToken || u.Query().Get("state") != "st-1" ||
				u.Query().Get("post_logout_redirect_uri") != "http://127.0.0.1:1/" {
				t.Errorf("end-session URL %q: want the provider's logout with the hint, the redirect and the state", endSession)
			}

			revokes := op.RevokeRequests()
			if len(revokes) != tt.wantRevokes {
				t.Fatalf("got %d revocation requests, want %d", len(revokes), tt.wantRevokes)
			}
			for _, r := range revokes {
				hints := map[string]string{id.AccessToken: "access_token", tt.refresh: "refresh_token"}
				if hint, ok := hints[r.Token]; !ok || r.TokenTypeHint != hint || r.ClientAuth != "client_secret_basic" || !r.SecretOK {
					t.Errorf("revocation request %+v: want one of the session's tokens, its hint, client_secret_basic", revokeSummary(r))
				}
			}
			op.Misbehave(testprovider.Misbehaviour{})
			want := http.StatusOK
			if tt.wantRevoked {
				want = http.StatusUnauthorized
			}
			if got := userInfoStatus(t, op, id.AccessToken); got != want {
				t.Errorf("userinfo after logout: got %d, want %d", got, want)
			}
		})
	}
}

// revokeSummary shows a revocation request without its token.
func revokeSummary(r testprovider.RevokeRequest) testprovider.RevokeRequest {
	r.Token = "(" + strings.Repeat("*", min(len(r.Token), 8)) + ")"
	return r
}
