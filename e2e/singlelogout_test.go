package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/logbuf"
	"github.com/okta-samples/okta-go-sample/internal/redistest"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
	"github.com/okta-samples/okta-go-sample/internal/testproc"
)

const callbackPath = "/authorization-code/callback"

// The log lines of the app's two logout channels.
const (
	frontchannelLine = "signed out by the provider (front channel)"
	backchannelLine  = "signed out by the provider (back channel)"
)

// sloOptions choose how the provider tells app B about a sign-out.
type sloOptions struct {
	front, back bool
	// redis runs B as two replicas sharing a real redis-server: the
	// provider knows B by the first one's URIs.
	redis bool
}

// sloEnv is one development provider, served by the test, with two apps
// as real processes, each its own client: A on http://localhost:PORT and
// B on http://127.0.0.1:PORT. Two host names, because browsers keep
// cookies per host whatever the port: on one host name, the two apps
// would overwrite each other's session cookie.
type sloEnv struct {
	providerOrigin string
	providerLog    *logbuf.Buffer
	a              *app
	b              []*app // B's replicas
}

// freeOrigin picks a free loopback port and returns it with its origin on
// host.
func freeOrigin(t *testing.T, host string) (port int, origin string) {
	t.Helper()
	port, err := testproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port, "http://" + net.JoinHostPort(host, strconv.Itoa(port))
}

func startSLO(t *testing.T, opts sloOptions) *sloEnv {
	t.Helper()
	portA, originA := freeOrigin(t, "localhost")
	replicas := 1
	if opts.redis {
		replicas = 2
	}
	portsB, originsB := make([]int, replicas), make([]string, replicas)
	for i := range replicas {
		portsB[i], originsB[i] = freeOrigin(t, "127.0.0.1")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String() + "/oauth2/default"
	clientA := devprovider.DemoClient(1, originA)
	clientB := devprovider.DemoClient(2, originsB[0])
	for _, o := range originsB[1:] {
		clientB.RedirectURIs = append(clientB.RedirectURIs, o+callbackPath)
		clientB.PostLogoutRedirectURIs = append(clientB.PostLogoutRedirectURIs, o+"/")
	}
	if !opts.front {
		clientB.FrontchannelLogoutURI = devprovider.NoLogoutURI
	}
	if !opts.back {
		clientB.BackchannelLogoutURI = devprovider.NoLogoutURI
	}
	env := &sloEnv{providerOrigin: "http://" + ln.Addr().String(), providerLog: &logbuf.Buffer{}}
	p, err := devprovider.New(devprovider.Config{
		Issuer:         issuer,
		Clients:        []devprovider.Client{clientA, clientB},
		Users:          devprovider.DemoUsers(),
		TrustedOrigins: append([]string{originA}, originsB...),
		Logger:         slog.New(slog.NewTextHandler(env.providerLog, nil)),
		HTTPClient:     &http.Client{Timeout: 5 * time.Second},
		NewSigningKey:  (&testkeys.Source{}).Next,
	})
	if err != nil {
		t.Fatalf("devprovider.New: %v", err)
	}
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("the provider stopped: %v", err)
		}
	}()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing the provider: %v", err)
		}
		if t.Failed() {
			t.Logf("provider log:\n%s", env.providerLog.String())
		}
	})

	clientEnv := func(c devprovider.Client, redirect string) []string {
		return append(appEnv(), "OKTA_OAUTH2_ISSUER="+issuer, "OKTA_OAUTH2_CLIENT_ID="+c.ID,
			"OKTA_OAUTH2_CLIENT_SECRET="+c.Secret, "OKTA_OAUTH2_REDIRECT_URI="+redirect)
	}
	env.a = startProcess(t, []string{"-addr", "127.0.0.1:" + strconv.Itoa(portA)}, clientEnv(clientA, originA+callbackPath))
	var shared []string
	if opts.redis {
		key := make([]byte, 32)
		_, _ = rand.Read(key) // never fails since Go 1.24
		shared = []string{"OKTA_SAMPLE_REDIS_URL=" + redistest.New(t).URL(), "OKTA_SAMPLE_COOKIE_KEYS=" + base64.StdEncoding.EncodeToString(key)}
	}
	for i := range replicas {
		env.b = append(env.b, startProcess(t, []string{"-addr", "127.0.0.1:" + strconv.Itoa(portsB[i])},
			append(clientEnv(clientB, originsB[i]+callbackPath), shared...)))
	}
	return env
}

