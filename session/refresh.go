package session

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Tokens are the OAuth tokens a session keeps, server-side.
type Tokens struct {
	// AccessToken is what the app sends to APIs ("" when none).
	AccessToken string
	// RefreshToken renews it ("" when the provider issued none, without
	// the offline_access scope).
	RefreshToken string
	// AccessTokenExpiry is when AccessToken expires; zero when unknown.
	AccessTokenExpiry time.Time
}

// Equal reports whether t and o are the same tokens, expiring at the same
// instant.
func (t Tokens) Equal(o Tokens) bool {
	return t.AccessToken == o.AccessToken && t.RefreshToken == o.RefreshToken && t.AccessTokenExpiry.Equal(o.AccessTokenExpiry)
}

// ExpiresWithin reports whether the access token expires within d of now
// (or has expired), so it is time to refresh it. A token whose expiry is
// unknown is not refreshed ahead of time.
func (t Tokens) ExpiresWithin(now time.Time, d time.Duration) bool {
	return !t.AccessTokenExpiry.IsZero() && !now.Add(d).Before(t.AccessTokenExpiry)
}

// ErrNoSession means the request's session is gone: never signed in,
// signed out, expired, or ended by another request meanwhile.
var ErrNoSession = errors.New("session: not signed in")

// refreshLockTTL bounds how long one refresh may hold a session's lock
// in a shared store: longer than a refresh, which auth bounds by the
// provider timeout (10 s by default), and short enough that the replicas
// wait no longer than that if the holder dies.
const refreshLockTTL = 30 * time.Second

// RefreshTokens renews the tokens of r's session, one renewal at a time
// per session: with rotating refresh tokens (Okta rotates them), two
// renewals with one refresh token would spend it twice, and the provider
// would take the second for a stolen token and revoke the whole chain.
//
// seen is the access token the caller found too old. Once RefreshTokens
// holds the session's lock (a mutex in this process and, when the store
// is a Locker such as RedisStore, a lock shared by every replica), it reads
// the session again: when its access token is no longer seen, another
// request has renewed it meanwhile, and those tokens are returned without
// calling renew. Otherwise renew gets the current tokens and returns the
// new ones, which replace them in the session (Store.Update), keeping
// everything else.
//
// An error from renew is returned as it is, and the session is left as
// it was: the caller decides (an invalid_grant means the session is over).
// A session that is gone is ErrNoSession; a store that fails wraps
// ErrStoreUnavailable.
func (m *Manager) RefreshTokens(ctx context.Context, r *http.Request, seen string,
	renew func(context.Context, Tokens) (Tokens, error)) (Tokens, error) {
	id := idFrom(r, m.CookieName())
	if id == "" {
		return Tokens{}, ErrNoSession
	}
	key := keyOf(id)
	unlock, err := m.refreshing.lock(ctx, key)
	if err != nil {
		return Tokens{}, err
	}
	defer unlock()
	if l, ok := m.store.(Locker); ok {
		unlockShared, err := l.Lock(ctx, key, refreshLockTTL)
		if err != nil {
			return Tokens{}, fmt.Errorf("%w: locking the session: %w", ErrStoreUnavailable, err)
		}
		defer unlockShared()
	}

	rec, expires, err := m.store.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return Tokens{}, ErrNoSession
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("%w: reading: %w", ErrStoreUnavailable, err)
	}
	if now := m.now(); !now.Before(expires) || !now.Before(rec.Deadline) {
		return Tokens{}, ErrNoSession
	}
	u, err := parseUser(rec.Data, rec.SignedIn)
	if err != nil {
		return Tokens{}, err
	}
	current := u.Tokens()
	if current.AccessToken != seen {
		return current, nil // renewed by another request while this one waited
	}
	next, err := renew(ctx, current)
	if err != nil {
		return Tokens{}, err
	}
	if next.Equal(current) {
		return current, nil
	}
	data, err := withTokens(rec.Data, next)
	if err != nil {
		return Tokens{}, err
	}
	if err := m.store.Update(ctx, key, data); errors.Is(err, ErrNotFound) {
		// Ended (a logout, an expiry) while renewing: the new tokens
		// belong to no session, and are not returned.
		return Tokens{}, ErrNoSession
	} else if err != nil {
		return Tokens{}, fmt.Errorf("%w: saving the renewed tokens: %w", ErrStoreUnavailable, err)
	}
	return next, nil
}

// withTokens returns the stored profile data with its tokens replaced by
// t, everything else kept, in the current version. The login report
// decodes the access token's parts from the token the session keeps, so
// it is encoded again with the login's parts written out: the report stays
// about the login, not about the renewed token. A report that no longer
// decodes is dropped rather than blocking the renewal.
func withTokens(data string, t Tokens) (string, error) {
	u, err := parseUser(data, time.Time{})
	if err != nil {
		return "", err
	}
	report := ""
	if rep, err := decodeReport(u.report, u.idToken, u.accessToken); err == nil {
		report = encodeReport(rep, u.idToken, t.AccessToken)
	}
	claims := 0
	for d := (decoder{data: u.claims}); d.off < len(d.data); d.claim() {
		claims++
	}
	b := make([]byte, 0, len(data)+len(report)+len(t.AccessToken)+len(t.RefreshToken)+2*binary.MaxVarintLen64)
	b = append(b, profileVersion)
	for _, s := range []string{u.subject, u.sid, u.idToken, u.note, t.AccessToken, t.RefreshToken, report} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, unixOrZero(t.AccessTokenExpiry))
	b = binary.AppendUvarint(b, uint64(claims))
	return string(append(b, u.claims...)), nil
}
