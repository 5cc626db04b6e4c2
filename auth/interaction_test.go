package auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/idxtest"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

// The development provider plays Okta Identity Engine in these tests: an
// independent implementation of the interaction code flow, driven here the
// way the Sign-In Widget drives it from the browser.

const (
	idxClientID = "0oa-idx-client"
	idxSecret   = "idx-secret-never-in-the-body"
)

// idxOrg is a development provider whose token requests are recorded.
type idxOrg struct {
	issuer string
	mu     sync.Mutex
	tokens []tokenCall
}

// tokenCall is one request to the token endpoint, as sent.
type tokenCall struct {
	form          url.Values
	authorization string
}

func (o *idxOrg) tokenCalls() []tokenCall {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]tokenCall(nil), o.tokens...)
}

// newIDXOrg starts a development provider in Identity Engine mode with one
// client for testRedirectURI, and a relying party for it.
func newIDXOrg(t *testing.T) (*idxOrg, *auth.RelyingParty) {
	t.Helper()
	org := &idxOrg{}
	var prov http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth2/default/v1/token" {
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
			if err != nil {
				http.Error(w, "read", http.StatusBadRequest)
				return
			}
			form, err := url.ParseQuery(string(body))
			if err != nil {
				t.Errorf("token request body is not a form: %v", err)
			}
			org.mu.Lock()
			org.tokens = append(org.tokens, tokenCall{form: form, authorization: r.Header.Get("Authorization")})
			org.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		prov.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	org.issuer = srv.URL + "/oauth2/default"
	p, err := devprovider.New(devprovider.Config{
		Issuer: org.issuer,
		Clients: []devprovider.Client{{
			ID: idxClientID, Secret: idxSecret, RedirectURIs: []string{testRedirectURI},
		}},
		NewSigningKey: (&testkeys.Source{}).Next,
	})
	if err != nil {
		t.Fatalf("devprovider.New: %v", err)
	}
	prov = p
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rp, err := auth.New(ctx, auth.Config{
		Issuer: org.issuer, ClientID: idxClientID, ClientSecret: idxSecret, RedirectURL: testRedirectURI,
		HTTPClient: providerClient(t, 5*time.Second),
	})
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	return org, rp
}

// idxSignIn signs username in through the IDX API for the login l, as the
// widget does with the values the page gave it (client, state, challenge)
// and nonce, and returns the interaction code. otp, when set, answers the
// second factor's challenge.
func (o *idxOrg) idxSignIn(t *testing.T, l *auth.Login, nonce, username, password string, otp func() (string, error)) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, err := idxtest.SignIn(ctx, &http.Client{}, idxtest.Login{
		Issuer: o.issuer, ClientID: idxClientID, RedirectURI: testRedirectURI,
		State: l.State, Nonce: nonce, CodeChallenge: l.CodeChallenge,
		Username: username, Password: password, OTP: otp,
	})
	if err != nil {
		t.Fatalf("IDX sign-in: %v", err)
	}
	return code
}

