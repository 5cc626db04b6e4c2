package devprovider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

// The three attacks below were first reproduced from outside against the
// provider; each test runs the attack and checks that it now fails.

const (
	victimAddr   = "198.51.100.7"
	attackerAddr = "203.0.113.9"
)

// serveFrom runs one request through p as if it came from addr.
func serveFrom(p *Provider, addr, method, target string, body string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = addr + ":40000"
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	return rec
}

// TestAttackSessionSwap is the provider session swap: an attacker who
// signed in as bob sends the victim, signed in to the provider as alice,
// to /v1/authorize with bob's sessionToken. That used to replace alice's
// provider session silently, so the victim's next sign-in anywhere was as
// bob. Now the provider asks.
func TestAttackSessionSwap(t *testing.T) {
	t.Parallel()
	// attackerToken is a sessionToken for bob, obtained by the attacker.
	attackerToken := func(e *testEnv) string {
		e.t.Helper()
		_, body := e.authn(credentials(bobLogin, bobPassword), "")
		return body["sessionToken"].(string)
	}
	// victim is a browser with alice's provider session.
	victim := func(t *testing.T) *testEnv {
		t.Helper()
		e := newTestEnv(t)
		e.signIn(nil)
		return e
	}
	ssoSubject := func(e *testEnv) string {
		e.t.Helper()
		resp, _ := e.get(e.authorizeURL(map[string]string{"prompt": "none"}))
		code := e.codeFromRedirect(resp, testRedirectURI, "state-123")
		_, tok := e.tokenRequest(codeForm(code), testClientID, testClientSecret, true)
		claims, _ := e.verifyIDToken(tok["id_token"].(string))
		return claims["sub"].(string)
	}
	switchForm := func(e *testEnv, body string) string {
		e.t.Helper()
		m := requestIDRE.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `id="switch-confirm"`) || !strings.Contains(body, `id="switch-cancel"`) {
			e.t.Fatalf("no confirmation form in %s", body)
		}
		return m[1]
	}
	postSwitch := func(e *testEnv, id, decision string, header http.Header) (*http.Response, string) {
		e.t.Helper()
		form := url.Values{"request": {id}, "decision": {decision}}
		req, err := http.NewRequest(http.MethodPost, e.issuer+"/v1/login/switch", strings.NewReader(form.Encode()))
		if err != nil {
			e.t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header[k] = v
		}
		return e.do(req)
	}

	// Each subtest has its own provider.
	t.Run("the attack: the session is not replaced, the user is asked", func(t *testing.T) {
		e := victim(t)
		resp, body := e.get(e.authorizeURL(map[string]string{"sessionToken": attackerToken(e)}))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
			t.Fatalf("got %d to %q, want 200 with a confirmation page", resp.StatusCode, resp.Header.Get("Location"))
		}
		checkHTMLHeaders(t, resp)
		if !strings.Contains(body, aliceLogin) || !strings.Contains(body, bobLogin) {
			t.Errorf("confirmation page: does not name both users")
		}
		for _, c := range resp.Cookies() {
			if c.Name == sessionCookieName {
				t.Errorf("confirmation page sets the session cookie")
			}
		}
		if got := ssoSubject(e); got != aliceSubject {
			t.Errorf("SSO session after the attack: got %s, want alice's %s", got, aliceSubject)
		}
	})
	t.Run("another site cannot confirm for the user", func(t *testing.T) {
		e := victim(t)
		_, body := e.get(e.authorizeURL(map[string]string{"sessionToken": attackerToken(e)}))
		id := switchForm(e, body)
		resp, _ := postSwitch(e, id, "switch", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site confirmation: got %d, want 403", resp.StatusCode)
		}
		if got := ssoSubject(e); got != aliceSubject {
			t.Errorf("SSO session: got %s, want alice's", got)
		}
	})
	t.Run("stay signed in", func(t *testing.T) {
		e := victim(t)
		_, body := e.get(e.authorizeURL(map[string]string{"sessionToken": attackerToken(e)}))
		id := switchForm(e, body)
		resp, _ := postSwitch(e, id, "stay", nil)
		if got := e.redirectError(resp); got != "access_denied" {
			t.Errorf("stay: got error %q, want access_denied", got)
		}
		if got := ssoSubject(e); got != aliceSubject {
			t.Errorf("SSO session: got %s, want alice's", got)
		}
		if resp, _ := postSwitch(e, id, "switch", nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("second answer to the same page: got %d, want 400", resp.StatusCode)
		}
	})
	t.Run("the user confirms", func(t *testing.T) {
		e := victim(t)
		_, body := e.get(e.authorizeURL(map[string]string{"sessionToken": attackerToken(e)}))
		resp, _ := postSwitch(e, switchForm(e, body), "switch", nil)
		e.codeFromRedirect(resp, testRedirectURI, "state-123")
		if got := ssoSubject(e); got != "00udemobob000000002" {
			t.Errorf("SSO session after confirming: got %s, want bob's", got)
		}
	})
	t.Run("a token of the same user needs no confirmation", func(t *testing.T) {
		e := victim(t)
		_, body := e.authn(credentials(aliceLogin, alicePassword), "")
		resp, _ := e.get(e.authorizeURL(map[string]string{"sessionToken": body["sessionToken"].(string)}))
		e.codeFromRedirect(resp, testRedirectURI, "state-123")
	})
	t.Run("no session: the token signs in as before", func(t *testing.T) {
		e := newTestEnv(t)
		resp, _ := e.get(e.authorizeURL(map[string]string{"sessionToken": attackerToken(e)}))
		e.codeFromRedirect(resp, testRedirectURI, "state-123")
	})
}

