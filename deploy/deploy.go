// Package deploy holds the model of a real deployment: nginx.conf, the
// commented nginx configuration that terminates TLS and balances over the
// app's replicas. The Go code here fills in its placeholders, so that the
// tests run exactly the file the README shows; scripts/cluster.sh fills in
// the same placeholders in bash.
package deploy

import (
	_ "embed"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
)

//go:embed nginx.conf
var nginxTemplate string

// placeholder matches what NginxConfig must replace, such as @LISTEN@.
var placeholder = regexp.MustCompile(`@[A-Z_]+@`)

// NginxSettings are the values of nginx.conf's placeholders.
type NginxSettings struct {
	// Listen is the host:port nginx serves TLS on (@LISTEN@), for example
	// 127.0.0.1:8443.
	Listen string
	// Upstreams are the replicas' host:port addresses, one "server" line
	// each (@UPSTREAM_SERVERS@). At least one is required.
	Upstreams []string
	// Certificate and CertificateKey are the paths of the PEM certificate
	// chain and its private key (@CERTIFICATE@, @CERTIFICATE_KEY@).
	Certificate, CertificateKey string
}

// NginxConfig returns nginx.conf with its placeholders filled in from s.
// It refuses values that are not what they claim to be, and any value
// with whitespace, a quote, a brace or a semicolon, which would change
// the configuration's structure instead of filling a slot.
func NginxConfig(s NginxSettings) (string, error) {
	var errs []error
	if err := checkHostPort(s.Listen); err != nil {
		errs = append(errs, fmt.Errorf("Listen: %w", err))
	}
	if len(s.Upstreams) == 0 {
		errs = append(errs, errors.New("Upstreams: at least one replica is required"))
	}
	servers := make([]string, 0, len(s.Upstreams))
	for i, u := range s.Upstreams {
		if err := checkHostPort(u); err != nil {
			errs = append(errs, fmt.Errorf("Upstreams[%d]: %w", i, err))
		}
		servers = append(servers, "server "+u+";")
	}
	for name, path := range map[string]string{"Certificate": s.Certificate, "CertificateKey": s.CertificateKey} {
		if err := checkToken(path); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return "", fmt.Errorf("deploy: nginx settings: %w", err)
	}
	conf := strings.NewReplacer(
		"@LISTEN@", s.Listen,
		"@UPSTREAM_SERVERS@", strings.Join(servers, "\n        "),
		"@CERTIFICATE@", s.Certificate,
		"@CERTIFICATE_KEY@", s.CertificateKey,
	).Replace(nginxTemplate)
	if left := placeholder.FindString(conf); left != "" {
		// nginx.conf gained a placeholder that this function does not know.
		return "", fmt.Errorf("deploy: nginx.conf has the placeholder %s, which NginxConfig does not fill", left)
	}
	return conf, nil
}

func checkHostPort(s string) error {
	if err := checkToken(s); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		return fmt.Errorf("%q is not host:port: %w", s, err)
	}
	return nil
}

// checkToken accepts a value that nginx reads as one plain word.
func checkToken(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if i := strings.IndexAny(s, " \t\r\n;{}\"'#$\\"); i >= 0 {
		return fmt.Errorf("%q contains %q, which nginx would not read as part of the value", s, s[i])
	}
	return nil
}
