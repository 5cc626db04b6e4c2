package auth_test

import (
	"context"
	"errors"
	"log"
	"net/http"

	"github.com/okta-samples/okta-go-sample/auth"
)

// This is the whole relying party in a service of your own: one handler
// starts a login, one finishes it, and Finish does every check. Keep the
// Identity in your own server-side session (see the sample's session
// package).
func Example() {
	ctx := context.Background()
	rp, err := auth.New(ctx, auth.Config{
		Issuer:       "https://dev-123456.okta.com/oauth2/default",
		ClientID:     "0oa...",
		ClientSecret: "read it from the environment, never from source",
		RedirectURL:  "http://localhost:8080/authorization-code/callback",
		// One folder over the login route and the callback, so the login
		// route sees old transaction cookies and prunes them.
		CookiePath: "/authorization-code/",
		// Replicas share their keys (32 random bytes each, newest first).
		// Left empty, each process makes a random one.
		CookieKeys: nil,
	})
	if err != nil {
		log.Fatal(err) // in a real service: retry, see auth.Connector
	}

	http.HandleFunc("GET /authorization-code/login", func(w http.ResponseWriter, r *http.Request) {
		login, err := rp.Begin(w, r, r.URL.Query().Get("return_to"))
		if err != nil {
			http.Error(w, "could not start the login", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, login.URL, http.StatusFound)
	})
	http.HandleFunc("GET /authorization-code/callback", func(w http.ResponseWriter, r *http.Request) {
		id, err := rp.Finish(r.Context(), w, r)
		var authErr *auth.Error
		switch {
		case errors.Is(err, auth.ErrUnknownTransaction):
			http.Error(w, "no pending login in this browser; start again", http.StatusUnauthorized)
			return
		case errors.Is(err, auth.ErrStoreUnavailable):
			http.Error(w, "try again in a moment", http.StatusServiceUnavailable)
			return
		case errors.As(err, &authErr):
			// authErr.Step and authErr.Check name what failed: log them
			// with err, and show the user a page without the details.
			http.Error(w, "sign-in failed", http.StatusUnauthorized)
			return
		case err != nil:
			http.Error(w, "sign-in failed", http.StatusInternalServerError)
			return
		}
		// Renew your session id, then store id.Claims() and id.RawIDToken.
		log.Printf("signed in: %s", id.Subject)
		returnTo := id.ReturnTo
		if returnTo == "" {
			returnTo = "/"
		}
		http.Redirect(w, r, returnTo, http.StatusFound)
	})
}
