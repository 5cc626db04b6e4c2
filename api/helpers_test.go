package api_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/api"
	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/logbuf"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// The clients and the browser origin the resource server under test
// serves.
const (
	webClient = "0oa-web-app"
	spaClient = "0oa-spa-app"
	spaOrigin = "http://localhost:8082"
	audience  = "api://default"
	leeway    = 5 * time.Minute
)

// testNow is the shared clock of the provider, the relying party and the
// API, fixed so that the time rules are tested without timing races.
func testNow() time.Time { return time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC) }

// readyProvider is an api.Provider whose discovery has succeeded.
type readyProvider struct{ rp *auth.RelyingParty }

func (p readyProvider) RelyingParty() (*auth.RelyingParty, error) { return p.rp, nil }

// downProvider is an api.Provider whose discovery keeps failing.
type downProvider struct{}

func (downProvider) RelyingParty() (*auth.RelyingParty, error) { return nil, auth.ErrNotReady }

// fixture is a test provider, a relying party that discovered it, and the
// resource server using that relying party's key set.
type fixture struct {
	op  *testprovider.Provider
	rp  *auth.RelyingParty
	api http.Handler
	log *logbuf.Buffer
}

// newFixture starts a provider and the API. editAuth and editAPI, when not
// nil, change the relying party's and the API's configuration.
func newFixture(t testing.TB, editAuth func(*auth.Config), editAPI func(*api.Config)) *fixture {
	t.Helper()
	op := testprovider.New(t, testprovider.Config{
		ClientID:    webClient,
		RedirectURI: "http://127.0.0.1:1/authorization-code/callback",
		Now:         testNow,
	})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	acfg := auth.Config{
		Issuer:       op.Issuer(),
		ClientID:     op.ClientID(),
		ClientSecret: op.ClientSecret(),
		RedirectURL:  "http://127.0.0.1:1/authorization-code/callback",
		Leeway:       leeway,
		HTTPClient:   &http.Client{Timeout: 5 * time.Second, Transport: tr},
		Now:          testNow,
	}
	if editAuth != nil {
		editAuth(&acfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rp, err := auth.New(ctx, acfg)
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	log := &logbuf.Buffer{}
	cfg := api.Config{
		Provider:       readyProvider{rp},
		Audience:       audience,
		ClientIDs:      []string{webClient, spaClient},
		RequiredScope:  "openid",
		AllowedOrigins: []string{spaOrigin},
		Leeway:         leeway,
		Now:            testNow,
		Logger:         slog.New(slog.NewTextHandler(log, nil)),
	}
	if editAPI != nil {
		editAPI(&cfg)
	}
	h, err := api.New(cfg)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	return &fixture{op: op, rp: rp, api: h, log: log}
}

// claims are those of a good access token from Okta's default
// authorization server for the single-page app, as Unix seconds.
func (f *fixture) claims() map[string]any {
	now := testNow()
	return map[string]any{
		"ver": 1,
		"jti": "AT." + rand.Text(),
		"iss": f.op.Issuer(),
		"aud": audience,
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
		"cid": spaClient,
		"uid": "00u-alice",
		"scp": []string{"openid", "profile", "email"},
		"sub": "alice@example.com",
	}
}

// token signs claims (nil: the good ones) as signing says; header, when
// not nil, edits the JOSE header.
func (f *fixture) token(t testing.TB, edit func(map[string]any), signing testprovider.Signing, header func(*testprovider.Header)) string {
	t.Helper()
	c := f.claims()
	if edit != nil {
		edit(c)
	}
	tok, err := f.op.SignToken(c, signing, header)
	if err != nil {
		t.Fatalf("signing a token: %v", err)
	}
	return tok
}

// get sends GET /api/messages with the given headers (each value its own
// header line) straight to the handler.
func (f *fixture) get(h http.Header, query string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, api.MessagesPath+query, nil)
	for k, vs := range h {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	w := httptest.NewRecorder()
	f.api.ServeHTTP(w, r)
	return w
}

// bearer is the header for an Authorization value.
func bearer(value string) http.Header { return http.Header{"Authorization": {value}} }
