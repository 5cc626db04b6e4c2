package devprovider

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

// TestIDTokenSID: every ID Token names its provider session with sid, on
// every sign-in path, and the sid is never the session cookie's value.
func TestIDTokenSID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		signIn func(e *testEnv) map[string]any
	}{
		{name: "hosted sign-in form", signIn: func(e *testEnv) map[string]any {
			_, tok := e.tokenRequest(codeForm(e.signIn(nil)), testClientID, testClientSecret, true)
			return tok
		}},
		{name: "sessionToken", signIn: func(e *testEnv) map[string]any {
			_, body := e.authn(credentials(aliceLogin, alicePassword), testTrustedOrigin)
			resp, _ := e.get(e.authorizeURL(map[string]string{"sessionToken": body["sessionToken"].(string)}))
			_, tok := e.tokenRequest(codeForm(e.codeFromRedirect(resp, testRedirectURI, "state-123")), testClientID, testClientSecret, true)
			return tok
		}},
		{name: "interaction code", signIn: func(e *testEnv) map[string]any {
			_, sh := e.startIDX()
			code := e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword)))
			_, tok := e.tokenRequest(interactionCodeForm(code, testVerifier), testClientID, testClientSecret, true)
			return tok
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			sid := e.sidOf(tt.signIn(e))
			u, err := url.Parse(e.issuer)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range e.browser.Jar.Cookies(u) {
				if c.Name == sessionCookieName && c.Value == sid {
					t.Errorf("sid is the session cookie's value: it must not be a bearer secret")
				}
			}
		})
	}
}

// TestSIDStable: the sid stays the same for one provider session, across
// clients and a new sign-in of the same user, and differs between
// sessions.
func TestSIDStable(t *testing.T) {
	t.Parallel()
	e := newSLOEnv(t, nil)
	a, b := e.a.client("app-a"), e.b.client("app-b")
	first := e.sidOf(e.signInTo(a))

	e.clock.Advance(time.Minute)
	if got := e.sidOf(e.signInTo(b)); got != first {
		t.Errorf("single sign-on to another client: sid %q, want the session's %q", got, first)
	}
	if got := e.sidOf(e.signInAs(a, aliceLogin, alicePassword, map[string]string{"prompt": "login"})); got != first {
		t.Errorf("prompt=login by the same user: sid %q, want the session's %q", got, first)
	}

	other := &testEnv{t: t, p: e.p, srv: e.srv, issuer: e.issuer, clock: e.clock, browser: newBrowser(t), logs: e.logs}
	if got := other.sidOf(other.signInTo(a)); got == first {
		t.Errorf("another browser's session: got the same sid %q, want its own", got)
	}

	tok := e.signInTo(a)
	if resp, _ := e.logout(tok, "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("logout: got %d, want 200", resp.StatusCode)
	}
	if got := e.sidOf(e.signInTo(a)); got == first {
		t.Errorf("after logout, a new sign-in: got the old sid %q, want a new one", got)
	}
}

