package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// testRedirectURI is the callback registered with the test provider. The
// auth tests never serve it: they read the provider's redirect and hand
// its query to Finish.
const testRedirectURI = "http://127.0.0.1:1/authorization-code/callback"

// testLeeway is the clock-skew leeway the relying parties use here.
const testLeeway = 5 * time.Minute

// testNow is the shared clock of the provider and the relying party, fixed
// so that the time rules are tested without timing races.
func testNow() time.Time { return time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC) }

// newProvider starts a test provider for the auth tests.
func newProvider(t *testing.T, cfg testprovider.Config) *testprovider.Provider {
	t.Helper()
	if cfg.RedirectURI == "" {
		cfg.RedirectURI = testRedirectURI
	}
	if cfg.Now == nil {
		cfg.Now = testNow
	}
	return testprovider.New(t, cfg)
}

// providerClient is the relying party's HTTP client to the provider, with
// its own transport so a test can close its idle connections.
func providerClient(t *testing.T, timeout time.Duration) *http.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Timeout: timeout, Transport: tr}
}

// newRP discovers op and returns a relying party for its client. edit, if
// not nil, changes the configuration first.
func newRP(t *testing.T, op *testprovider.Provider, edit func(*auth.Config)) *auth.RelyingParty {
	t.Helper()
	cfg := auth.Config{
		Issuer:       op.Issuer(),
		ClientID:     op.ClientID(),
		ClientSecret: op.ClientSecret(),
		RedirectURL:  testRedirectURI,
		Leeway:       testLeeway,
		HTTPClient:   providerClient(t, 5*time.Second),
		Now:          testNow,
	}
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rp, err := auth.New(ctx, cfg)
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	return rp
}

// authorize plays the browser at the provider: it follows nothing, and
// returns the query of the provider's redirect to the callback.
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	q, err := authorizeQuery(authURL)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func authorizeQuery(authURL string) (url.Values, error) {
	c := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Get(authURL)
	if err != nil {
		return nil, fmt.Errorf("GET authorize: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("authorize: got status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("authorize Location: %w", err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testRedirectURI {
		return nil, fmt.Errorf("authorize redirected to %q, want %q", got, testRedirectURI)
	}
	return loc.Query(), nil
}

// setupError is a failure of the test's own steps, not of Finish.
type setupError struct{ err error }

func (e setupError) Error() string { return "test setup: " + e.err.Error() }

// testLoginPath is the route that starts logins in these tests; the
// default cookie path (the callback's folder) covers it.
const testLoginPath = "/authorization-code/login"

// begin runs Begin as the login route would, and returns the Login and the
// cookies it set.
func begin(rp *auth.RelyingParty, returnTo string, held ...*http.Cookie) (*auth.Login, []*http.Cookie, error) {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:1"+testLoginPath, nil)
	for _, c := range held {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	l, err := rp.Begin(rec, r, returnTo)
	return l, rec.Result().Cookies(), err
}

// mustBegin is begin for the test's goroutine: a failure is fatal.
func mustBegin(t *testing.T, rp *auth.RelyingParty) (*auth.Login, []*http.Cookie) {
	t.Helper()
	l, cookies, err := begin(rp, "/")
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	return l, cookies
}

// finish sends the callback with query q and the browser's cookies to
// Finish, and returns its result and the cookies it set.
func finish(rp *auth.RelyingParty, q url.Values, cookies ...*http.Cookie) (*auth.Identity, []*http.Cookie, error) {
	r := httptest.NewRequest(http.MethodGet, testRedirectURI+"?"+q.Encode(), nil)
	for _, c := range cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	id, err := rp.Finish(context.Background(), rec, r)
	return id, rec.Result().Cookies(), err
}

// tryLogin runs one whole login: Begin, the provider's authorization,
// Finish with the cookie Begin set. It is safe to call from any
// goroutine; failures before Finish are setupErrors.
func tryLogin(rp *auth.RelyingParty) (*auth.Identity, error) {
	l, cookies, err := begin(rp, "/")
	if err != nil {
		return nil, setupError{err}
	}
	q, err := authorizeQuery(l.URL)
	if err != nil {
		return nil, setupError{err}
	}
	id, _, err := finish(rp, q, cookies...)
	return id, err
}

// login is tryLogin for the test's goroutine: setup failures are fatal.
func login(t *testing.T, rp *auth.RelyingParty) (*auth.Identity, error) {
	t.Helper()
	id, err := tryLogin(rp)
	var se setupError
	if errors.As(err, &se) {
		t.Fatal(se)
	}
	return id, err
}

// wantError fails unless err is an *auth.Error for step and check.
func wantError(t *testing.T, err error, step, check string) *auth.Error {
	t.Helper()
	var ae *auth.Error
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v (%T), want *auth.Error at %s/%s", err, err, step, check)
	}
	if ae.Step != step || ae.Check != check {
		t.Fatalf("got %s/%s (%v), want %s/%s", ae.Step, ae.Check, ae, step, check)
	}
	return ae
}

// wantTokenError fails unless err is an id_token failure of check.
func wantTokenError(t *testing.T, err error, check string) {
	t.Helper()
	wantError(t, err, "id_token", check)
}
