package auth

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// transactionTTL is how long a started login may take to come back.
const transactionTTL = 10 * time.Minute

// transaction is one pending login: the secrets that bind the provider's
// answer to the browser that asked (RFC 9700 4.7 and 2.1.1). It is made
// fresh for every login, kept in that browser's sealed cookie, and used
// once. The JSON names are short because the cookie travels with every
// request to the login routes.
type transaction struct {
	// State is sent to the provider and must come back unchanged; it also
	// names the transaction's cookie, so many logins can be pending at once.
	State string `json:"s"`
	// Nonce is sent to the provider and must come back inside the id_token
	// (OIDC Core 3.1.2.1), which defeats code injection (RFC 9700 4.5).
	Nonce string `json:"n"`
	// Verifier is the PKCE code verifier (RFC 7636); only its S256
	// challenge leaves the server.
	Verifier string `json:"v"`
	// ReturnTo is the same-origin path to show after the login, or "".
	ReturnTo string `json:"r,omitempty"`
	// StartPath is the path of the page that began the login, so the app
	// can tell its login pages apart afterwards (Identity.StartPath).
	StartPath string `json:"p,omitempty"`
	// Created bounds the transaction's life to transactionTTL.
	Created time.Time `json:"c"`
}

// newTransaction starts a login that will return to returnTo, which must
// already be checked with safeReturnTo, begun on the page at startPath.
func newTransaction(returnTo, startPath string, now time.Time) *transaction {
	return &transaction{
		State:     randomString(),
		Nonce:     randomString(),
		Verifier:  oauth2.GenerateVerifier(),
		ReturnTo:  returnTo,
		StartPath: startPath,
		Created:   now.UTC().Truncate(time.Second),
	}
}

// expired reports whether tx is older than transactionTTL.
func (tx *transaction) expired(now time.Time) bool {
	return now.After(tx.Created.Add(transactionTTL))
}

// randomString returns 32 bytes (256 bits) from crypto/rand,
// base64url-encoded: 43 characters.
func randomString() string {
	b := make([]byte, 32)
	// crypto/rand.Read never returns an error since Go 1.24: it crashes
	// the program irrecoverably instead of returning predictable bytes.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Login is what Begin gives a page: where to send the browser, and the
// values a front end needs when it builds the authorization request
// itself (such as the Okta Sign-In Widget). None of them is secret: the
// PKCE verifier stays in the browser's sealed cookie.
type Login struct {
	// URL is the provider's authorization endpoint with the request
	// (OIDC Core 3.1.2.1): client_id, redirect_uri, scope, state, nonce,
	// and an S256 code_challenge. Redirect the browser there.
	URL string
	// State, Nonce and CodeChallenge are the same values as in URL. The
	// challenge method is always S256 (RFC 7636 4.2).
	State, Nonce, CodeChallenge string
	// Scopes are the scopes in URL: a page that builds its own
	// authorization request, such as the Sign-In Widget's, asks for these.
	Scopes []string
}

// Begin starts a login: it makes a fresh transaction (state, nonce, PKCE
// verifier), seals it in its own cookie on w, and returns the
// authorization request. Each call is its own login, so several tabs can
// sign in at once. The transaction cookies that r carries are tidied at
// the same time: ones that no longer open are deleted, and the oldest are
// expired so that at most 8 remain, so reloads can never outgrow a
// request header (Config.CookiePath must cover the route that calls
// Begin).
//
// returnTo is where Identity.ReturnTo will point after the login. It is
// kept only when it is a path on this origin; anything a browser could
// read as another origin is dropped, so it cannot make the callback an
// open redirect (RFC 9700 4.11). r's path is kept as Identity.StartPath.
func (rp *RelyingParty) Begin(w http.ResponseWriter, r *http.Request, returnTo string) (*Login, error) {
	tx := newTransaction(safeReturnTo(returnTo), startPath(r), rp.now())
	if err := rp.cookies.save(w, r, tx); err != nil {
		return nil, err
	}
	return &Login{
		URL:           rp.oauth2.AuthCodeURL(tx.State, oidc.Nonce(tx.Nonce), oauth2.S256ChallengeOption(tx.Verifier)),
		State:         tx.State,
		Nonce:         tx.Nonce,
		CodeChallenge: oauth2.S256ChallengeFromVerifier(tx.Verifier),
		Scopes:        slices.Clone(rp.cfg.Scopes),
	}, nil
}

// maxReturnTo bounds the return-to path kept in a transaction cookie.
const maxReturnTo = 512

// maxStartPath bounds the start path kept in a transaction cookie; a
// longer one is not one of the app's routes and is dropped.
const maxStartPath = 128

// startPath is the path of r for Identity.StartPath, or "" when it is too
// long to be worth a cookie's room.
func startPath(r *http.Request) string {
	if p := r.URL.Path; len(p) <= maxStartPath {
		return p
	}
	return ""
}

// safeReturnTo returns p if it is a same-origin relative path that is safe
// to redirect to after login, or "" otherwise. It refuses scheme-relative
// URLs (//evil.example), absolute URLs, backslashes that browsers read as
// slashes (/\evil.example), control characters and their percent-encoded
// forms, which would make the callback an open redirect (RFC 9700 4.11).
func safeReturnTo(p string) string {
	if p == "" || len(p) > maxReturnTo || p[0] != '/' {
		return ""
	}
	decoded, err := url.PathUnescape(p)
	if err != nil {
		return ""
	}
	for _, s := range []string{p, decoded} {
		if strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\") {
			return ""
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f {
				return ""
			}
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	return p
}
