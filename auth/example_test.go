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
		// Renew your session id, then store id.Claims(), and id.RawIDToken,
		// id.AccessToken and id.RefreshToken for Logout.
		log.Printf("signed in: %s", id.Subject)
		returnTo := id.ReturnTo
		if returnTo == "" {
			returnTo = "/"
		}
		http.Redirect(w, r, returnTo, http.StatusFound)
	})
}

// Logging out: your own logout revokes the tokens and sends the browser
// to the provider; the provider's back-channel logout tells you about
// sign-outs elsewhere.
func Example_logout() {
	ctx := context.Background()
	rp, err := auth.New(ctx, auth.Config{
		Issuer:       "https://dev-123456.okta.com/oauth2/default",
		ClientID:     "0oa...",
		ClientSecret: "read it from the environment, never from source",
		RedirectURL:  "http://localhost:8080/authorization-code/callback",
	})
	if err != nil {
		log.Fatal(err)
	}

	// A POST behind CSRF protection: a GET must never sign anyone out.
	http.HandleFunc("POST /authorization-code/logout", func(w http.ResponseWriter, r *http.Request) {
		// End your session first, and take from it the tokens Finish gave.
		signedIn := &auth.Identity{RawIDToken: "…", AccessToken: "…", RefreshToken: ""}
		endSession, err := rp.Logout(r.Context(), signedIn, "http://localhost:8080/", "a fresh random state")
		if err != nil {
			log.Printf("token revocation failed; signing out anyway: %v", err)
		}
		if endSession == "" {
			endSession = "/"
		}
		http.Redirect(w, r, endSession, http.StatusFound)
	})

	// Server to server: no CSRF protection, but a small body and a rate limit.
	http.HandleFunc("POST /authorization-code/backchannel-logout", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		sub, sid, err := rp.VerifyLogoutToken(r.Context(), r.PostFormValue("logout_token"))
		switch {
		case errors.Is(err, auth.ErrStoreUnavailable):
			http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
			return
		case err != nil:
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		// End your sessions with this sid, or with no sid every session of sub.
		log.Printf("signed out by the provider: sub %q sid %q", sub, sid)
	})
}
