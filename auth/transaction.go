package auth

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TransactionTTL is how long a started login may take to come back.
const TransactionTTL = 10 * time.Minute

// Transaction is one pending login: the secrets that bind the provider's
// answer to the browser that asked (RFC 9700 4.7 and 2.1.1). It is made
// fresh for every login and used once.
type Transaction struct {
	// State is sent to the provider and must come back unchanged; it also
	// names the transaction's cookie, so many logins can be pending at once.
	State string `json:"s"`
	// Nonce is sent to the provider and must come back inside the id_token
	// (OIDC Core 3.1.2.1), which defeats code injection (RFC 9700 4.5).
	Nonce string `json:"n"`
	// Verifier is the PKCE code verifier (RFC 7636); only its S256
	// challenge leaves the server.
	Verifier string `json:"v"`
	// ReturnTo is the same-origin path to show after the login.
	ReturnTo string `json:"r,omitempty"`
	// Created bounds the transaction's life to TransactionTTL.
	Created time.Time `json:"c"`
}

// NewTransaction starts a login that will return to returnTo, which must
// already be checked with SafeReturnTo.
func NewTransaction(returnTo string, now time.Time) (*Transaction, error) {
	state, err := randomString(32)
	if err != nil {
		return nil, err
	}
	nonce, err := randomString(32)
	if err != nil {
		return nil, err
	}
	return &Transaction{
		State:    state,
		Nonce:    nonce,
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: returnTo,
		Created:  now.UTC().Truncate(time.Second),
	}, nil
}

// Begin makes a new Transaction and the URL of the provider's
// authorization endpoint for it (OIDC Core 3.1.2.1), with state, nonce and
// an S256 PKCE challenge.
func (rp *RelyingParty) Begin(returnTo string) (*Transaction, string, error) {
	tx, err := NewTransaction(returnTo, rp.now())
	if err != nil {
		return nil, "", err
	}
	return tx, rp.AuthCodeURL(tx), nil
}

// AuthCodeURL is the authorization request for tx.
func (rp *RelyingParty) AuthCodeURL(tx *Transaction) string {
	return rp.oauth2.AuthCodeURL(tx.State, oidc.Nonce(tx.Nonce), oauth2.S256ChallengeOption(tx.Verifier))
}

// CodeChallenge is the PKCE S256 challenge for tx, for front ends (such as
// the Okta Sign-In Widget) that build the authorization request themselves.
func (tx *Transaction) CodeChallenge() string {
	return oauth2.S256ChallengeFromVerifier(tx.Verifier)
}

// Expired reports whether tx is older than TransactionTTL.
func (tx *Transaction) Expired(now time.Time) bool {
	return now.After(tx.Created.Add(TransactionTTL))
}

// randomString returns n bytes from crypto/rand, base64url-encoded.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// RandomState returns a fresh random value, for example the state of a
// logout request.
func RandomState() (string, error) { return randomString(32) }

// maxReturnTo bounds the return-to path kept in a transaction cookie.
const maxReturnTo = 512

// SafeReturnTo returns p if it is a same-origin relative path that is safe
// to redirect to after login, or fallback otherwise. It refuses
// scheme-relative URLs (//evil.example), absolute URLs, backslashes that
// browsers read as slashes (/\evil.example), control characters and their
// percent-encoded forms, which would make the callback an open redirect
// (RFC 9700 4.11).
func SafeReturnTo(p, fallback string) string {
	if p == "" || len(p) > maxReturnTo || p[0] != '/' {
		return fallback
	}
	decoded, err := url.PathUnescape(p)
	if err != nil {
		return fallback
	}
	for _, s := range []string{p, decoded} {
		if strings.HasPrefix(s, "//") || strings.ContainsAny(s, "\\") {
			return fallback
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f {
				return fallback
			}
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	return p
}