// TestInteractionCode: the callback of Okta's interaction code flow is
// finished like a code's, with the same transaction and id_token checks,
// and only the token request differs.
func TestInteractionCode(t *testing.T) {
	org, rp := newIDXOrg(t)
	carol := devprovider.DemoUsers()[2]
	if carol.TOTPSecret == "" {
		t.Fatalf("the third demo user %s has no TOTP secret", carol.Login)
	}

	tests := []struct {
		name string
		// run signs in and returns the callback's query and cookies.
		run       func(t *testing.T) (url.Values, []*http.Cookie)
		wantSub   string
		wantAMR   string
		wantStep  string
		wantCheck string
		wantCode  string
		wantToken bool // whether a token request is made
	}{
		{
			name: "password",
			run: func(t *testing.T) (url.Values, []*http.Cookie) {
				l, cookies := mustBegin(t, rp)
				code := org.idxSignIn(t, l, l.Nonce, "alice@example.com", "Alice-demo-1", nil)
				return url.Values{"interaction_code": {code}, "state": {l.State}}, cookies
			},
			wantSub: devprovider.DemoUsers()[0].Subject, wantAMR: "pwd", wantToken: true,
		},
		{
			name: "password and TOTP",
			run: func(t *testing.T) (url.Values, []*http.Cookie) {
				l, cookies := mustBegin(t, rp)
				code := org.idxSignIn(t, l, l.Nonce, carol.Login, carol.Password, func() (string, error) {
					return totp.GenerateCode(carol.TOTPSecret, time.Now())
				})
				return url.Values{"interaction_code": {code}, "state": {l.State}}, cookies
			},
			wantSub: carol.Subject, wantAMR: "pwd otp", wantToken: true,
		},
		{
			name: "the widget's nonce is not the transaction's",
			run: func(t *testing.T) (url.Values, []*http.Cookie) {
				l, cookies := mustBegin(t, rp)
				code := org.idxSignIn(t, l, "a-nonce-the-browser-made-up", "alice@example.com", "Alice-demo-1", nil)
				return url.Values{"interaction_code": {code}, "state": {l.State}}, cookies
			},
			wantStep: "id_token", wantCheck: "nonce", wantToken: true,
		},
		{
			name: "code of another login of this browser (another challenge)",
			run: func(t *testing.T) (url.Values, []*http.Cookie) {
				a, aCookies := mustBegin(t, rp)
				b, bCookies := mustBegin(t, rp)
				code := org.idxSignIn(t, a, a.Nonce, "alice@example.com", "Alice-demo-1", nil)
				return url.Values{"interaction_code": {code}, "state": {b.State}}, append(aCookies, bCookies...)
			},
			wantStep: "token", wantCheck: "error", wantCode: "invalid_grant", wantToken: true,
		},
		{
			name: "a code and an interaction code",
			run: func(t *testing.T) (url.Values, []*http.Cookie) {
				l, cookies := mustBegin(t, rp)
				return url.Values{"interaction_code": {"x"}, "code": {"y"}, "state": {l.State}}, cookies
			},
			wantStep: "callback", wantCheck: "code",
		},
		{
			name: "a wrong iss is refused with an interaction code too",
			run: func(t *testing.T) (url.Values, []*http.Cookie) {
				l, cookies := mustBegin(t, rp)
				return url.Values{"interaction_code": {"x"}, "state": {l.State}, "iss": {"https://evil.example"}}, cookies
			},
			wantStep: "callback", wantCheck: "iss",
		},
		{
			name: "interaction_required",
			run: func(t *testing.T) (url.Values, []*http.Cookie) {
				l, cookies := mustBegin(t, rp)
				// An authorization response (RFC 9207 2: errors carry iss too).
				return url.Values{"error": {"interaction_required"}, "state": {l.State}, "iss": {org.issuer}}, cookies
			},
			wantStep: "callback", wantCheck: "error", wantCode: "interaction_required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, cookies := tt.run(t)
			before := len(org.tokenCalls())
			id, _, err := finish(rp, q, cookies...)
			calls := org.tokenCalls()[before:]
			if got := len(calls) > 0; got != tt.wantToken || len(calls) > 1 {
				t.Errorf("token requests: got %d, want a token request %v", len(calls), tt.wantToken)
			}
			if tt.wantStep != "" {
				ae := wantError(t, err, tt.wantStep, tt.wantCheck)
				if ae.Code != tt.wantCode {
					t.Errorf("error code: got %q, want %q", ae.Code, tt.wantCode)
				}
				if id != nil {
					t.Errorf("got an identity %+v with the error", id)
				}
				return
			}
			if err != nil {
				t.Fatalf("Finish: %v", err)
			}
			if id.Subject != tt.wantSub || id.Grant != "interaction_code" || id.StartPath != testLoginPath {
				t.Errorf("identity: got sub %q grant %q start path %q, want %q, interaction_code, %q",
					id.Subject, id.Grant, id.StartPath, tt.wantSub, testLoginPath)
			}
			if got := fmt.Sprint(id.IDTokenClaims["amr"]); got != "["+tt.wantAMR+"]" {
				t.Errorf("amr: got %s, want [%s]", got, tt.wantAMR)
			}
			if id.UserInfoErr != nil {
				t.Errorf("userinfo: %v", id.UserInfoErr)
			}

			// The token request: Okta's interaction_code grant with the
			// verifier, the client in the Authorization header only.
			form := calls[0].form
			want := url.Values{
				"grant_type": {"interaction_code"}, "interaction_code": {q.Get("interaction_code")},
				"redirect_uri": {testRedirectURI}, "code_verifier": {form.Get("code_verifier")},
			}
			if form.Get("code_verifier") == "" || fmt.Sprint(form) != fmt.Sprint(want) {
				t.Errorf("token request form: got %v, want exactly %v with a verifier", form, want)
			}
			user, pass, ok := (&http.Request{Header: http.Header{"Authorization": {calls[0].authorization}}}).BasicAuth()
			if !ok || user != idxClientID || pass != idxSecret {
				t.Errorf("client authentication: got Basic %v for %q, want client_secret_basic for %q", ok, user, idxClientID)
			}

			// Used once: the same callback again is refused before any
			// token request.
			_, _, err = finish(rp, q, cookies...)
			if !errors.Is(err, auth.ErrUnknownTransaction) {
				t.Errorf("replayed callback: got %v, want ErrUnknownTransaction", err)
			}
			if n := len(org.tokenCalls()) - before; n != 1 {
				t.Errorf("token requests after the replay: got %d, want still 1", n)
			}
		})
	}
}

// TestInteractionCodeReplayedInANewLogin: an interaction code redeemed once
// is refused by the provider when it comes back with a fresh transaction.
func TestInteractionCodeReplayedInANewLogin(t *testing.T) {
	org, rp := newIDXOrg(t)
	l, cookies := mustBegin(t, rp)
	code := org.idxSignIn(t, l, l.Nonce, "alice@example.com", "Alice-demo-1", nil)
	if _, _, err := finish(rp, url.Values{"interaction_code": {code}, "state": {l.State}}, cookies...); err != nil {
		t.Fatalf("first Finish: %v", err)
	}
	l2, cookies2 := mustBegin(t, rp)
	_, _, err := finish(rp, url.Values{"interaction_code": {code}, "state": {l2.State}}, cookies2...)
	if ae := wantError(t, err, "token", "error"); ae.Code != "invalid_grant" {
		t.Errorf("replayed interaction code: got %q, want invalid_grant", ae.Code)
	}
	if strings.Contains(err.Error(), code) {
		t.Errorf("the error repeats the interaction code: %v", err)
	}
}