// TestAttackPendingSignInFlood is the pending sign-in eviction: 10,000
// unauthenticated GET /v1/authorize from one address used to push a real
// user's pending sign-in out, so that their correct password then got
// "Sign-in expired". Each client address now has its own share.
func TestAttackPendingSignInFlood(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	authorize := e.authorizeURL(nil)
	// The victim opens the sign-in page.
	rec := serveFrom(e.p, victimAddr, "GET", authorize, "", nil)
	m := requestIDRE.FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || m == nil {
		t.Fatalf("victim's sign-in page: got %d", rec.Code)
	}
	victimRequest := m[1]

	// The attack, at the size it was reproduced with.
	for i := range 10000 {
		if rec := serveFrom(e.p, attackerAddr, "GET", authorize, "", nil); rec.Code != http.StatusOK {
			t.Fatalf("flood request %d: got %d", i, rec.Code)
		}
	}
	if got := ownerCount(e.p.pending, attackerAddr); got > maxEntriesPerClient {
		t.Errorf("attacker's pending sign-ins: got %d, want at most %d", got, maxEntriesPerClient)
	}

	form := url.Values{"request": {victimRequest}, "username": {aliceLogin}, "password": {alicePassword}}
	rec = serveFrom(e.p, victimAddr, "POST", e.issuer+"/v1/login", form.Encode(),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("victim's sign-in after the flood: got %d %s, want 303 with a code", rec.Code, rec.Body.String())
	}
}

// TestAttackPendingSignInFloodManyAddresses is the same flood spread over
// enough addresses to fill the whole store: the victim's one entry still
// stays, because a full store gives up an entry of whoever holds the most.
func TestAttackPendingSignInFloodManyAddresses(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	authorize := e.authorizeURL(nil)
	rec := serveFrom(e.p, victimAddr, "GET", authorize, "", nil)
	victimRequest := requestIDRE.FindStringSubmatch(rec.Body.String())[1]

	addrs := 2 * maxStoreEntries / maxEntriesPerClient // twice what fills the store
	for a := range addrs {
		for range maxEntriesPerClient {
			e.p.pending.addFor(fmt.Sprintf("203.0.113.%d", a), pendingSignIn{})
		}
	}
	if got := len(e.p.pending.items); got > maxStoreEntries {
		t.Errorf("store size: got %d, want at most %d", got, maxStoreEntries)
	}
	if _, ok := e.p.pending.get(victimRequest); !ok {
		t.Fatalf("the victim's pending sign-in was evicted")
	}
}

