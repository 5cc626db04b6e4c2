package web

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/coreos/go-oidc/v3/oidc"
)

// providerState is what the overview says about the provider: reachable,
// or not and why, in plain words.
type providerState struct {
	Ready bool
	// Problem says in plain words why discovery failed; Detail is the
	// last error itself, cut short.
	Problem, Detail string
	// Discovery is the address of the discovery document.
	Discovery string
}

// providerState asks the provider's connector how discovery went.
func (s *Server) providerState() providerState {
	st := providerState{Discovery: s.cfg.Issuer + "/.well-known/openid-configuration"}
	_, err := s.provider.RelyingParty()
	if err == nil {
		st.Ready = true
		return st
	}
	st.Problem = s.discoveryProblem(err)
	st.Detail = truncate(err.Error(), 300)
	return st
}

// discoveryProblem says in plain words why the provider's discovery
// document could not be read, and what to check.
func (s *Server) discoveryProblem(err error) string {
	issuerURL, _ := url.Parse(s.cfg.Issuer)
	host := s.cfg.Issuer
	if issuerURL != nil {
		host = issuerURL.Host
	}
	var mismatch *oidc.IssuerMismatchError
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var badHost x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordHeader tls.RecordHeaderError
	var netErr net.Error
	msg := err.Error()
	switch {
	case errors.As(err, &mismatch):
		d := s.issuerDiagnosis(mismatch.Provided, mismatch.Discovered)
		return "The discovery document names the issuer " + mismatch.Discovered + ", but the app is configured with " +
			mismatch.Provided + ": the two must be equal, character for character. " + d.Title + ". " + d.Fix[0]
	case errors.As(err, &dns):
		return "The issuer's host name " + host + " does not resolve (DNS). Check the spelling of the issuer, and that this machine can reach the internet."
	case errors.Is(err, syscall.ECONNREFUSED):
		return "Nothing answers at " + host + ": the provider is down, or the issuer's port is wrong."
	case errors.As(err, &unknownCA), errors.As(err, &badHost), errors.As(err, &invalid):
		return "The provider's TLS certificate is not trusted by this machine (" + host + "): a proxy that intercepts TLS, " +
			"a self-signed certificate, or a wrong host name. Add the CA to the system's trust store, or fix the issuer's host."
	case errors.As(err, &recordHeader):
		return "The issuer says https, but " + host + " answers plain http. Use http:// in the issuer (only on loopback), or the provider's https port."
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout(), strings.Contains(msg, "timed out"):
		return "The provider did not answer within " + s.cfg.ProviderTimeout.String() + ". Check the network, a proxy or a firewall between this machine and " + host + "."
	case strings.Contains(msg, "failed: 404 "):
		return "There is no discovery document at " + s.cfg.Issuer + "/.well-known/openid-configuration (404): the issuer is probably wrong. " +
			"An Okta issuer looks like https://your-org.okta.com/oauth2/default (a custom authorization server) or https://your-org.okta.com (the org's)."
	case strings.Contains(msg, "failed to decode provider discovery object"):
		return "The discovery address answered, but not with an OpenID provider's JSON document: the issuer points at a web page, not at an authorization server."
	case strings.Contains(msg, "no jwks_uri"):
		return "The discovery document has no jwks_uri, so ID tokens could not be checked: this is not a complete OpenID provider."
	case strings.Contains(msg, "failed: 5"):
		return "The provider answered its discovery address with a server error: it is having trouble. The app keeps trying."
	}
	return "Discovery failed; the detail below says why."
}