// TestSingleLogout: a logout through /v1/logout tells exactly the other
// clients the session signed into, through both channels: a logout token
// to each, verified here against the JWKS, and an iframe for each on the
// sign-out page, which then continues to the post-logout redirect URI.
func TestSingleLogout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		signInto []string // client ids, in order
		from     string   // the client whose id_token is the hint
		want     []string // the clients told, in order
	}{
		{name: "from A, signed into A and B", signInto: []string{"app-a", "app-b"}, from: "app-a", want: []string{"app-b"}},
		{name: "from B, signed into A and B", signInto: []string{"app-a", "app-b"}, from: "app-b", want: []string{"app-a"}},
		{name: "from A, signed into A, B and C", signInto: []string{"app-a", "app-b", "app-c"}, from: "app-a", want: []string{"app-b", "app-c"}},
		{name: "from A, signed into A only", signInto: []string{"app-a"}, from: "app-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newSLOEnv(t, nil)
			rps := map[string]*rp{"app-a": e.a, "app-b": e.b, "app-c": e.c}
			clients := map[string]Client{"app-a": e.a.client("app-a"), "app-b": e.b.client("app-b"), "app-c": e.c.client("app-c")}
			toks := map[string]map[string]any{}
			for _, id := range tt.signInto {
				toks[id] = e.signInTo(clients[id])
			}
			sid := e.sidOf(toks[tt.from])
			from := clients[tt.from]
			e.clock.Advance(10 * time.Second)

			resp, body := e.logout(toks[tt.from], from.PostLogoutRedirectURIs[0], "bye")
			wantNext := from.PostLogoutRedirectURIs[0] + "?state=bye"
			if len(tt.want) == 0 {
				if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != wantNext {
					t.Fatalf("logout: got %d to %q, want 302 to %q", resp.StatusCode, resp.Header.Get("Location"), wantNext)
				}
			} else if resp.StatusCode != http.StatusOK {
				t.Fatalf("logout: got %d to %q, want 200 with the sign-out page", resp.StatusCode, resp.Header.Get("Location"))
			}
			if e.signedIn(from) {
				t.Errorf("the provider session survived the logout")
			}

			// Front channel: one iframe per client told, with iss and sid,
			// and a page that may frame exactly their origins.
			frames, next := signOutFrames(t, body)
			wantFrames := map[string][]string{}
			var wantOrigins []string
			for _, id := range tt.want {
				q := url.Values{"iss": {e.issuer}, "sid": {sid}}
				wantFrames[id] = []string{rps[id].srv.URL + FrontchannelLogoutPath + "?" + q.Encode()}
				wantOrigins = append(wantOrigins, rps[id].srv.URL)
			}
			if !reflect.DeepEqual(frames, wantFrames) {
				t.Errorf("front-channel iframes: got %v, want %v", frames, wantFrames)
			}
			if len(tt.want) > 0 {
				if next != wantNext {
					t.Errorf("sign-out page continues to %q, want %q", next, wantNext)
				}
				csp := resp.Header.Get("Content-Security-Policy")
				if got := cspDirective(csp, "frame-src"); !reflect.DeepEqual(got, wantOrigins) {
					t.Errorf("CSP frame-src: got %v, want %v (%s)", got, wantOrigins, csp)
				}
				if got := cspDirective(csp, "script-src"); !reflect.DeepEqual(got, []string{"'self'"}) {
					t.Errorf("CSP script-src: got %v, want 'self' only (%s)", got, csp)
				}
				if got := cspDirective(csp, "frame-ancestors"); !reflect.DeepEqual(got, []string{"'none'"}) {
					t.Errorf("CSP frame-ancestors: got %v, want 'none'", got)
				}
				if strings.Contains(body, "<script>") {
					t.Errorf("sign-out page has an inline script")
				}
			}

			// Back channel: one logout token to each client told, none to
			// the others.
			for id, r := range rps {
				tokens := r.logoutTokens()
				if !slices.Contains(tt.want, id) {
					if len(tokens) != 0 {
						t.Errorf("%s got %d logout tokens, want none", id, len(tokens))
					}
					continue
				}
				if len(tokens) != 1 {
					t.Fatalf("%s got %d logout tokens, want 1", id, len(tokens))
				}
				claims := e.verifyLogoutToken(tokens[0])
				now := e.clock.Now().Unix()
				want := map[string]any{
					"iss": e.issuer, "aud": id, "sub": aliceSubject, "sid": sid,
					"iat": float64(now), "exp": float64(now + 120),
					"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
				}
				for k, v := range want {
					if got := claims[k]; !reflect.DeepEqual(got, v) {
						t.Errorf("%s logout token %s: got %v, want %v", id, k, got, v)
					}
				}
				if jti, _ := claims["jti"].(string); len(jti) < 16 {
					t.Errorf("%s logout token jti: got %q, want a random id", id, jti)
				}
				if _, has := claims["nonce"]; has {
					t.Errorf("%s logout token has a nonce: Back-Channel Logout 1.0 §2.4 prohibits it", id)
				}
				if strings.Contains(e.logs.String(), tokens[0]) {
					t.Errorf("the log contains the logout token")
				}
				if !strings.Contains(e.logs.String(), `"msg":"back-channel logout delivered","client_id":"`+id+`"`) {
					t.Errorf("the log does not record the delivery to %s:\n%s", id, e.logs.String())
				}
			}
		})
	}
}

// TestSignOutScript: the sign-out page's script is served from the
// provider's origin, as JavaScript.
func TestSignOutScript(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, body := e.get(e.issuer + "/static/signout.js")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("Content-Type: got %q, want text/javascript", ct)
	}
	for _, want := range []string{"frontchannel-logout", "addEventListener('load'", "location.replace"} {
		if !strings.Contains(body, want) {
			t.Errorf("script lacks %q", want)
		}
	}
}

