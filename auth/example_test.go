package auth_test

import (
	"context"
	"log"
	"net/http"

	"github.com/okta-samples/okta-go-sample/auth"
)

// This is the whole relying party in a service of your own: one handler
// starts a login, one finishes it. Keep the Identity in your own
// server-side session (see the sample's session package).
func Example() {
	ctx := context.Background()
	rp, err := auth.New(ctx, auth.Config{
		Issuer:       "https://dev-123456.okta.com/oauth2/default",
		ClientID:     "0oa...",
		ClientSecret: "read it from the environment, never from source",
		RedirectURL:  "http://localhost:8080/authorization-code/callback",
	})
	if err != nil {
		log.Fatal(err) // in a real service: retry, see auth.Connector
	}
	key, err := auth.NewCookieKey() // replicas must share one key
	if err != nil {
		log.Fatal(err)
	}
	txs, err := auth.NewTransactionCookies(key, "/authorization-code/callback", false, nil)
	if err != nil {
		log.Fatal(err)
	}

	http.HandleFunc("GET /authorization-code/login", func(w http.ResponseWriter, r *http.Request) {
		tx, authURL, err := rp.Begin(auth.SafeReturnTo(r.URL.Query().Get("return_to"), "/"))
		if err == nil {
			err = txs.Save(w, r, tx)
		}
		if err != nil {
			http.Error(w, "could not start the login", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, authURL, http.StatusFound)
	})
	http.HandleFunc("GET /authorization-code/callback", func(w http.ResponseWriter, r *http.Request) {
		cb := auth.ParseCallback(r.URL.Query())
		tx, err := txs.Take(w, r, cb.State)
		if err != nil {
			http.Error(w, "no pending login in this browser", http.StatusUnauthorized)
			return
		}
		id, err := rp.Finish(r.Context(), tx, cb)
		if err != nil {
			// err is one of *ProviderError, *IssuerMismatchError,
			// ErrMissingCode, *ExchangeError, *TokenError or
			// *UserInfoSubjectError: map it to a page, log the details.
			http.Error(w, "sign-in failed", http.StatusUnauthorized)
			return
		}
		// Renew your session id, then store id.Claims() and id.RawIDToken.
		log.Printf("signed in: %s", id.Subject)
		http.Redirect(w, r, tx.ReturnTo, http.StatusFound)
	})
}
