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
	"sync"
	"time"
)

// ErrUnknownTransaction means the callback's state matches no pending
// login in this browser: a forged or cross-browser callback (login CSRF,
// RFC 9700 4.7), a replay, or a login older than TransactionTTL.
var ErrUnknownTransaction = errors.New("auth: no pending login for this state in this browser")

// cookiePrefix names transaction cookies; the state follows it.
const cookiePrefix = "oidc_tx_"

// TransactionCookies keeps pending logins in the browser, one encrypted
// cookie per login, named after its state. Nothing about a pending login
// is stored on the server except the states already used, so a callback
// can be consumed once only.
//
// The cookies are AES-256-GCM sealed with the cookie name as additional
// data, so they can be neither read nor moved to another name, and are
// HttpOnly and SameSite=Lax: the provider's top-level redirect back
// carries them, a cross-site subrequest does not.
type TransactionCookies struct {
	aead   cipher.AEAD
	path   string
	secure bool
	now    func() time.Time
	used   *usedStates
}

// NewTransactionCookies uses key (32 bytes) to seal the cookies, scoped to
// path (the callback path). Set secure when the app is served over https.
func NewTransactionCookies(key []byte, path string, secure bool, now func() time.Time) (*TransactionCookies, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("auth: transaction cookie key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("auth: transaction cookie key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("auth: transaction cookie key: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &TransactionCookies{aead: aead, path: path, secure: secure, now: now, used: newUsedStates()}, nil
}

// NewCookieKey returns a random 32-byte key for NewTransactionCookies.
func NewCookieKey() ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("auth: reading random bytes: %w", err)
	}
	return k, nil
}

// Save sets tx's cookie on w.
func (tc *TransactionCookies) Save(w http.ResponseWriter, tx *Transaction) error {
	name := cookiePrefix + tx.State
	value, err := tc.seal(name, tx)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     tc.path,
		MaxAge:   int(TransactionTTL / time.Second),
		HttpOnly: true,
		Secure:   tc.secure,
		SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// Take returns the pending login for state from r's cookies and consumes
// it: the cookie is deleted on w and the state can never be used again on
// this server. It returns ErrUnknownTransaction when there is none.
func (tc *TransactionCookies) Take(w http.ResponseWriter, r *http.Request, state string) (*Transaction, error) {
	if !validState(state) {
		return nil, ErrUnknownTransaction
	}
	name := cookiePrefix + state
	c, err := r.Cookie(name)
	if err != nil {
		return nil, ErrUnknownTransaction
	}
	// Whatever happens next, this browser's cookie for the state is spent.
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: tc.path, MaxAge: -1, HttpOnly: true, Secure: tc.secure, SameSite: http.SameSiteLaxMode})

	tx, err := tc.open(name, c.Value)
	if err != nil || tx.State != state {
		return nil, ErrUnknownTransaction
	}
	now := tc.now()
	if tx.Expired(now) {
		return nil, ErrUnknownTransaction
	}
	if !tc.used.markUsed(state, tx.Created.Add(TransactionTTL), now) {
		return nil, ErrUnknownTransaction
	}
	return tx, nil
}

// validState accepts only what NewTransaction makes (32 random bytes,
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

func (tc *TransactionCookies) seal(name string, tx *Transaction) (string, error) {
	plain, err := json.Marshal(tx)
	if err != nil {
		return "", fmt.Errorf("auth: encoding transaction: %w", err)
	}
	nonce := make([]byte, tc.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("auth: reading random bytes: %w", err)
	}
	sealed := tc.aead.Seal(nonce, nonce, plain, []byte(name))
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// errBadCookie is any cookie that does not open: tampered, truncated,
// sealed with another key or under another name.
var errBadCookie = errors.New("auth: transaction cookie does not decrypt")

func (tc *TransactionCookies) open(name, value string) (*Transaction, error) {
	// Strict: exactly one encoding opens, so a value differing in unused
	// padding bits is refused rather than read as the same cookie.
	sealed, err := base64.RawURLEncoding.Strict().DecodeString(value)
	if err != nil || len(sealed) < tc.aead.NonceSize()+tc.aead.Overhead() {
		return nil, errBadCookie
	}
	ns := tc.aead.NonceSize()
	plain, err := tc.aead.Open(nil, sealed[:ns], sealed[ns:], []byte(name))
	if err != nil {
		return nil, errBadCookie
	}
	var tx Transaction
	if err := json.Unmarshal(plain, &tx); err != nil {
		return nil, errBadCookie
	}
	if tx.State == "" || tx.Nonce == "" || tx.Verifier == "" {
		return nil, errBadCookie
	}
	return &tx, nil
}

// usedStates remembers consumed states until their transaction would have
// expired anyway, so a copied cookie cannot replay a callback.
type usedStates struct {
	mu         sync.Mutex
	until      map[string]time.Time
	lastPruned time.Time
}

func newUsedStates() *usedStates { return &usedStates{until: make(map[string]time.Time)} }

// markUsed records state and reports whether this was its first use.
func (u *usedStates) markUsed(state string, until, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if now.Sub(u.lastPruned) > time.Minute {
		for s, t := range u.until {
			if now.After(t) {
				delete(u.until, s)
			}
		}
		u.lastPruned = now
	}
	if _, seen := u.until[state]; seen {
		return false
	}
	u.until[state] = until
	return true
}
