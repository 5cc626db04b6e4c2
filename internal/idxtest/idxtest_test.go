package idxtest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

func TestSignIn(t *testing.T) {
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer srv.Close()
	const redirect = "http://localhost:8080/cb"
	p, err := devprovider.New(devprovider.Config{
		Issuer:        srv.URL + "/oauth2/default",
		Clients:       []devprovider.Client{{ID: "c", Secret: "s", RedirectURIs: []string{redirect}}},
		NewSigningKey: (&testkeys.Source{}).Next,
	})
	if err != nil {
		t.Fatal(err)
	}
	h = p
	carol := devprovider.DemoUsers()[2]
	carolCode := func() (string, error) { return totp.GenerateCode(carol.TOTPSecret, time.Now()) }

	tests := []struct {
		name, user, password string
		otp                  func() (string, error)
		wantStatus           int // 0: an interaction code
	}{
		{name: "password", user: "alice@example.com", password: "Alice-demo-1"},
		{name: "password and TOTP", user: carol.Login, password: carol.Password, otp: carolCode},
		{name: "wrong password", user: "bob@example.com", password: "wrong", wantStatus: http.StatusUnauthorized},
		{name: "wrong code", user: carol.Login, password: carol.Password, otp: func() (string, error) {
			c, err := carolCode()
			return wrongCode(c), err
		}, wantStatus: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := SignIn(context.Background(), srv.Client(), Login{
				Issuer: srv.URL + "/oauth2/default", ClientID: "c", RedirectURI: redirect,
				State: "st", Nonce: "n", CodeChallenge: oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()),
				Username: tt.user, Password: tt.password, OTP: tt.otp,
			})
			if tt.wantStatus == 0 {
				if err != nil || code == "" {
					t.Fatalf("SignIn: got %q, %v; want an interaction code", code, err)
				}
				return
			}
			var se *StatusError
			if !errors.As(err, &se) || se.Status != tt.wantStatus || len(se.Messages) == 0 {
				t.Fatalf("SignIn: got %q, %v; want a StatusError %d with the org's message", code, err, tt.wantStatus)
			}
		})
	}
}

// wrongCode returns a code that differs from code in every digit, so that
// it matches no step within the provider's skew either way by chance only
// as often as any other guess.
func wrongCode(code string) string {
	b := []byte(code)
	for i := range b {
		b[i] = '0' + (b[i]-'0'+5)%10
	}
	return string(b)
}
