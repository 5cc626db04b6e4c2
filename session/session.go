// Package session keeps the signed-in user on the server with
// github.com/alexedwards/scs/v2. The browser holds only a random session
// id in an HttpOnly cookie; claims and the id_token stay in the store.
package session

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/okta-samples/okta-go-sample/auth"
)

// Store is where sessions live. scs ships stores for memory (the default
// here), Redis, PostgreSQL and more; any of them plugs in.
type Store = scs.Store

// Options tune the session cookie and lifetimes.
type Options struct {
	// Store defaults to scs's in-memory store (memstore), fine for one process.
	Store Store
	// Secure marks the cookie Secure; set it when served over https.
	Secure bool
	// IdleTimeout ends a session nobody used for this long (default 30m).
	IdleTimeout time.Duration
	// Lifetime ends every session this long after login (default 12h).
	Lifetime time.Duration
}

// CookieName is the session cookie's name.
const CookieName = "okta_sample_session"

// Manager is the app's view of the session: who is signed in.
type Manager struct {
	scs *scs.SessionManager
}

// New returns a Manager with opts.
func New(opts Options) *Manager {
	// scs.New already uses a memstore (with its cleanup goroutine); keep it
	// unless another store is given, rather than start a second one.
	sm := scs.New()
	if opts.Store != nil {
		sm.Store = opts.Store
	}
	sm.IdleTimeout = cmp.Or(opts.IdleTimeout, 30*time.Minute)
	sm.Lifetime = cmp.Or(opts.Lifetime, 12*time.Hour)
	sm.Cookie.Name = CookieName
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = opts.Secure
	sm.Cookie.Path = "/"
	// Keep the session cookie a browser-session cookie: closing the
	// browser ends the sign-in even before the timeouts do.
	sm.Cookie.Persist = false
	return &Manager{scs: sm}
}

// Middleware loads the session for each request and saves it afterwards.
// Wrap every route that reads or changes the session.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return m.scs.LoadAndSave(next)
}

// Profile is what the session keeps about the signed-in user.
type Profile struct {
	Subject string       `json:"sub"`
	Claims  []auth.Claim `json:"claims"`
	// UserInfoNote says why userinfo claims are missing, if they are.
	UserInfoNote string `json:"userinfo_note,omitempty"`
	// IDToken is kept for logout's id_token_hint; it never goes to the browser.
	IDToken    string    `json:"id_token"`
	SignedInAt time.Time `json:"signed_in_at"`
}

const profileKey = "profile"

// SignIn stores p in a session with a new id. Renewing the id at login
// defeats session fixation: an id planted before login is worthless after.
func (m *Manager) SignIn(ctx context.Context, p Profile) error {
	if err := m.scs.RenewToken(ctx); err != nil {
		return fmt.Errorf("session: renewing token: %w", err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("session: encoding profile: %w", err)
	}
	// Stored as JSON bytes, which scs encodes without gob registration.
	m.scs.Put(ctx, profileKey, b)
	return nil
}

// Profile returns the signed-in user, or ok=false.
func (m *Manager) Profile(ctx context.Context) (p Profile, ok bool, err error) {
	b := m.scs.GetBytes(ctx, profileKey)
	if b == nil {
		return Profile{}, false, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Profile{}, false, fmt.Errorf("session: decoding profile: %w", err)
	}
	return p, true, nil
}

// SignOut destroys the session in the store, so its id never works again,
// and returns the id_token that was kept for the provider's logout.
func (m *Manager) SignOut(ctx context.Context) (idToken string, err error) {
	// A profile that does not decode is still destroyed; it just gives
	// no id_token_hint.
	p, _, _ := m.Profile(ctx)
	if err := m.scs.Destroy(ctx); err != nil {
		return "", fmt.Errorf("session: destroying: %w", err)
	}
	return p.IDToken, nil
}
