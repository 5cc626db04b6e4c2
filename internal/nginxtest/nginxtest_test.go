package nginxtest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// seen is what a backend reports about the request nginx sent it.
type seen struct {
	Backend string
	Host    string
	XFF     string
	XFP     string
	TLS     bool
	Remote  string
	Path    string
}

// newBackend starts a plain-HTTP server named name that answers every
// request with what it saw, as JSON.
func newBackend(t *testing.T, name string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(seen{
			Backend: name,
			Host:    r.Host,
			XFF:     r.Header.Get("X-Forwarded-For"),
			XFP:     r.Header.Get("X-Forwarded-Proto"),
			TLS:     r.TLS != nil,
			Remote:  host,
			Path:    r.URL.RequestURI(),
		}); err != nil {
			t.Errorf("backend %s: %v", name, err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, c *http.Client, url string, header http.Header) (seen, *http.Response) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body) // for the message only
		t.Fatalf("GET %s: got status %d, want 200; body %q", url, resp.StatusCode, body)
	}
	var s seen
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("GET %s: decoding the backend's answer: %v", url, err)
	}
	return s, resp
}

func TestTLSTermination(t *testing.T) {
	t.Parallel()
	a := newBackend(t, "a")
	p := Start(t, a.Listener.Addr().String())

	s, resp := get(t, p.Client(), p.URL()+"/some/path?x=1", nil)
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("client connection: got TLS state %+v, want TLS 1.2 or later", resp.TLS)
	}
	if got := resp.TLS.PeerCertificates[0]; !got.Equal(p.Certificate()) {
		t.Errorf("nginx served the certificate for %v, want the test's own", got.DNSNames)
	}
	if s.TLS {
		t.Error("backend: got a TLS request, want plain HTTP behind the proxy")
	}
	if s.Path != "/some/path?x=1" {
		t.Errorf("backend path: got %q, want /some/path?x=1", s.Path)
	}

	// The certificate is the test's own: a client that trusts only the
	// system's roots refuses it.
	_, err := http.Get(p.URL() + "/")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("GET with the system roots: got %v, want x509.UnknownAuthorityError", err)
	}

	// The certificate names every loopback spelling a test may use.
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := p.Certificate().VerifyHostname(host); err != nil {
			t.Errorf("VerifyHostname(%q): %v", host, err)
		}
	}
	if got, want := p.Certificate().PublicKeyAlgorithm, x509.ECDSA; got != want {
		t.Errorf("key algorithm: got %v, want %v", got, want)
	}
}

func TestRoundRobin(t *testing.T) {
	t.Parallel()
	a, b := newBackend(t, "a"), newBackend(t, "b")
	p := Start(t, a.Listener.Addr().String(), b.Listener.Addr().String())
	c := p.Client()

	const n = 10
	var got []string
	count := map[string]int{}
	for range n {
		s, _ := get(t, c, p.URL()+"/", nil)
		got = append(got, s.Backend)
		count[s.Backend]++
	}
	for i := 1; i < n; i++ {
		if got[i] == got[i-1] {
			t.Fatalf("backends in order: got %v, want them alternating", got)
		}
	}
	if count["a"] != n/2 || count["b"] != n/2 {
		t.Errorf("requests per backend: got %v, want %d each", count, n/2)
	}
}

func TestForwardedHeaders(t *testing.T) {
	t.Parallel()
	a := newBackend(t, "a")
	p := Start(t, a.Listener.Addr().String())
	c := p.Client()
	port := p.URL()[strings.LastIndex(p.URL(), ":")+1:]

	tests := []struct {
		name     string
		url      string
		header   http.Header
		wantHost string
		wantXFF  string
	}{
		{
			name:     "plain request",
			url:      p.URL() + "/",
			wantHost: "localhost",
			wantXFF:  "127.0.0.1",
		},
		{
			name:     "client sent X-Forwarded-For: the real address is appended",
			url:      p.URL() + "/",
			header:   http.Header{"X-Forwarded-For": {"203.0.113.7"}},
			wantHost: "localhost",
			wantXFF:  "203.0.113.7, 127.0.0.1",
		},
		{
			name:     "client claims plain http: nginx says https",
			url:      p.URL() + "/",
			header:   http.Header{"X-Forwarded-Proto": {"http"}},
			wantHost: "localhost",
			wantXFF:  "127.0.0.1",
		},
		{
			name:     "by address",
			url:      "https://127.0.0.1:" + port + "/",
			wantHost: "127.0.0.1",
			wantXFF:  "127.0.0.1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := get(t, c, tt.url, tt.header)
			if s.Host != tt.wantHost {
				t.Errorf("Host: got %q, want %q", s.Host, tt.wantHost)
			}
			if s.XFF != tt.wantXFF {
				t.Errorf("X-Forwarded-For: got %q, want %q", s.XFF, tt.wantXFF)
			}
			if s.XFP != "https" {
				t.Errorf("X-Forwarded-Proto: got %q, want https", s.XFP)
			}
			if s.Remote != "127.0.0.1" {
				t.Errorf("backend's peer: got %q, want nginx at 127.0.0.1", s.Remote)
			}
		})
	}
}

// TestNoResponseBuffering shows that nginx passes a response on as the
// backend writes it: the client reads the first part while the backend
// is still waiting to write the second. With buffering, this test would
// hang until the client's timeout.
func TestNoResponseBuffering(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second\n")
	}))
	t.Cleanup(backend.Close)
	p := Start(t, backend.Listener.Addr().String())

	resp, err := p.Client().Get(p.URL() + "/")
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	first, err := r.ReadString('\n')
	close(release)
	if err != nil || first != "first\n" {
		t.Fatalf("first line: got %q, %v; want %q", first, err, "first\n")
	}
	second, err := r.ReadString('\n')
	if err != nil || second != "second\n" {
		t.Errorf("second line: got %q, %v; want %q", second, err, "second\n")
	}
}

func TestCleanupStopsNginx(t *testing.T) {
	t.Parallel()
	a := newBackend(t, "a")
	var p *Proxy
	t.Run("owner", func(t *testing.T) {
		p = Start(t, a.Listener.Addr().String())
	})
	select {
	case <-p.proc.Exited():
	default:
		t.Errorf("after the owning test ended: nginx (pid %d) is still running", p.proc.Pid())
	}
	if conn, err := net.Dial("tcp", p.Addr()); err == nil {
		conn.Close()
		t.Errorf("after the owning test ended: %s still accepts connections", p.Addr())
	}
}
