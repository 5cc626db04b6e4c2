// Package doctor checks a provider configuration from outside, before the
// first login: is the issuer right, are the keys usable, are the client id
// and secret accepted, is the redirect URI registered, is the app's origin
// trusted for the Sign-In Widget, which Okta engine runs, and how far the
// provider's clock is from ours. Each check ends in a Result with the fix
// for a failure.
//
// Every request is harmless: the doctor reads documents, sends CORS
// preflights, shows the authorization request to the provider without
// following it, and redeems a made-up authorization code, which changes
// nothing on the provider (RFC 6749 5.2: it answers invalid_grant, or
// invalid_client when the client did not authenticate). It never prints the
// client secret, nor any code or token.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// Status is the outcome of one check.
type Status int

const (
	// Pass: the check found what the app needs.
	Pass Status = iota
	// Warn: the app works, but something deserves a look.
	Warn
	// Skip: the check does not apply to this provider, or could not run
	// because an earlier check failed. The reason says which.
	Skip
	// Fail: a login would fail, or a page would not work. The fix says
	// what to change.
	Fail
)

// String is the status as printed: PASS, WARN, SKIP or FAIL.
func (s Status) String() string {
	switch s {
	case Pass:
		return "PASS"
	case Warn:
		return "WARN"
	case Skip:
		return "SKIP"
	default:
		return "FAIL"
	}
}

// The checks, in the order Run makes them. Result.Check is one of these.
const (
	CheckDiscovery     = "discovery"
	CheckIssuer        = "issuer"
	CheckEndpoints     = "endpoints"
	CheckKeys          = "jwks"
	CheckClock         = "clock"
	CheckClient        = "client"
	CheckRedirectURI   = "redirect-uri"
	CheckEngine        = "engine"
	CheckTrustedOrigin = "trusted-origin"
)

// Result is the outcome of one check. Detail says what was asked and what
// came back; Fix, for a failure or a warning, what to change and where.
// Neither ever holds the client secret, a code or a token.
type Result struct {
	Check  string
	Status Status
	Detail string
	Fix    string
}

// Config is the configuration to check, as the app would use it.
type Config struct {
	// Issuer, ClientID, ClientSecret and RedirectURI are the app's OpenID
	// Connect client settings.
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURI  string
	// OrgURL is the Okta org's URL (the issuer up to /oauth2/), where the
	// Sign-In Widget sends its calls and Okta serves its organization
	// document.
	OrgURL string
	// AppOrigin is the origin browsers reach the app at: the Sign-In
	// Widget's calls come from it.
	AppOrigin string
	// Leeway is the clock skew the app allows on an id_token's exp, iat
	// and nbf.
	Leeway time.Duration
	// HTTPClient makes every request. It should have timeouts (see
	// auth.NewHTTPClient). Redirects are answers to report, so the doctor
	// never follows them, whatever its CheckRedirect says.
	HTTPClient *http.Client
	// Now is the local clock; nil means time.Now.
	Now func() time.Time
}

// Run makes every check in order and hands each result to emit as soon as
// it is known, so a slow provider shows progress.
func Run(ctx context.Context, cfg Config, emit func(Result)) {
	d := newDoctor(cfg, emit)
	disc := d.checkDiscovery(ctx)
	d.checkKeys(ctx, disc)
	d.checkClock(disc)
	d.checkClient(ctx, disc)
	d.checkRedirectURI(ctx, disc)
	eng := d.checkEngine(ctx)
	d.checkTrustedOrigin(ctx, eng)
}

// doctor holds what every check shares.
type doctor struct {
	cfg    Config
	client *http.Client
	now    func() time.Time
	emit   func(Result)
}

func newDoctor(cfg Config, emit func(Result)) *doctor {
	c := http.Client{Timeout: 10 * time.Second}
	if cfg.HTTPClient != nil {
		c = *cfg.HTTPClient
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Jar = nil // no cookies: a provider session would change the answers
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	cfg.OrgURL = strings.TrimSuffix(cfg.OrgURL, "/")
	cfg.AppOrigin = strings.TrimSuffix(cfg.AppOrigin, "/")
	d := &doctor{cfg: cfg, client: &c, now: now}
	d.emit = func(r Result) {
		r.Detail, r.Fix = d.scrub(r.Detail), d.scrub(r.Fix)
		emit(r)
	}
	return d
}

// scrub removes the client secret from text meant for the terminal. The
// checks never put it there; a provider that echoes it back in an
// error_description could.
func (d *doctor) scrub(s string) string {
	if sec := d.cfg.ClientSecret; len(sec) >= 4 {
		s = strings.ReplaceAll(s, sec, "[client secret]")
	}
	return s
}

func (d *doctor) pass(check, format string, args ...any) {
	d.emit(Result{Check: check, Status: Pass, Detail: fmt.Sprintf(format, args...)})
}

func (d *doctor) skip(check, format string, args ...any) {
	d.emit(Result{Check: check, Status: Skip, Detail: fmt.Sprintf(format, args...)})
}

func (d *doctor) fail(check, detail, fix string) {
	d.emit(Result{Check: check, Status: Fail, Detail: detail, Fix: fix})
}

func (d *doctor) warn(check, detail, fix string) {
	d.emit(Result{Check: check, Status: Warn, Detail: detail, Fix: fix})
}

// maxBody bounds what the doctor reads of any answer. Discovery documents
// and key sets are a few kilobytes; a sign-in page some more.
const maxBody = 1 << 20

// errTooLarge is returned for an answer longer than maxBody.
var errTooLarge = errors.New("the answer is larger than 1 MiB")

// answer is a response, read in full (up to maxBody).
type answer struct {
	status   int
	header   http.Header
	body     []byte
	received time.Time     // when the headers arrived, by the local clock
	elapsed  time.Duration // from sending to the headers
}

// do sends req and reads the answer. Its errors never hold the request's
// URL with its query, only what went wrong.
func (d *doctor) do(req *http.Request) (answer, error) {
	start := time.Now()
	resp, err := d.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return answer{}, err
	}
	a := answer{status: resp.StatusCode, header: resp.Header, received: d.now(),
		elapsed: time.Since(start).Round(time.Millisecond)}
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err == nil && len(a.body) > maxBody {
		err = errTooLarge
	}
	return a, err
}

// get fetches rawURL with an Accept header.
func (d *doctor) get(ctx context.Context, rawURL, accept string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return answer{}, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return d.do(req)
}

// clean makes text that a provider sent safe to print on one terminal
// line: control and other non-printing characters become '?', so an answer
// cannot move the cursor or fake another line, and it is cut at max runes.
func clean(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// withoutQuery is u without its query and fragment, for printing: a
// redirect's query may carry a code.
func withoutQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.User = "", "", nil
	return c.String()
}

// describe says what an answer was in a few words.
func describe(a answer) string {
	ct := a.header.Get("Content-Type")
	if ct == "" {
		ct = "no Content-Type"
	}
	return fmt.Sprintf("%d %s (%s)", a.status, http.StatusText(a.status), clean(ct, 60))
}
