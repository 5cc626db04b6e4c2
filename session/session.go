// Package session keeps the signed-in user on the server. The browser
// holds only a random id in an HttpOnly cookie; the claims and the
// id_token stay in a Store, under a hash of that id.
//
// A page view costs one Store.Get and the decoding of one compact string
// whose claims come back as substrings (no JSON, no gob). The idle timeout moves the session's expiry forward at most once
// a minute (TouchInterval), not on every request, so a busy session does
// not turn reads into writes.
//
// Sessions live in a MemoryStore, for one process, or in a RedisStore,
// shared by every replica; RedisSpentStates keeps auth's spent login
// states in the same Redis. RedisStore's doc comment lists the keys and
// how long each lives.
package session

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Defaults of Options.
const (
	DefaultIdleTimeout        = 30 * time.Minute
	DefaultLifetime           = 12 * time.Hour
	DefaultMaxSessionsPerUser = 10
)

// TouchInterval is how often, at most, a session in use has its expiry
// moved forward for the idle timeout. A session therefore ends between
// IdleTimeout minus TouchInterval and IdleTimeout after its last use:
// early by up to a minute, never late.
const TouchInterval = time.Minute

// CookieName is the session cookie's name over plain http (local
// development). Over https the cookie is SecureCookieName instead.
const CookieName = "okta_sample_session"

// SecureCookieName is the session cookie's name when Options.Secure is
// set. The __Host- prefix makes browsers refuse the cookie unless it is
// Secure, has Path=/ and no Domain (RFC 6265bis 4.1.3.2), so neither a
// sibling subdomain nor a plain-http page can plant or overwrite it:
// session fixation through a related domain is closed too.
const SecureCookieName = "__Host-" + CookieName

