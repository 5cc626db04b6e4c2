package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// client is who sent a request, as far as the app can tell: the address
// resolved through the trusted proxies, and the scheme the browser used.
type client struct {
	// Addr is the client's IP address; when RemoteAddr holds no IP
	// address (a test's or a Unix socket's), it is RemoteAddr as given.
	Addr string
	// Proto is "https" or "http".
	Proto string
}

type clientKey struct{}

// clientOf returns the client of the request that ctx belongs to, as
// withClient resolved it; the zero client outside a request.
func clientOf(ctx context.Context) client {
	c, _ := ctx.Value(clientKey{}).(client)
	return c
}

// proxies are the reverse proxies whose X-Forwarded-For and
// X-Forwarded-Proto headers are believed (OKTA_SAMPLE_TRUSTED_PROXIES).
// Anybody can send those headers: believed from anyone else, they would
// let a client put any address in the log, so an attack could not be
// traced.
type proxies []netip.Prefix

func (p proxies) trusts(a netip.Addr) bool {
	for _, pfx := range p {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// withClient resolves the client of each request (see resolve) and puts
// it in the request's context, for the access log, the failure log and
// any handler.
func (s *Server) withClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, s.proxies.resolve(r))))
	})
}

// resolve returns the client of r. It is the peer (RemoteAddr), unless
// the peer is a trusted proxy: then X-Forwarded-For is read from the
// right, where each proxy appends the address it received the request
// from, skipping trusted proxies; the first address that is not one is
// the client. Entries to its left were written by the client itself, or
// by proxies nobody vouches for, and are ignored. An entry that is not an
// address stops the walk at the last hop that could be vouched for. When
// every entry is a trusted proxy, the leftmost one is the client.
//
// X-Forwarded-Proto is believed only from a trusted proxy, and only as
// exactly "http" or "https".
func (p proxies) resolve(r *http.Request) client {
	c := client{Addr: r.RemoteAddr, Proto: "http"}
	if r.TLS != nil {
		c.Proto = "https"
	}
	peer, ok := parseAddr(r.RemoteAddr)
	if !ok {
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			c.Addr = host
		}
		return c
	}
	c.Addr = peer.String()
	if !p.trusts(peer) {
		return c
	}
	switch proto := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))); proto {
	case "http", "https":
		c.Proto = proto
	}
	c.Addr = p.forwardedFor(r.Header.Values("X-Forwarded-For"), peer).String()
	return c
}

// forwardedFor walks the X-Forwarded-For values from the right, from a
// trusted peer, as resolve describes.
func (p proxies) forwardedFor(values []string, peer netip.Addr) netip.Addr {
	last := peer
	for i := len(values) - 1; i >= 0; i-- {
		v := values[i]
		for v != "" {
			var entry string
			if j := strings.LastIndexByte(v, ','); j >= 0 {
				v, entry = v[:j], v[j+1:]
			} else {
				v, entry = "", v
			}
			a, ok := parseAddr(strings.TrimSpace(entry))
			if !ok {
				return last
			}
			last = a
			if !p.trusts(a) {
				return a
			}
		}
	}
	return last
}

// parseAddr parses an address as RemoteAddr and X-Forwarded-For give it:
// 192.0.2.1, 192.0.2.1:1234, 2001:db8::1 or [2001:db8::1]:1234. An
// IPv4-mapped IPv6 address is returned as IPv4, and a zone is dropped, so
// the same host always compares and logs the same.
func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
				return netip.Addr{}, false
			}
			if a, err = netip.ParseAddr(s[1 : len(s)-1]); err != nil {
				return netip.Addr{}, false
			}
		} else {
			a = ap.Addr()
		}
	}
	return a.Unmap().WithZone(""), true
}