// TestClientKey checks how requests are grouped into clients.
func TestClientKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		remoteAddr string
		clientIP   func(*http.Request) string
		want       string
	}{
		{name: "IPv4", remoteAddr: "192.0.2.1:1234", want: "192.0.2.1"},
		{name: "IPv6 counts by /64", remoteAddr: "[2001:db8:1:2:3:4:5:6]:1234", want: "2001:db8:1:2::/64"},
		{name: "same /64", remoteAddr: "[2001:db8:1:2:ffff::1]:1", want: "2001:db8:1:2::/64"},
		{name: "IPv4-mapped IPv6", remoteAddr: "[::ffff:192.0.2.1]:1234", want: "192.0.2.1"},
		{name: "zone", remoteAddr: "[fe80::1%eth0]:1234", want: "fe80::/64"},
		{name: "not an address", remoteAddr: "pipe", want: "pipe"},
		{name: "trusted proxy's answer", remoteAddr: "10.0.0.1:1",
			clientIP: func(r *http.Request) string { return r.Header.Get("X-Test-Client") }, want: "198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Provider{clientIP: tt.clientIP}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remoteAddr
			r.Header.Set("X-Test-Client", victimAddr)
			if got := p.clientKey(r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestConfigClientIP checks that Config.ClientIP reaches the stores: two
// browsers behind one proxy address get a share each.
func TestConfigClientIP(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/oauth2/default"
	srv.Close()
	p, err := New(Config{Issuer: issuer,
		Clients:       []Client{{ID: testClientID, Secret: testClientSecret, RedirectURIs: []string{testRedirectURI}}},
		ClientIP:      func(r *http.Request) string { return r.Header.Get("X-Test-Client") },
		NewSigningKey: (&testkeys.Source{}).Next})
	if err != nil {
		t.Fatal(err)
	}
	u := issuer + "/v1/authorize?client_id=" + testClientID + "&response_type=code&scope=openid&redirect_uri=" +
		url.QueryEscape(testRedirectURI)
	serveFrom(p, "10.0.0.1", "GET", u, "", http.Header{"X-Test-Client": {victimAddr}})
	serveFrom(p, "10.0.0.1", "GET", u, "", http.Header{"X-Test-Client": {attackerAddr}})
	if a, b := ownerCount(p.pending, victimAddr), ownerCount(p.pending, attackerAddr); a != 1 || b != 1 {
		t.Errorf("pending per client: got %d and %d, want 1 and 1", a, b)
	}
}

// TestAttackLockoutFlood is the lockout bypass: 10,000 failed sign-ins for
// made-up usernames used to push a real user's lockout record out of the
// throttle, so that guessing their password could go on. Real accounts'
// records now live where no flood reaches.
func TestAttackLockoutFlood(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for range freeFailures {
		e.authn(credentials(aliceLogin, "guess"), "")
	}
	if _, body := e.authn(credentials(aliceLogin, alicePassword), ""); body["status"] != "LOCKED_OUT" {
		t.Fatalf("after %d failures: got %v, want LOCKED_OUT", freeFailures, body["status"])
	}

	hdr := http.Header{"Content-Type": {"application/json"}}
	for i := range 10000 {
		rec := serveFrom(e.p, attackerAddr, "POST", e.srv.URL+"/api/v1/authn",
			credentials(fmt.Sprintf("junk-%d@example.com", i), "x"), hdr)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("flood request %d: got %d", i, rec.Code)
		}
	}
	if _, body := e.authn(credentials(aliceLogin, alicePassword), ""); body["status"] != "LOCKED_OUT" {
		t.Errorf("after the flood: got %v, want alice still LOCKED_OUT", body["status"])
	}
	if got := len(e.p.throttle.records); got > maxStoreEntries {
		t.Errorf("unknown-name records: got %d, want at most %d", got, maxStoreEntries)
	}
	e.clock.Advance(lockoutBase)
	if _, body := e.authn(credentials(aliceLogin, alicePassword), ""); body["status"] != "SUCCESS" {
		t.Errorf("after the lockout: got %v, want SUCCESS", body["status"])
	}
}

// TestThrottleAccounts checks the throttle's record of real accounts: the
// password's and the second factor's counts are apart, and both bounded by
// the directory.
func TestThrottleAccounts(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	th := newThrottle(clock.Now, DemoUsers()...)
	fail, ok := func() bool { return false }, func() bool { return true }
	for range freeFailures {
		th.attemptSecondFactor(carolSubject, fail)
	}
	if res, _ := th.attempt(carolLogin, ok); res != attemptOK {
		t.Errorf("password after code failures: got %v, want attemptOK (separate counts)", res)
	}
	if res, _ := th.attemptSecondFactor(carolSubject, ok); res != attemptLocked {
		t.Errorf("code after a correct password: got %v, want attemptLocked (not reset by the password)", res)
	}
	if res, _ := th.attemptSecondFactor("not-a-subject", ok); res != attemptFailed {
		t.Errorf("second factor of an unknown subject: got %v, want attemptFailed", res)
	}
	for i := range 3 * maxStoreEntries {
		th.attempt(fmt.Sprintf("junk-%d", i), fail)
	}
	if got := len(th.accounts); got > 2*len(DemoUsers()) {
		t.Errorf("account records: got %d, want at most %d", got, 2*len(DemoUsers()))
	}
	clock.Advance(forgetAfter)
	if res, _ := th.attemptSecondFactor(carolSubject, ok); res != attemptOK {
		t.Errorf("after forgetAfter: got %v, want attemptOK", res)
	}
}

// TestFairStore checks the store's two bounds and which entry a full store
// gives up.
func TestFairStore(t *testing.T) {
	t.Parallel()
	t.Run("an owner at its limit replaces its own oldest", func(t *testing.T) {
		s := newFairStore[int](newTestClock().Now, time.Minute, 10, 3)
		other, _ := s.addFor("b", -1)
		var keys []string
		for i := range 5 {
			k, _ := s.addFor("a", i)
			keys = append(keys, k)
		}
		if got := ownerCount(s, "a"); got != 3 {
			t.Errorf("owner a: got %d entries, want 3", got)
		}
		for i, k := range keys {
			_, ok := s.get(k)
			if want := i >= 2; ok != want {
				t.Errorf("a's entry %d: present %v, want %v", i, ok, want)
			}
		}
		if _, ok := s.get(other); !ok {
			t.Errorf("b's entry was evicted by a")
		}
	})
	t.Run("a full store evicts from the heaviest owner", func(t *testing.T) {
		s := newFairStore[int](newTestClock().Now, time.Minute, 6, 6)
		first, _ := s.addFor("light", 0) // the oldest entry of all
		for i := range 4 {
			s.addFor("heavy", i)
		}
		s.addFor("middle", 0)
		s.addFor("middle", 1) // full: heavy gives one up
		if _, ok := s.get(first); !ok {
			t.Errorf("the oldest entry, of the lightest owner, was evicted")
		}
		if a, b, c := ownerCount(s, "light"), ownerCount(s, "heavy"), ownerCount(s, "middle"); a != 1 || b != 3 || c != 2 {
			t.Errorf("counts light, heavy, middle: got %d %d %d, want 1 3 2", a, b, c)
		}
		if len(s.items) != 6 || s.order.Len() != 6 || len(s.heaviest) != 3 {
			t.Errorf("size: %d items, %d in order, %d owners; want 6, 6, 3", len(s.items), s.order.Len(), len(s.heaviest))
		}
	})
	t.Run("ties go to the owner with the oldest entry", func(t *testing.T) {
		clock := newTestClock()
		s := newFairStore[int](clock.Now, time.Minute, 4, 4)
		a1, _ := s.addFor("a", 1)
		clock.Advance(time.Second)
		b1, _ := s.addFor("b", 1)
		clock.Advance(time.Second)
		s.addFor("a", 2)
		s.addFor("b", 2)
		s.addFor("c", 1)
		if _, ok := s.get(a1); ok {
			t.Errorf("a's oldest entry survived; want it evicted (a and b tie, a's is older)")
		}
		if _, ok := s.get(b1); !ok {
			t.Errorf("b's entry was evicted")
		}
	})
	t.Run("owners leave with their last entry", func(t *testing.T) {
		s := newFairStore[int](newTestClock().Now, time.Minute, 4, 4)
		k, _ := s.addFor("a", 1)
		s.take(k)
		if len(s.owners) != 0 || len(s.heaviest) != 0 {
			t.Errorf("after taking the only entry: %d owners, %d in the heap; want 0, 0", len(s.owners), len(s.heaviest))
		}
	})
}

// ownerCount is how many entries owner holds in s, expired ones included.
func ownerCount[T any](s *store[T], owner string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.owners[owner]; ok {
		return o.entries.Len()
	}
	return 0
}