// TestBackchannelDelivery: a client that fails or hangs never stops the
// sign-out, and each outcome is logged.
func TestBackchannelDelivery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		hang    bool
		wantLog string
	}{
		{name: "200", status: http.StatusOK, wantLog: "back-channel logout delivered"},
		{name: "204 counts as success (§2.8)", status: http.StatusNoContent, wantLog: "back-channel logout delivered"},
		{name: "400", status: http.StatusBadRequest, wantLog: "back-channel logout refused"},
		{name: "redirect is not followed", status: http.StatusFound, wantLog: "back-channel logout refused"},
		{name: "no answer", hang: true, wantLog: "back-channel logout failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newSLOEnv(t, func(cfg *Config) {
				if tt.hang {
					cfg.BackchannelLogoutTimeout = 200 * time.Millisecond
				}
			})
			e.b.status, e.b.hang = tt.status, tt.hang
			a, b := e.a.client("app-a"), e.b.client("app-b")
			tok := e.signInTo(a)
			e.signInTo(b)
			resp, body := e.logout(tok, a.PostLogoutRedirectURIs[0], "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("logout: got %d, want 200 with the sign-out page", resp.StatusCode)
			}
			if frames, _ := signOutFrames(t, body); len(frames["app-b"]) != 1 {
				t.Errorf("front-channel iframes: got %v, want one for app-b", frames)
			}
			// A hanging client may time out before its request arrives;
			// the others got theirs before the page was answered.
			if got := len(e.b.logoutTokens()); got != 1 && !tt.hang {
				t.Errorf("app-b got %d logout requests, want 1", got)
			}
			if !strings.Contains(e.logs.String(), `"msg":"`+tt.wantLog+`","client_id":"app-b"`) {
				t.Errorf("log: want %q for app-b in:\n%s", tt.wantLog, e.logs.String())
			}
		})
	}
}

// TestSignOutEverywhere: the dev-only page ends every provider session of
// the browser's user, in every browser, and tells every client of every
// session.
func TestSignOutEverywhere(t *testing.T) {
	t.Parallel()
	e := newSLOEnv(t, nil)
	a, b := e.a.client("app-a"), e.b.client("app-b")

	resp, body := e.get(e.srv.URL + SessionsPagePath)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="sessions-none"`) {
		t.Fatalf("sessions page without a session: got %d, want 200 saying so", resp.StatusCode)
	}

	sid1 := e.sidOf(e.signInTo(a))
	e.signInTo(b)
	other := &testEnv{t: t, p: e.p, srv: e.srv, issuer: e.issuer, clock: e.clock, browser: newBrowser(t), logs: e.logs}
	sid2 := other.sidOf(other.signInTo(a))
	bob := &testEnv{t: t, p: e.p, srv: e.srv, issuer: e.issuer, clock: e.clock, browser: newBrowser(t), logs: e.logs}
	bob.signInAs(a, "bob@example.com", "Bob-demo-1", nil)

	resp, body = e.get(e.srv.URL + SessionsPagePath)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<code id="sessions-user">alice@example.com</code>`) ||
		!strings.Contains(body, `<code class="sessions-client">app-b</code>`) {
		t.Fatalf("sessions page: got %d, want alice and her clients:\n%s", resp.StatusCode, body)
	}

	// Another site cannot press the button.
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+SessionsPagePath, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if resp, _ := e.do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: got %d, want 403", resp.StatusCode)
	}
	if !e.signedIn(a) || len(e.a.logoutTokens()) != 0 {
		t.Fatalf("a refused post ended a session or sent a logout token")
	}

	resp, body = e.postSameOrigin(SessionsPagePath, url.Values{})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign out everywhere: got %d, want 200", resp.StatusCode)
	}
	frames, next := signOutFrames(t, body)
	frame := func(r *rp, sid string) string {
		return r.srv.URL + FrontchannelLogoutPath + "?" + url.Values{"iss": {e.issuer}, "sid": {sid}}.Encode()
	}
	wantFrames := map[string][]string{"app-a": {frame(e.a, sid1), frame(e.a, sid2)}, "app-b": {frame(e.b, sid1)}}
	for id := range frames {
		slices.Sort(frames[id])
		slices.Sort(wantFrames[id])
	}
	if !reflect.DeepEqual(frames, wantFrames) || next != "" {
		t.Errorf("front-channel iframes: got %v continuing to %q, want %v and no redirect", frames, next, wantFrames)
	}
	sidsOf := func(r *rp) []string {
		var sids []string
		for _, tok := range r.logoutTokens() {
			c := e.verifyLogoutToken(tok)
			if c["sub"] != aliceSubject {
				t.Errorf("logout token sub: got %v, want alice", c["sub"])
			}
			sids = append(sids, c["sid"].(string))
		}
		slices.Sort(sids)
		return sids
	}
	wantA := []string{sid1, sid2}
	slices.Sort(wantA)
	if got := sidsOf(e.a); !reflect.DeepEqual(got, wantA) {
		t.Errorf("app-a logout tokens for sids %v, want %v", got, wantA)
	}
	if got := sidsOf(e.b); !reflect.DeepEqual(got, []string{sid1}) {
		t.Errorf("app-b logout tokens for sids %v, want [%s]", got, sid1)
	}
	if e.signedIn(a) || other.signedIn(a) {
		t.Errorf("an alice session survived signing out everywhere")
	}
	if !bob.signedIn(a) {
		t.Errorf("bob's session ended: only the browser's user may be signed out")
	}
	if resp, _ := e.postSameOrigin(SessionsPagePath, url.Values{}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("sign out everywhere without a session: got %d, want 400", resp.StatusCode)
	}
}

