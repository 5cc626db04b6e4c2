package deploy

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/testproc"
)

var (
	fingerprintRE = regexp.MustCompile(`sha256 Fingerprint=([0-9A-F:]+)`)
	formActionRE  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	requestRE     = regexp.MustCompile(`name="request" value="([^"]+)"`)
	// appRequestRE is a replica's access log line, as cluster.sh prefixes it.
	appRequestRE = regexp.MustCompile(`(?m)^\[(app\d)\] .*msg=request .*path=(/authorization-code/\S*)`)
)

// TestClusterScript runs scripts/cluster.sh as a person would, on free
// ports, and signs in through its nginx with a cookie jar: the login
// starts, comes back and shows the profile over https, the requests land
// on several replicas, logout works, and SIGTERM stops every component.
func TestClusterScript(t *testing.T) {
	for _, dep := range []string{"redis-server", "nginx", "openssl"} {
		testproc.LookPath(t, dep, dep)
	}
	testproc.LookPath(t, "go", "golang-go")
	bash := testproc.LookPath(t, "bash", "bash")

	ports := make([]string, 6)
	for i := range ports {
		p, err := testproc.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = strconv.Itoa(p)
	}
	cmd := exec.Command(bash, "../scripts/cluster.sh")
	cmd.Env = append(cmd.Environ(),
		"CLUSTER_HTTPS_PORT="+ports[0],
		"CLUSTER_APP_PORTS="+strings.Join(ports[1:4], " "),
		"CLUSTER_REDIS_PORT="+ports[4],
		"CLUSTER_DEV_PORT="+ports[5],
	)
	// The script builds the app first: a cold build cache takes a while.
	proc, err := testproc.Start(cmd, "Press Ctrl+C to stop everything.", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			if err := stopScript(proc); err != nil {
				t.Error(err)
			}
		}
		if t.Failed() {
			t.Logf("cluster.sh output:\n%s", proc.Output())
		}
	})

	m := fingerprintRE.FindStringSubmatch(proc.Output())
	if m == nil {
		t.Fatalf("cluster.sh printed no certificate fingerprint")
	}
	public := "https://localhost:" + ports[0]
	c := pinnedClient(t, m[1])

	// A whole login through nginx, with the development provider's form.
	form, formURL := get(t, c, public+"/authorization-code/login")
	action, req := formActionRE.FindStringSubmatch(form), requestRE.FindStringSubmatch(form)
	if action == nil || req == nil {
		t.Fatalf("no sign-in form at %s:\n%s", formURL.Redacted(), form)
	}
	target, err := formURL.Parse(html.UnescapeString(action[1]))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.PostForm(target.String(), url.Values{
		"request": {html.UnescapeString(req[1])}, "username": {"alice@example.com"}, "password": {"Alice-demo-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if got := resp.Request.URL.String(); resp.StatusCode != http.StatusOK || got != public+"/authorization-code/profile" {
		t.Fatalf("signing in ended on %d at %s, want 200 on the profile:\n%s", resp.StatusCode, got, body)
	}
	if !strings.Contains(body, `id="claim-email">alice@example.com<`) {
		t.Errorf("the profile does not show alice@example.com:\n%s", body)
	}
	for range 3 {
		if p, u := get(t, c, public+"/authorization-code/profile"); u.Path != "/authorization-code/profile" || !strings.Contains(p, "alice@example.com") {
			t.Errorf("profile again: ended at %s without alice's profile", u.Redacted())
		}
	}
	// nginx balanced the login's requests over the replicas.
	replicas := map[string]bool{}
	for _, m := range appRequestRE.FindAllStringSubmatch(proc.Output(), -1) {
		replicas[m[1]] = true
	}
	if len(replicas) < 2 {
		t.Errorf("the login's requests reached %d replica(s), want several:\n%s", len(replicas), proc.Output())
	}

	// Logout through nginx, from the public origin.
	logout, err := http.NewRequest(http.MethodPost, public+"/authorization-code/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	logout.Header.Set("Origin", public)
	resp, err = c.Do(logout)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if _, u := get(t, c, public+"/authorization-code/profile"); u.Path == "/authorization-code/profile" {
		t.Errorf("after logout the profile still shows, want the sign-in form")
	}

	// SIGTERM stops everything: no port is left open.
	stopped = true
	if err := stopScript(proc); err != nil {
		t.Error(err)
	}
	for _, p := range ports {
		if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+p, time.Second); err == nil {
			conn.Close()
			t.Errorf("port %s is still open after cluster.sh stopped", p)
		}
	}
}

// stopScript sends SIGTERM; the script stops its components and exits
// with 143, as its trap says.
func stopScript(proc *testproc.Process) error {
	err := proc.Stop(30 * time.Second)
	var ee *exec.ExitError
	if err == nil || errors.As(err, &ee) && ee.ExitCode() == 143 {
		return nil
	}
	return err
}

// pinnedClient trusts the one certificate whose SHA-256 fingerprint
// cluster.sh printed, and keeps cookies.
func pinnedClient(t *testing.T, fingerprint string) *http.Client {
	t.Helper()
	want, err := hex.DecodeString(strings.ReplaceAll(fingerprint, ":", ""))
	if err != nil {
		t.Fatalf("fingerprint %q: %v", fingerprint, err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{
		// The certificate is self-signed for this run; it is checked
		// below, against the fingerprint, instead of against a CA.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("no certificate")
			}
			if got := sha256.Sum256(cs.PeerCertificates[0].Raw); string(got[:]) != string(want) {
				return fmt.Errorf("certificate fingerprint %X, want %s", got, fingerprint)
			}
			return nil
		},
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second}
}

func get(t *testing.T, c *http.Client, u string) (string, *url.URL) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s ended on %d at %s:\n%s", u, resp.StatusCode, resp.Request.URL.Redacted(), body)
	}
	return body, resp.Request.URL
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
