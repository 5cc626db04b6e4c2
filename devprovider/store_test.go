package devprovider

import (
	"net/http"
	"testing"
	"time"
)

// TestStoreFlood checks that filling any of the provider's stores, for
// example with a flood of GET /v1/authorize (which needs no credentials),
// does not stop a real user from signing in and using the tokens, and that
// the store stays bounded.
func TestStoreFlood(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fill func(p *Provider)
		size func(p *Provider) int
	}{
		{name: "pending sign-ins", fill: func(p *Provider) { p.pending.add(pendingSignIn{}) },
			size: func(p *Provider) int { return len(p.pending.items) }},
		{name: "SSO sessions", fill: func(p *Provider) { p.sessions.add(newSSOSession(authentication{})) },
			size: func(p *Provider) int { return len(p.sessions.items) }},
		{name: "codes", fill: func(p *Provider) { p.codes.add(codeGrant{}) },
			size: func(p *Provider) int { return len(p.codes.items) }},
		{name: "sessionTokens", fill: func(p *Provider) { p.sessionTokens.add(authentication{}) },
			size: func(p *Provider) int { return len(p.sessionTokens.items) }},
		{name: "access tokens", fill: func(p *Provider) { p.accessTokens.add(accessGrant{}) },
			size: func(p *Provider) int { return len(p.accessTokens.items) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			for range maxStoreEntries {
				tt.fill(e.p)
			}

			code := e.signIn(nil)
			resp, tok := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("token: got status %d (%v), want 200", resp.StatusCode, tok)
			}
			accessToken, _ := tok["access_token"].(string)
			if got := userinfoStatus(t, e, accessToken); got != http.StatusOK {
				t.Errorf("userinfo: got status %d, want 200", got)
			}
			resp, body := e.authn(credentials(aliceLogin, alicePassword), "")
			if resp.StatusCode != http.StatusOK || body["status"] != "SUCCESS" {
				t.Errorf("authn: got %d %v, want 200 SUCCESS", resp.StatusCode, body)
			}

			if got := tt.size(e.p); got > maxStoreEntries {
				t.Errorf("store size: got %d, want at most %d", got, maxStoreEntries)
			}
		})
	}
}

// TestStoreEviction checks which entry a full store gives up: expired ones
// first, otherwise the oldest.
func TestStoreEviction(t *testing.T) {
	t.Parallel()
	t.Run("oldest live entry goes", func(t *testing.T) {
		t.Parallel()
		clock := newTestClock()
		s := newStore[int](clock.Now, time.Minute)
		keys := make([]string, maxStoreEntries+1)
		for i := range keys {
			keys[i], _ = s.add(i)
		}
		if got := len(s.items); got != maxStoreEntries {
			t.Errorf("size: got %d, want %d", got, maxStoreEntries)
		}
		if _, ok := s.get(keys[0]); ok {
			t.Errorf("oldest entry: still there, want it evicted")
		}
		for _, i := range []int{1, maxStoreEntries} {
			if got, ok := s.get(keys[i]); !ok || got != i {
				t.Errorf("entry %d: got %d, %v; want %d, true", i, got, ok, i)
			}
		}
	})
	t.Run("expired entries go first", func(t *testing.T) {
		t.Parallel()
		clock := newTestClock()
		s := newStore[int](clock.Now, time.Minute)
		for i := range maxStoreEntries {
			s.add(i)
		}
		clock.Advance(time.Minute)
		key, _ := s.add(-1)
		if got := len(s.items); got != 1 {
			t.Errorf("size: got %d, want 1", got)
		}
		if got, ok := s.take(key); !ok || got != -1 {
			t.Errorf("new entry: got %d, %v; want -1, true", got, ok)
		}
		if got := len(s.items); got != 0 || s.order.Len() != 0 {
			t.Errorf("after take: %d items, %d in order; want 0, 0", got, s.order.Len())
		}
	})
	t.Run("replacing a key keeps one entry", func(t *testing.T) {
		t.Parallel()
		s := newStore[int](newTestClock().Now, time.Minute)
		s.put("k", 1)
		s.put("k", 2)
		if got, ok := s.get("k"); !ok || got != 2 || len(s.items) != 1 || s.order.Len() != 1 {
			t.Errorf("got %d, %v with %d items, %d in order; want 2, true, 1, 1", got, ok, len(s.items), s.order.Len())
		}
	})
}
