package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/okta-samples/okta-go-sample/devprovider"
)

// The app's routes and cookie that a browser meets.
const (
	loginPath     = "/authorization-code/login"
	callbackPath  = "/authorization-code/callback"
	profilePath   = "/authorization-code/profile"
	sessionCookie = "okta_sample_session"
)

// The dev provider's hosted sign-in form.
var (
	formActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	requestRE    = regexp.MustCompile(`name="request" value="([^"]+)"`)
)

// profileMark is on every profile page.
var profileMark = []byte(`id="claim-sub">`)

// maxBody bounds what the loader reads of any response.
const maxBody = 1 << 20

// loader drives the app as browsers do.
type loader struct {
	appURL string
	// sessions are the signed-in users' session cookies.
	mu       sync.Mutex
	sessions []string
}

// login signs u in through the provider's hosted page, as a new browser
// would, and keeps the session cookie. Like a browser's first visit, each
// request is a new connection.
func (l *loader) login(ctx context.Context, u devprovider.User) (time.Duration, error) {
	start := time.Now()
	jar, err := cookiejar.New(nil)
	if err != nil {
		return 0, err
	}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	form, formURL, err := get(ctx, c, l.appURL+loginPath)
	if err != nil {
		return 0, err
	}
	action, req := formActionRE.FindStringSubmatch(form), requestRE.FindStringSubmatch(form)
	if action == nil || req == nil {
		return 0, fmt.Errorf("login of %s: no sign-in form at %s", u.Login, formURL.Redacted())
	}
	target, err := formURL.Parse(html.UnescapeString(action[1]))
	if err != nil {
		return 0, err
	}
	vals := url.Values{"request": {html.UnescapeString(req[1])}, "username": {u.Login}, "password": {u.Password}}
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(vals.Encode()))
	if err != nil {
		return 0, err
	}
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	page, pageURL, err := do(c, post)
	if err != nil {
		return 0, fmt.Errorf("login of %s: %w", u.Login, err)
	}
	if pageURL.Path != profilePath || !strings.Contains(page, `id="claim-sub">`+u.Subject+`<`) {
		return 0, fmt.Errorf("login of %s ended on %s without the user's profile", u.Login, pageURL.Redacted())
	}
	app, err := url.Parse(l.appURL)
	if err != nil {
		return 0, err
	}
	for _, ck := range jar.Cookies(app) {
		if ck.Name == sessionCookie {
			l.mu.Lock()
			l.sessions = append(l.sessions, ck.Value)
			l.mu.Unlock()
			return time.Since(start), nil
		}
	}
	return 0, fmt.Errorf("login of %s left no session cookie", u.Login)
}

func get(ctx context.Context, c *http.Client, u string) (string, *url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", nil, err
	}
	return do(c, req)
}

// do sends req, following redirects, and returns the final body and URL.
func do(c *http.Client, req *http.Request) (string, *url.URL, error) {
	resp, err := c.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return "", nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("%s answered %s", resp.Request.URL.Redacted(), resp.Status)
	}
	return string(b), resp.Request.URL, nil
}

// loginAll signs users in, concurrency at a time.
func (l *loader) loginAll(ctx context.Context, users []devprovider.User, concurrency int) (result, error) {
	next := make(chan devprovider.User)
	go func() {
		defer close(next)
		for _, u := range users {
			select {
			case next <- u:
			case <-ctx.Done():
				return
			}
		}
	}()
	start := time.Now()
	results := make([]result, min(concurrency, len(users)))
	errs := make([]error, len(results))
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			for u := range next {
				if errs[i] != nil {
					continue // drain, so the feeder ends
				}
				d, err := l.login(ctx, u)
				if err != nil {
					errs[i] = err
					continue
				}
				results[i].latencies = append(results[i].latencies, d)
			}
		})
	}
	wg.Wait()
	var total result
	for _, r := range results {
		total.add(r)
	}
	total.elapsed = time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return total, err
	}
	if err := ctx.Err(); err != nil {
		return total, err
	}
	return total, nil
}

// capture fetches one user's profile page, headers and body, for the
// plain handler to serve.
func (l *loader) capture(ctx context.Context) (capturedPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.appURL+profilePath, nil)
	if err != nil {
		return capturedPage{}, err
	}
	req.Header.Set("Cookie", sessionCookie+"="+l.sessions[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return capturedPage{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return capturedPage{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return capturedPage{}, fmt.Errorf("profile page: %s", resp.Status)
	}
	h := resp.Header.Clone()
	h.Del("Date") // the plain handler's server adds its own, as the app's does
	return capturedPage{Header: h, Body: body}, nil
}

// loadPages requests target with concurrency clients for d, each on its
// own kept-alive connection, sending the signed-in users' cookies in turn.
// Every answer must be a 200 with a profile in it.
func (l *loader) loadPages(ctx context.Context, target string, concurrency int, d time.Duration) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	results := make([]result, concurrency)
	errs := make([]error, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range concurrency {
		wg.Go(func() {
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			buf := make([]byte, 0, 16<<10)
			for i := w; ctx.Err() == nil; i += concurrency {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
				if err != nil {
					errs[w] = err
					return
				}
				req.Header.Set("Cookie", sessionCookie+"="+l.sessions[i%len(l.sessions)])
				t0 := time.Now()
				resp, err := c.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs[w] = err
					}
					return
				}
				buf, err = readAll(buf[:0], resp.Body)
				resp.Body.Close()
				if err != nil {
					if ctx.Err() == nil {
						errs[w] = err
					}
					return
				}
				if resp.StatusCode != http.StatusOK || !bytes.Contains(buf, profileMark) {
					errs[w] = fmt.Errorf("%s answered %s without a profile", target, resp.Status)
					return
				}
				results[w].latencies = append(results[w].latencies, time.Since(t0))
			}
		})
	}
	wg.Wait()
	var total result
	for _, r := range results {
		total.add(r)
	}
	total.elapsed = time.Since(start)
	return total, errors.Join(errs...)
}

// readAll appends r to b, up to maxBody.
func readAll(b []byte, r io.Reader) ([]byte, error) {
	r = io.LimitReader(r, maxBody)
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, 4<<10)
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// result is the latencies of one kind of request over some time.
type result struct {
	latencies []time.Duration
	elapsed   time.Duration
	sorted    bool
}

func (r *result) add(o result) {
	r.latencies = append(r.latencies, o.latencies...)
	r.elapsed += o.elapsed
	r.sorted = false
}

func (r *result) count() int { return len(r.latencies) }

func (r *result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.latencies)) / r.elapsed.Seconds()
}

// percentile returns the p-th percentile latency (nearest rank).
func (r *result) percentile(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	if !r.sorted {
		slices.Sort(r.latencies)
		r.sorted = true
	}
	i := (len(r.latencies)*p + 99) / 100
	return r.latencies[max(0, i-1)]
}
