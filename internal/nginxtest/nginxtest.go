// Package nginxtest runs a real nginx (the Debian package) for a test, as
// the TLS-terminating, round-robin load balancer of deploy/nginx.conf in
// front of the app's replicas.
//
//	p := nginxtest.Start(t, replica1, replica2, replica3) // host:port each
//	// set OKTA_SAMPLE_PUBLIC_URL=p.URL() on the replicas
//	resp, err := p.Client().Get(p.URL() + "/")
//
// The certificate is self-signed, made for the test (ECDSA P-256, for
// localhost, 127.0.0.1 and ::1); p.Client and p.CertPool trust it.
// nginx, its configuration, logs and temporary files live in a temporary
// directory, so it runs as root without touching /etc or /var. It stops
// when the test ends, on every exit path.
package nginxtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/deploy"
	"github.com/okta-samples/okta-go-sample/internal/testproc"
)

const (
	// readyLine is what nginx's master logs, at level notice, once its
	// listening sockets are bound and it starts the workers.
	readyLine = "start worker process"
	// startTimeout and stopGrace bound waits on a broken nginx. nginx
	// retries a busy port for 2.5 s before giving up, so startTimeout is
	// well above that.
	startTimeout = 20 * time.Second
	stopGrace    = 10 * time.Second
	portAttempts = 5
)

// Proxy is an nginx process owned by one test.
type Proxy struct {
	port int
	dir  string
	cert *x509.Certificate
	pool *x509.CertPool
	proc *testproc.Process
}

// Start renders deploy/nginx.conf to serve TLS on a free port of
// 127.0.0.1 and balance over upstreams (host:port each, at least one),
// starts nginx, and returns once it completes a TLS handshake. The
// upstreams need not be listening yet: nginx connects to them per request.
//
// When nginx is not installed, Start fails the test if CI=true and skips
// it otherwise.
func Start(t testing.TB, upstreams ...string) *Proxy {
	t.Helper()
	bin := testproc.LookPath(t, "nginx", "nginx")
	p := &Proxy{dir: t.TempDir()}
	cert, err := writeCertificate(p.dir)
	if err != nil {
		t.Fatalf("nginxtest: %v", err)
	}
	p.cert = cert
	p.pool = x509.NewCertPool()
	p.pool.AddCert(cert)

	t.Cleanup(func() {
		if p.proc == nil {
			return
		}
		if err := p.proc.Stop(stopGrace); err != nil {
			t.Errorf("nginxtest: %v", err)
		}
	})
	for range portAttempts {
		if p.port, err = testproc.FreePort(); err != nil {
			break
		}
		if err = p.start(bin, upstreams); !errors.Is(err, testproc.ErrPortInUse) {
			break
		}
	}
	if err != nil {
		t.Fatalf("nginxtest: %v", err)
	}
	return p
}

// URL returns the proxy's origin, https://localhost:PORT, with no
// trailing slash: the app's OKTA_SAMPLE_PUBLIC_URL.
func (p *Proxy) URL() string { return "https://localhost:" + strconv.Itoa(p.port) }

// Addr returns the address nginx listens on, 127.0.0.1:PORT.
func (p *Proxy) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// Certificate returns the proxy's self-signed certificate, for example to
// compute the SPKI hash that Chromium's
// --ignore-certificate-errors-spki-list takes.
func (p *Proxy) Certificate() *x509.Certificate { return p.cert }

// CertPool returns a pool that holds only the proxy's certificate.
func (p *Proxy) CertPool() *x509.CertPool { return p.pool }

// Client returns a new HTTP client that trusts the proxy's certificate,
// with no cookie jar and a 30 s timeout. Callers may set Jar and
// CheckRedirect.
func (p *Proxy) Client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// Output returns what nginx has logged to standard error: everything at
// level notice and above.
func (p *Proxy) Output() string {
	if p.proc == nil {
		return ""
	}
	return p.proc.Output()
}

func (p *Proxy) start(bin string, upstreams []string) error {
	conf, err := deploy.NginxConfig(deploy.NginxSettings{
		Listen:         p.Addr(),
		Upstreams:      upstreams,
		Certificate:    filepath.Join(p.dir, "cert.pem"),
		CertificateKey: filepath.Join(p.dir, "key.pem"),
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(p.dir, "nginx.conf"), []byte(conf), 0o600); err != nil {
		return err
	}
	// -e stderr: nginx logs there, not to its compiled-in
	// /var/log/nginx/error.log, before it has read the configuration.
	// The second error_log sends notices, among them readyLine, to
	// standard error as well.
	cmd := exec.Command(bin, "-p", p.dir+string(filepath.Separator), "-c", "nginx.conf", "-e", "stderr",
		"-g", "daemon off; error_log stderr notice;")
	proc, err := testproc.Start(cmd, readyLine, startTimeout)
	if err != nil {
		return err
	}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", p.Addr(),
		&tls.Config{RootCAs: p.pool, ServerName: "localhost", MinVersion: tls.VersionTLS12})
	if err != nil {
		if serr := proc.Stop(stopGrace); serr != nil {
			err = errors.Join(err, serr)
		}
		return fmt.Errorf("nginx started, but a TLS handshake with it failed: %w; output:\n%s", err, proc.Output())
	}
	p.proc = proc // from here on, the cleanup stops it
	if err := conn.Close(); err != nil {
		return fmt.Errorf("closing the first TLS connection: %w", err)
	}
	return nil
}

// writeCertificate makes a self-signed ECDSA P-256 certificate for
// localhost, 127.0.0.1 and ::1, valid for a day, and writes it and its key
// as cert.pem and key.pem (mode 0600) in dir.
func writeCertificate(dir string) (*x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generating a serial number: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("creating the certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding the TLS key: %w", err)
	}
	files := map[string]*pem.Block{
		"cert.pem": {Type: "CERTIFICATE", Bytes: der},
		"key.pem":  {Type: "PRIVATE KEY", Bytes: keyDER},
	}
	for name, block := range files {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			return nil, err
		}
	}
	return cert, nil
}