// TestClientLogoutURIs: a client's logout URIs default to the sample
// app's routes at its redirect URI's origin, NoLogoutURI turns them off,
// and bad ones are refused at start-up with the field named.
func TestClientLogoutURIs(t *testing.T) {
	t.Parallel()
	const origin = "https://app.example:8443"
	base := Client{ID: "c", Secret: "s", RedirectURIs: []string{origin + "/authorization-code/callback"}}
	tests := []struct {
		name      string
		front     string
		back      string
		wantFront string
		wantBack  string
		wantErr   string
	}{
		{name: "defaults", wantFront: origin + FrontchannelLogoutPath, wantBack: origin + BackchannelLogoutPath},
		{name: "none", front: NoLogoutURI, back: NoLogoutURI},
		{name: "explicit", front: origin + "/fc?x=1", back: "http://internal.example/bc",
			wantFront: origin + "/fc?x=1", wantBack: "http://internal.example/bc"},
		{name: "front-channel on another origin", front: "https://other.example/fc", wantErr: "FrontchannelLogoutURI"},
		{name: "front-channel on another port", front: "https://app.example/fc", wantErr: "FrontchannelLogoutURI"},
		{name: "relative back-channel", back: "/bc", wantErr: "BackchannelLogoutURI"},
		{name: "back-channel with a fragment", back: "https://app.example/bc#x", wantErr: "BackchannelLogoutURI"},
		{name: "back-channel not http", back: "ftp://app.example/bc", wantErr: "BackchannelLogoutURI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := base
			c.FrontchannelLogoutURI, c.BackchannelLogoutURI = tt.front, tt.back
			p, err := New(Config{Issuer: "http://127.0.0.1:8081/oauth2/default", Clients: []Client{c},
				NewSigningKey: (&testkeys.Source{}).Next})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), "Clients[0]."+tt.wantErr) {
					t.Fatalf("New: got %v, want an error naming Clients[0].%s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			got := p.clients["c"]
			if got.FrontchannelLogoutURI != tt.wantFront || got.BackchannelLogoutURI != tt.wantBack {
				t.Errorf("logout URIs: got %q and %q, want %q and %q",
					got.FrontchannelLogoutURI, got.BackchannelLogoutURI, tt.wantFront, tt.wantBack)
			}
		})
	}
}

// TestDemoClients: demo clients are numbered copies of the sample app,
// each with its own secret, and the first keeps the id the app uses.
func TestDemoClients(t *testing.T) {
	t.Parallel()
	clients := DemoClients("http://localhost:8080", "http://localhost:8082")
	if len(clients) != 2 {
		t.Fatalf("got %d clients, want 2", len(clients))
	}
	want := []Client{
		{ID: "0oa-okta-go-sample-dev", RedirectURIs: []string{"http://localhost:8080/authorization-code/callback"},
			PostLogoutRedirectURIs: []string{"http://localhost:8080/", "http://localhost:8080"},
			FrontchannelLogoutURI:  "http://localhost:8080/authorization-code/frontchannel-logout",
			BackchannelLogoutURI:   "http://localhost:8080/authorization-code/backchannel-logout"},
		{ID: "0oa-okta-go-sample-dev-2", RedirectURIs: []string{"http://localhost:8082/authorization-code/callback"},
			PostLogoutRedirectURIs: []string{"http://localhost:8082/", "http://localhost:8082"},
			FrontchannelLogoutURI:  "http://localhost:8082/authorization-code/frontchannel-logout",
			BackchannelLogoutURI:   "http://localhost:8082/authorization-code/backchannel-logout"},
	}
	for i, c := range clients {
		if len(c.Secret) < 32 {
			t.Errorf("client %d secret: got %d characters, want a long random one", i, len(c.Secret))
		}
		c.Secret = ""
		if !reflect.DeepEqual(c, want[i]) {
			t.Errorf("client %d: got %+v, want %+v", i, c, want[i])
		}
	}
	if clients[0].Secret == clients[1].Secret {
		t.Errorf("two demo clients share a secret")
	}
	if _, err := New(Config{Issuer: "http://127.0.0.1:8081/oauth2/default", Clients: clients, NewSigningKey: (&testkeys.Source{}).Next}); err != nil {
		t.Errorf("New with the demo clients: %v", err)
	}
}