// signIn signs alice in to A, then to B (the first replica) by single
// sign-on.
func (env *sloEnv) signIn(t *testing.T, tb *tab) {
	t.Helper()
	a, b := env.a, env.b[0]
	tb.do("sign in to A", chromedp.Navigate(a.URL+pathLogin), chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")))
	tb.expectOrigin(env.providerOrigin, "the provider's sign-in page")
	tb.signInOnProvider(aliceLogin, alicePassword)
	tb.expectProfile(a, aliceLogin)

	tb.do("sign in to B: single sign-on, no form", chromedp.Navigate(b.URL+pathLogin))
	tb.expectProfile(b, aliceLogin)
}

// logOutOfA logs out of A; the provider's logout page returns to A.
func (env *sloEnv) logOutOfA(t *testing.T, tb *tab) {
	t.Helper()
	a := env.a
	tb.do("log out of A",
		chromedp.Navigate(a.URL+pathProfile),
		chromedp.Click(chromedp.CSS("#logout-button")),
		chromedp.WaitVisible(chromedp.CSS("#settings")))
	tb.expectOrigin(a.URL, "back on A's overview after the provider's logout")
}

// wantSignedOut checks that replica's profile now leads to a new login:
// its session is gone, and so is the provider's, which asks for the
// password.
func (env *sloEnv) wantSignedOut(t *testing.T, tb *tab, replica *app) {
	t.Helper()
	tb.do("open B's profile", chromedp.Navigate(replica.URL+pathProfile), chromedp.WaitVisible(chromedp.CSS("#okta-signin-username")))
	tb.expectOrigin(env.providerOrigin, "B's session ended, so its profile starts a login, and the provider asks for the password")
}

// TestSingleLogout: a user signed in to app A and, by single sign-on, to
// app B, logs out of A; B's profile then leads to a new login. Once with
// B told on the front channel only (the provider's sign-out page frames
// B's route: a framing refused by B's CSP would show as a browser error
// and fail the test), once on the back channel only (a logout token,
// server to server). B's log shows which channel ended its session.
func TestSingleLogout(t *testing.T) {
	for _, tt := range []struct {
		name          string
		opts          sloOptions
		want, notWant string
	}{
		{"front channel only", sloOptions{front: true}, frontchannelLine, backchannelLine},
		{"back channel only", sloOptions{back: true}, backchannelLine, frontchannelLine},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := startSLO(t, tt.opts)
			tb := openBrowser(t, env.a, "tab")
			env.signIn(t, tb)
			env.logOutOfA(t, tb)
			env.wantSignedOut(t, tb, env.b[0])

			logs := env.b[0].Logs.String()
			if !strings.Contains(logs, tt.want+`" request_id=`) || !strings.Contains(logs, "sessions=1") {
				t.Errorf("B's log: want %q ending one session; log:\n%s", tt.want, logs)
			}
			if strings.Contains(logs, tt.notWant) {
				t.Errorf("B's log has %q, a channel the provider was told not to use; log:\n%s", tt.notWant, logs)
			}
			if strings.Contains(env.a.Logs.String(), "signed out by the provider") {
				t.Errorf("A was told of its own logout; its log:\n%s", env.a.Logs.String())
			}
		})
	}
}

// TestSingleLogoutAcrossReplicas: B runs as two replicas sharing Redis
// (the browser's session cookie reaches both: cookies ignore the port).
// The provider tells the first replica; the session ends in Redis, so the
// second replica, told nothing, signs the user out too.
func TestSingleLogoutAcrossReplicas(t *testing.T) {
	t.Parallel()
	env := startSLO(t, sloOptions{front: true, back: true, redis: true})
	tb := openBrowser(t, env.a, "tab")
	b2 := env.b[1]
	env.signIn(t, tb)
	// The second replica sees the session the first one made.
	tb.do("open the second replica's profile", chromedp.Navigate(b2.URL+pathProfile))
	tb.expectProfile(b2, aliceLogin)
	env.logOutOfA(t, tb)
	env.wantSignedOut(t, tb, b2)
	if logs := env.b[0].Logs.String(); !strings.Contains(logs, backchannelLine) {
		t.Errorf("B's first replica was not told on the back channel; log:\n%s", logs)
	}
	if logs := b2.Logs.String(); strings.Contains(logs, "signed out by the provider") {
		t.Errorf("B's second replica was told directly, so the test proves nothing about Redis; log:\n%s", logs)
	}
}