// Options tune the session cookie, lifetimes and limits.
type Options struct {
	// Store defaults to a MemoryStore with DefaultMaxSessions.
	Store Store
	// Secure marks the cookie Secure; set it when served over https.
	Secure bool
	// IdleTimeout ends a session nobody used for this long (default 30m).
	IdleTimeout time.Duration
	// Lifetime ends every session this long after sign-in (default 12h).
	Lifetime time.Duration
	// MaxSessionsPerUser is how many sessions one user (one sub) may
	// have; signing in once more ends their oldest (default 10).
	MaxSessionsPerUser int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Manager signs users in and out and tells pages who is signed in.
type Manager struct {
	store      Store
	secure     bool
	idle       time.Duration
	lifetime   time.Duration
	maxPerUser int
	now        func() time.Time
	// refreshing serializes the token refreshes of each session in this
	// process (see RefreshTokens).
	refreshing keyedMutex
}

// New returns a Manager with opts.
func New(opts Options) *Manager {
	m := &Manager{
		store:      opts.Store,
		secure:     opts.Secure,
		idle:       cmp.Or(opts.IdleTimeout, DefaultIdleTimeout),
		lifetime:   cmp.Or(opts.Lifetime, DefaultLifetime),
		maxPerUser: cmp.Or(opts.MaxSessionsPerUser, DefaultMaxSessionsPerUser),
		now:        opts.Now,
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.store == nil {
		m.store = NewMemoryStore(MemoryOptions{Now: m.now})
	}
	return m
}

// idLen is the length of a session id: rand.Text's 26 base32 characters,
// 130 random bits (OWASP Session Management Cheat Sheet asks for at least
// 64).
const idLen = 26

// idFrom returns the session id in r's cookie, or "" when there is none
// or it cannot be one of ours. It reads the Cookie header itself, without
// the allocations of r.Cookie, which parses every cookie of the request;
// like r.Cookie, it takes the first cookie of that name. An id is
// base32, so a value in quotes or of another length is not one.
func idFrom(r *http.Request, cookieName string) string {
	for _, line := range r.Header["Cookie"] {
		for part := range strings.SplitSeq(line, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && name == cookieName {
				if len(value) != idLen {
					return ""
				}
				return value
			}
		}
	}
	return ""
}

// ErrStoreUnavailable wraps every error of the Store that a Manager
// returns: the store failed (Redis is unreachable, say), which is not the
// user's doing and may pass. A web page answers it with a 503 that says
// so, and the user tries again.
var ErrStoreUnavailable = errors.New("session: the session store is unavailable")

// Current returns the signed-in user of r, or ok=false. An error means
// the store failed (it wraps ErrStoreUnavailable) or holds something
// unreadable; the caller should not treat it as signed out without
// saying so.
func (m *Manager) Current(r *http.Request) (u User, ok bool, err error) {
	id := idFrom(r, m.CookieName())
	if id == "" {
		return User{}, false, nil
	}
	key := keyOf(id)
	rec, expires, err := m.store.Get(r.Context(), key)
	if errors.Is(err, ErrNotFound) {
		return User{}, false, nil
	}
	if err != nil {
		return User{}, false, fmt.Errorf("%w: reading: %w", ErrStoreUnavailable, err)
	}
	now := m.now()
	if !now.Before(expires) || !now.Before(rec.Deadline) {
		return User{}, false, nil
	}
	// Move the expiry only when that gains at least TouchInterval: a busy
	// session writes to the store once a minute, not on every page.
	next := now.Add(m.idle)
	if rec.Deadline.Before(next) {
		next = rec.Deadline
	}
	if next.Sub(expires) >= TouchInterval {
		if err := m.store.Touch(r.Context(), key, next); err != nil {
			return User{}, false, fmt.Errorf("%w: touching: %w", ErrStoreUnavailable, err)
		}
	}
	if u, err = parseUser(rec.Data, rec.SignedIn); err != nil {
		return User{}, false, err
	}
	return u, true, nil
}

// SignIn starts a session for p under a new id and sets its cookie. The
// session this browser had before, if any, ends: a new id at every
// sign-in defeats session fixation (OWASP Session Management Cheat
// Sheet, "Renew the Session ID After Any Privilege Level Change"), since
// an id planted before the login is worthless after it. If p's user has
// more than MaxSessionsPerUser sessions, their oldest end.
func (m *Manager) SignIn(w http.ResponseWriter, r *http.Request, p Profile) error {
	if old := idFrom(r, m.CookieName()); old != "" {
		if err := m.store.Delete(r.Context(), keyOf(old)); err != nil {
			return fmt.Errorf("%w: ending the previous session: %w", ErrStoreUnavailable, err)
		}
	}
	now := m.now()
	if p.SignedInAt.IsZero() {
		p.SignedInAt = now
	}
	rec := Record{
		Subject:  p.Subject,
		SID:      p.SID,
		SignedIn: p.SignedInAt,
		Deadline: now.Add(m.lifetime),
		Data:     encodeProfile(p),
	}
	id := rand.Text()
	if err := m.store.Add(r.Context(), keyOf(id), rec, now.Add(min(m.idle, m.lifetime)), m.maxPerUser); err != nil {
		return fmt.Errorf("%w: saving: %w", ErrStoreUnavailable, err)
	}
	http.SetCookie(w, m.cookie(id))
	return nil
}

// SignOut ends r's session in the store, so its id never works again, and
// tells the browser to drop the cookie. It returns the user who was signed
// in, whose tokens the provider's logout needs (the id_token as the hint,
// the access and refresh tokens to revoke), or the zero User when there
// was no session.
func (m *Manager) SignOut(w http.ResponseWriter, r *http.Request) (User, error) {
	id := idFrom(r, m.CookieName())
	if id == "" {
		return User{}, nil
	}
	key := keyOf(id)
	// A session that cannot be read is still ended; it just gives no
	// id_token_hint and nothing to revoke.
	var u User
	if rec, _, err := m.store.Get(r.Context(), key); err == nil {
		if pu, err := parseUser(rec.Data, rec.SignedIn); err == nil {
			u = pu
		}
	}
	if err := m.store.Delete(r.Context(), key); err != nil {
		return User{}, fmt.Errorf("%w: ending: %w", ErrStoreUnavailable, err)
	}
	c := m.cookie("")
	c.MaxAge = -1
	http.SetCookie(w, c)
	return u, nil
}

// EndBySubject ends every session of the user with this sub, on every
// replica that shares the store, and returns how many it ended.
func (m *Manager) EndBySubject(ctx context.Context, sub string) (int, error) {
	n, err := m.store.DeleteBySubject(ctx, sub)
	if err != nil {
		return 0, fmt.Errorf("%w: ending the sessions of a user: %w", ErrStoreUnavailable, err)
	}
	return n, nil
}

// EndBySID ends every session made from the provider session sid (an
// id_token's sid claim), and returns how many it ended.
func (m *Manager) EndBySID(ctx context.Context, sid string) (int, error) {
	n, err := m.store.DeleteBySID(ctx, sid)
	if err != nil {
		return 0, fmt.Errorf("%w: ending the sessions of a provider session: %w", ErrStoreUnavailable, err)
	}
	return n, nil
}

// CookieName is the name of the session cookie this Manager sets:
// SecureCookieName over https, CookieName otherwise.
func (m *Manager) CookieName() string {
	if m.secure {
		return SecureCookieName
	}
	return CookieName
}

// cookie is the session cookie for id. It is HttpOnly, so scripts cannot
// read it, SameSite=Lax, so other sites' subrequests do not carry it, and
// a browser-session cookie (no Expires), so closing the browser ends the
// sign-in even before the timeouts do.
func (m *Manager) cookie(id string) *http.Cookie {
	return &http.Cookie{
		Name:     m.CookieName(),
		Value:    id,
		Path:     "/",
		HttpOnly: true,
		Secure:   m.secure,
		SameSite: http.SameSiteLaxMode,
	}
}
