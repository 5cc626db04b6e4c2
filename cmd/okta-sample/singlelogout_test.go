package main

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/internal/testproc"
)

var (
	devAppClientRE   = regexp.MustCompile(`client id (\S+)\n\s+client secret (\S+)\n\s+redirect URI\s+(\S+)`)
	frontchannelRE   = regexp.MustCompile(`data-src="([^"]+)"`)
	sessionsPageRE   = regexp.MustCompile(`sign a user out everywhere \(development only\): (\S+)`)
	bannerClientIDRE = regexp.MustCompile(`client:\s+(\S+), redirect URI (\S+)`)
)

// TestDevAppSingleSignOnAndLogout: with -dev-app, the banner prints the
// other app's client id, secret and redirect URI; that app, started with
// them, signs in by single sign-on; and logging out of the first app
// signs the user out of the second through the back channel, server to
// server, while the provider's sign-out page carries the second app's
// front-channel iframe.
func TestDevAppSingleSignOnAndLogout(t *testing.T) {
	port, err := testproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	originB := "http://127.0.0.1:" + strconv.Itoa(port)
	a := startApp(t, nil, "-dev-app", originB)
	banner := a.Stdout.String()
	m := devAppClientRE.FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the banner does not name the other app's client:\n%s", banner)
	}
	clientID, secret, redirect := m[1], m[2], m[3]
	if clientID != "0oa-okta-go-sample-dev-2" || redirect != originB+"/authorization-code/callback" || len(secret) < 32 {
		t.Errorf("other app: client id %q, redirect URI %q, a secret of %d characters; want 0oa-okta-go-sample-dev-2, %s/authorization-code/callback, a random secret",
			clientID, redirect, len(secret), originB)
	}
	if own := bannerClientIDRE.FindStringSubmatch(banner); own == nil || own[1] != devClientID || own[2] != a.URL+"/authorization-code/callback" {
		t.Errorf("the banner's own client line: got %q, want %s and the app's redirect URI", own, devClientID)
	}
	if strings.Contains(a.Logs.String(), secret) {
		t.Error("the log holds the other app's secret")
	}

	b := startApp(t, map[string]string{
		"OKTA_OAUTH2_ISSUER": a.Issuer, "OKTA_OAUTH2_CLIENT_ID": clientID,
		"OKTA_OAUTH2_CLIENT_SECRET": secret, "OKTA_OAUTH2_REDIRECT_URI": redirect,
	}, "-addr", "127.0.0.1:"+strconv.Itoa(port))
	if b.URL != originB {
		t.Fatalf("the other app serves %s, want %s", b.URL, originB)
	}

	br := newBrowser(t)
	wantProfile(t, br.login(a, aliceLogin, alicePassword), aliceLogin)
	// Single sign-on: the provider's session signs the user in to B, no form.
	p := br.follow(b.URL+"/authorization-code/login", nil)
	wantProfile(t, p, aliceLogin)

	// Log out of A: its own session, revocation, then the provider, which
	// tells B (not A, which asked) through both channels.
	out := br.postForm(a.URL+"/authorization-code/logout", nil, nil)
	if out.Status != http.StatusFound || !strings.HasPrefix(out.Header.Get("Location"), a.Issuer+"/v1/logout?") {
		t.Fatalf("logout: got %d to %q, want the provider's end_session_endpoint", out.Status, out.Header.Get("Location"))
	}
	signOut := br.followFrom(out, nil)
	wantLoggedOut(t, br, b)
	if !strings.Contains(b.Logs.String(), "signed out by the provider (back channel)") {
		t.Errorf("B's log has no back-channel sign-out:\n%s", b.Logs.String())
	}

	// The sign-out page's iframe is B's front-channel route with iss and sid.
	f := frontchannelRE.FindStringSubmatch(signOut.Body)
	if f == nil {
		t.Fatalf("the provider's sign-out page (%d at %s) has no front-channel iframe:\n%s", signOut.Status, signOut.URL.Redacted(), signOut.Body)
	}
	iframe, err := url.Parse(htmlUnescape(f[1]))
	if err != nil || iframe.Scheme+"://"+iframe.Host+iframe.Path != b.URL+"/authorization-code/frontchannel-logout" ||
		iframe.Query().Get("iss") != a.Issuer || iframe.Query().Get("sid") == "" {
		t.Fatalf("front-channel iframe %q: want B's route with iss %s and a sid", f[1], a.Issuer)
	}
	if p := newBrowser(t).get(iframe.String()); p.Status != http.StatusOK {
		t.Errorf("the front-channel iframe's URL: got %d, want 200", p.Status)
	}
}

// TestDevAppSignOutEverywhere: the development provider's "sign this user
// out everywhere" page, printed in the banner, ends the app's session
// too (the app's own client is told, since it did not ask).
func TestDevAppSignOutEverywhere(t *testing.T) {
	a := startApp(t, nil)
	m := sessionsPageRE.FindStringSubmatch(a.Stdout.String())
	if m == nil {
		t.Fatalf("the banner does not name the sessions page:\n%s", a.Stdout.String())
	}
	br := newBrowser(t)
	wantProfile(t, br.login(a, bobLogin, bobPassword), bobLogin)
	page := br.get(m[1])
	action := formActionRE.FindStringSubmatch(page.Body)
	if page.Status != http.StatusOK || action == nil {
		t.Fatalf("sessions page: got %d without a form:\n%s", page.Status, page.Body)
	}
	issuer, err := url.Parse(a.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	origin := issuer.Scheme + "://" + issuer.Host
	res := br.postForm(resolve(t, page.URL, htmlUnescape(action[1])), url.Values{}, http.Header{"Origin": {origin}, "Sec-Fetch-Site": {"same-origin"}})
	if res.Status >= 400 {
		t.Fatalf("sign out everywhere: got %d:\n%s", res.Status, res.Body)
	}
	wantLoggedOut(t, br, a)
}

// TestDevAppRefused: -dev-app without the development provider, on the
// app's own host name (the two would share cookies), twice, or not an
// origin, is refused before anything is served.
func TestDevAppRefused(t *testing.T) {
	t.Chdir(t.TempDir())
	provider := map[string]string{"OKTA_OAUTH2_ISSUER": "https://dev-1.okta.com/oauth2/default", "OKTA_OAUTH2_CLIENT_ID": "0oa1", "OKTA_OAUTH2_CLIENT_SECRET": "s"}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr error
		want    string
	}{
		{"without the development provider", provider, []string{"-dev-app", "http://127.0.0.1:8082"}, errConfig, "only runs with -dev"},
		{"on the app's host name", nil, []string{"-dev-app", "http://localhost:8082"}, errConfig, "use another host name for it, such as http://127.0.0.1:8082"},
		{"twice", nil, []string{"-dev-app", "http://127.0.0.1:8082", "-dev-app", "http://127.0.0.1:8082"}, errConfig, "given twice"},
		{"not an origin", nil, []string{"-dev-app", "http://127.0.0.1:8082/app"}, errUsage, "want an origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			args := append([]string{"-addr", "127.0.0.1:0", "-dev-addr", "127.0.0.1:0"}, tt.args...)
			err := run(t.Context(), args, func(k string) string { return tt.env[k] }, io.Discard, &stderr)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
			if msg := err.Error() + stderr.String(); !strings.Contains(msg, tt.want) {
				t.Errorf("got %q, want it to say %q", msg, tt.want)
			}
		})
	}
}
