package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// cookiePrefix names transaction cookies; the state follows it.
const cookiePrefix = "oidc_tx_"

// maxPending is how many logins one browser may have pending at once
// (tabs, back buttons, reloads of a login page). save expires the oldest
// beyond it, so the cookies can never outgrow a request header.
const maxPending = 8

// txCookies keeps pending logins in the browser, one encrypted cookie per
// login, named after its state. Nothing about a pending login is stored on
// the server; SpentStates remembers the states already used.
//
// The cookies are AES-256-GCM sealed with the cookie name as additional
// data, so they can be neither read nor moved to another name, and are
// HttpOnly and SameSite=Lax: the provider's top-level redirect back
// carries them, a cross-site subrequest does not.
type txCookies struct {
	// aeads[0] seals new cookies; every one of them opens cookies, so keys
	// can be rotated without breaking logins in flight.
	aeads  []cipher.AEAD
	path   string
	secure bool
	now    func() time.Time
}

// newTxCookies checks the keys (each exactly 32 bytes) and makes the store.
func newTxCookies(keys [][]byte, path string, secure bool, now func() time.Time) (*txCookies, error) {
	if len(keys) == 0 {
		return nil, errors.New("auth: no cookie key")
	}
	tc := &txCookies{path: path, secure: secure, now: now}
	for i, k := range keys {
		if len(k) != 32 {
			return nil, fmt.Errorf("auth: CookieKeys[%d] is %d bytes; each key must be exactly 32 bytes (AES-256)", i, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("auth: CookieKeys[%d]: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("auth: CookieKeys[%d]: %w", i, err)
		}
		tc.aeads = append(tc.aeads, aead)
	}
	return tc, nil
}

// save sets tx's cookie on w. The transaction cookies that r carries are
// read too: ones that no longer open are deleted, and the oldest are
// expired so that at most maxPending remain, tx included.
func (tc *txCookies) save(w http.ResponseWriter, r *http.Request, tx *transaction) error {
	name := cookiePrefix + tx.State
	value, err := tc.seal(name, tx)
	if err != nil {
		return err
	}
	tc.prune(w, r)
	http.SetCookie(w, tc.cookie(name, value, int(transactionTTL/time.Second)))
	return nil
}

// prune deletes the pending-login cookies in r that are unreadable or
// expired, and the oldest beyond maxPending-1.
func (tc *txCookies) prune(w http.ResponseWriter, r *http.Request) {
	type pending struct {
		name    string
		created time.Time
	}
	var live []pending
	now := tc.now()
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, cookiePrefix) {
			continue
		}
		tx, err := tc.open(c.Name, c.Value)
		if err != nil || tx.expired(now) || cookiePrefix+tx.State != c.Name {
			http.SetCookie(w, tc.cookie(c.Name, "", -1))
			continue
		}
		live = append(live, pending{c.Name, tx.Created})
	}
	if len(live) < maxPending {
		return
	}
	sort.Slice(live, func(i, j int) bool { return live[i].created.Before(live[j].created) })
	for _, p := range live[:len(live)-(maxPending-1)] {
		http.SetCookie(w, tc.cookie(p.name, "", -1))
	}
}

// cookie is a transaction cookie with the attributes every one of them has.
func (tc *txCookies) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     tc.path,
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   tc.secure,
		SameSite: http.SameSiteLaxMode,
	}
}

// take returns the transaction that r's cookie for state holds, and
// deletes that cookie on w: whatever happens next, this browser's cookie
// for the state is spent. It checks nothing but that the cookie opens;
// Finish checks the rest. It returns ErrUnknownTransaction when there is
// no such cookie or it does not open.
func (tc *txCookies) take(w http.ResponseWriter, r *http.Request, state string) (*transaction, error) {
	if !validState(state) {
		return nil, ErrUnknownTransaction
	}
	name := cookiePrefix + state
	c, err := r.Cookie(name)
	if err != nil {
		return nil, ErrUnknownTransaction
	}
	http.SetCookie(w, tc.cookie(name, "", -1))
	tx, err := tc.open(name, c.Value)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnknownTransaction, err)
	}
	return tx, nil
}

// validState accepts only what newTransaction makes (32 random bytes,
// base64url), so attacker input never becomes an odd cookie name.
func validState(s string) bool {
	if len(s) != 43 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// seal encrypts tx with the first key, bound to the cookie's name.
func (tc *txCookies) seal(name string, tx *transaction) (string, error) {
	plain, err := json.Marshal(tx)
	if err != nil {
		return "", fmt.Errorf("auth: encoding transaction: %w", err)
	}
	aead := tc.aeads[0]
	nonce := make([]byte, aead.NonceSize())
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, plain, []byte(name))
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// open decrypts a cookie sealed under name with any of the keys.
func (tc *txCookies) open(name, value string) (*transaction, error) {
	// Strict: exactly one encoding opens, so a value differing in unused
	// padding bits is refused rather than read as the same cookie.
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil, errBadCookie
	}
	for _, aead := range tc.aeads {
		ns := aead.NonceSize()
		if len(sealed) < ns+aead.Overhead() {
			return nil, errBadCookie
		}
		plain, err := aead.Open(nil, sealed[:ns], sealed[ns:], []byte(name))
		if err != nil {
			continue
		}
		var tx transaction
		if err := json.Unmarshal(plain, &tx); err != nil {
			return nil, errBadCookie
		}
		if tx.State == "" || tx.Nonce == "" || tx.Verifier == "" {
			return nil, errBadCookie
		}
		return &tx, nil
	}
	return nil, errBadCookie
}
