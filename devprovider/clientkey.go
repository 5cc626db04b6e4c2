package devprovider

import (
	"net"
	"net/http"
	"net/netip"
)

// clientKey names the client that sent r, so that the provider's stores
// can keep each client to its share (see store). It is Config.ClientIP's
// answer if set, otherwise the host of r.RemoteAddr.
//
// IPv6 addresses count by their /64 prefix, the smallest block a
// subscriber is usually given (RFC 6177 §2), so that one host cannot pose
// as 2^64 clients. Whatever is not an IP address is kept as it is.
func (p *Provider) clientKey(r *http.Request) string {
	raw := r.RemoteAddr
	if p.clientIP != nil {
		raw = p.clientIP(r)
	} else if host, _, err := net.SplitHostPort(raw); err == nil {
		raw = host
	}
	addr, err := netip.ParseAddr(raw)
	if err != nil {
		return raw
	}
	addr = addr.Unmap()
	if addr.Is6() {
		prefix, err := addr.WithZone("").Prefix(64)
		if err == nil {
			return prefix.String()
		}
	}
	return addr.String()
}
