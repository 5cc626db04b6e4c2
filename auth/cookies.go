package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
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

// MaxPending is how many logins one browser may have pending at once
// (tabs, back buttons, reloads of the custom login page). Save expires the
// oldest beyond it, so the cookies can never outgrow a request header.
const MaxPending = 8

// Save sets tx's cookie on w. The transaction cookies that r carries are
// read too: ones that no longer open are deleted, and the oldest are
// expired so that at most MaxPending remain, tx included. For that the
// cookie path must cover the routes that call Save (see CookiePath).
func (tc *TransactionCookies) Save(w http.ResponseWriter, r *http.Request, tx *Transaction) error {
	name := cookiePrefix + tx.State
	value, err := tc.seal(name, tx)
	if err != nil {
		return err
	}
	tc.prune(w, r)
	http.SetCookie(w, tc.cookie(name, value, int(TransactionTTL/time.Second)))
	return nil
}

// prune deletes the pending-login cookies in r that are unreadable or
// expired, and the oldest beyond MaxPending-1.
func (tc *TransactionCookies) prune(w http.ResponseWriter, r *http.Request) {
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
		if err != nil || tx.Expired(now) || cookiePrefix+tx.State != c.Name {
			http.SetCookie(w, tc.cookie(c.Name, "", -1))
			continue
		}
		live = append(live, pending{c.Name, tx.Created})
	}
	if len(live) < MaxPending {
		return
	}
	sort.Slice(live, func(i, j int) bool { return live[i].created.Before(live[j].created) })
	for _, p := range live[:len(live)-(MaxPending-1)] {
		http.SetCookie(w, tc.cookie(p.name, "", -1))
	}
}

// cookie is a transaction cookie with the attributes every one of them has.
func (tc *TransactionCookies) cookie(name, value string, maxAge int) *http.Cookie {
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

// CookiePath returns the longest path that covers all of paths, ending in
// a slash: the path for transaction cookies, given the callback path and
// the routes that start logins, so each of them sees the cookies.
func CookiePath(paths ...string) string {
	if len(paths) == 0 {
		return "/"
	}
	dir := func(p string) string { return p[:strings.LastIndex(p, "/")+1] }
	common := dir(paths[0])
	for _, p := range paths[1:] {
		for !strings.HasPrefix(dir(p), common) {
			common = dir(strings.TrimSuffix(common, "/"))
		}
	}
	if common == "" {
		return "/"
	}
	return common
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
	http.SetCookie(w, tc.cookie(name, "", -1))

	tx, err := tc.open(name, c.Value)
	if err != nil || tx.State != state {
		return nil, ErrUnknownTransaction
	}
	now := tc.now()
	if tx.Expired(now) {
		return nil, ErrUnknownTransaction
	}
	first, err := tc.used.markUsed(state, tx.Created.Add(TransactionTTL), now)
	if err != nil {
		return nil, err
	}
	if !first {
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

// ErrTooManyLogins is returned when more logins finished in the last
// TransactionTTL than usedStates can remember; the app refuses rather
// than forget, which would allow replays.
var ErrTooManyLogins = errors.New("auth: too many logins finished recently; try again shortly")

// maxUsedStates bounds the memory of usedStates: about 50 bytes each, so
// at most a few MiB, whatever the rate of callbacks.
const maxUsedStates = 100_000

// usedStates remembers consumed states until their transaction would have
// expired anyway, so a copied cookie cannot replay a callback. It keeps a
// hash of each state, not the state.
type usedStates struct {
	mu         sync.Mutex
	until      map[[16]byte]time.Time
	lastPruned time.Time
}

func newUsedStates() *usedStates { return &usedStates{until: make(map[[16]byte]time.Time)} }

// markUsed records state and reports whether this was its first use.
func (u *usedStates) markUsed(state string, until, now time.Time) (bool, error) {
	sum := sha256.Sum256([]byte(state))
	var key [16]byte
	copy(key[:], sum[:])

	u.mu.Lock()
	defer u.mu.Unlock()
	full := len(u.until) >= maxUsedStates
	if full || now.Sub(u.lastPruned) > time.Minute {
		for s, t := range u.until {
			if now.After(t) {
				delete(u.until, s)
			}
		}
		u.lastPruned = now
	}
	if _, seen := u.until[key]; seen {
		return false, nil
	}
	if len(u.until) >= maxUsedStates {
		return false, ErrTooManyLogins
	}
	u.until[key] = until
	return true, nil
}
