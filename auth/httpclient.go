package auth

import (
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// maxResponseBytes bounds every response body read from the provider
// (discovery, keys, token, userinfo). A hostile or broken provider cannot
// make the app buffer more than this per call.
const maxResponseBytes = 1 << 20

// NewHTTPClient returns a client for calls to the provider: connect and
// TLS handshake timeouts, and timeout for each whole request (zero means
// 10 seconds). RelyingParty also bounds every call with a context
// deadline and limits response bodies, whatever client it is given.
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 5 * time.Second
	t.MaxIdleConnsPerHost = 16
	return &http.Client{Timeout: timeout, Transport: t}
}

// boundedClient returns a copy of c whose responses are limited to
// maxResponseBytes, whatever transport the caller supplied.
func boundedClient(c *http.Client) *http.Client {
	bc := *c
	bc.Transport = limitedBodyTransport{next: transportOrDefault(c.Transport)}
	return &bc
}

func transportOrDefault(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		return http.DefaultTransport
	}
	return rt
}

type limitedBodyTransport struct{ next http.RoundTripper }

func (t limitedBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: maxResponseBytes}
	return resp, nil
}

// limitedBody fails, rather than silently truncating, once more than its
// limit has been read, so a cut-off JSON document is never parsed.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errResponseTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), errResponseTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// rateLimitedTransport lets through at most burst requests at once and
// then one per interval; the rest fail at once with errJWKSRateLimited.
type rateLimitedTransport struct {
	next    http.RoundTripper
	limiter *rate.Limiter
}

func newRateLimitedTransport(next http.RoundTripper, every time.Duration, burst int) http.RoundTripper {
	return rateLimitedTransport{next: transportOrDefault(next), limiter: rate.NewLimiter(rate.Every(every), burst)}
}

func (t rateLimitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.limiter.Allow() {
		return nil, errJWKSRateLimited
	}
	return t.next.RoundTrip(req)
}
