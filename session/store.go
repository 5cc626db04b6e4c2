package session

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"
)

// Store keeps the sessions of a Manager. This package has two:
// NewMemoryStore, for one process, and NewRedisStore
// (github.com/redis/go-redis/v9), which lets several replicas share
// sessions. Every method must be safe for concurrent use.
//
// What a Store must guarantee:
//
//   - Expiry. A session is gone once its expiry passes: Get answers
//     ErrNotFound from then on, and nothing counts it any more. The Manager
//     never sets an expiry later than the record's Deadline, so a store
//     that honours the expiry it is given also honours the absolute
//     lifetime. In Redis the expiry is the key's TTL (SET … PXAT,
//     PEXPIREAT).
//   - Atomic sign-in. Add stores the session, indexes it under its subject
//     and sid, and ends the subject's oldest sessions beyond maxPerUser, as
//     one step: two sign-ins of one user on two replicas at the same moment
//     must never leave more than maxPerUser sessions, nor end the wrong
//     one. In Redis, a Lua script (or MULTI after WATCH) does it.
//   - Order. A subject's sessions are ordered by Record.SignedIn, oldest
//     first; sessions with the same SignedIn are ordered by when Add
//     stored them (a counter, such as an INCR, breaks the tie). Expired
//     sessions are dropped before counting against maxPerUser.
//   - Indexes never resurrect. An index entry may outlive its session
//     (Redis cannot expire one member of a set), so whoever reads an index
//     skips entries whose session is gone. Ending a session through an
//     index (DeleteBySubject, DeleteBySID, the trim in Add) removes the
//     session itself, not only the index entry; an index key's own expiry
//     is never earlier than the latest Deadline among its sessions.
//   - Keys, not ids. Stores see only the Key, a hash of the id in the
//     cookie, so a dump of the store or a list of its keys cannot be used
//     as a cookie.
//
// Touch and Delete on a missing session are not errors: a session can
// expire or be ended between a Get and them.
type Store interface {
	// Get returns the session stored under key and when it expires, or
	// ErrNotFound. A memory store counts it as a use for its
	// least-recently-used order.
	Get(ctx context.Context, key Key) (rec Record, expires time.Time, err error)
	// Add stores a new session under key until expires, indexes it under
	// rec.Subject and rec.SID (when not empty) and ends the subject's
	// oldest sessions beyond maxPerUser, all in one atomic step.
	Add(ctx context.Context, key Key, rec Record, expires time.Time, maxPerUser int) error
	// Touch sets the expiry of the session under key, for the idle
	// timeout. The Manager calls it at most once a minute per session.
	Touch(ctx context.Context, key Key, expires time.Time) error
	// Update replaces the Data of the live session under key, keeping its
	// expiry, deadline and indexes, in one atomic step; a session that is
	// gone or expired is ErrNotFound, and is not brought back.
	Update(ctx context.Context, key Key, data string) error
	// Delete ends the session under key and removes it from its indexes.
	Delete(ctx context.Context, key Key) error
	// DeleteBySubject ends every session of the user with this sub and
	// returns how many there were.
	DeleteBySubject(ctx context.Context, subject string) (int, error)
	// DeleteBySID ends every session made from the provider session sid
	// (the id_token's sid claim) and returns how many there were.
	DeleteBySID(ctx context.Context, sid string) (int, error)
}

// ErrNotFound is what Store.Get answers for a session that does not exist
// or has expired.
var ErrNotFound = errors.New("session: not found")

// Record is one session as a Store keeps it.
type Record struct {
	// Subject is the user's sub claim: the per-user index.
	Subject string
	// SID is the id_token's sid claim, the provider's session (OpenID
	// Connect Front-Channel Logout 1.0, section 3; Back-Channel Logout
	// 1.0, section 2.4), or "": the per-sid index.
	SID string
	// SignedIn orders the subject's sessions for maxPerUser.
	SignedIn time.Time
	// Deadline is the absolute end of the session, whatever its use.
	Deadline time.Time
	// Data is the signed-in user's profile in this package's compact
	// encoding. A store keeps it as it is and never reads it.
	Data string
}

// Key is the name of a session in a Store: the SHA-256 of the random id
// in the browser's cookie. The id itself is never stored or logged, so
// reading the store does not give anyone a working cookie.
type Key [sha256.Size]byte

// keyOf returns the Key of a session id.
func keyOf(id string) Key { return sha256.Sum256([]byte(id)) }

// String is the Key in unpadded base64url, 43 characters, for stores that
// name their entries with strings (a Redis key suffix).
func (k Key) String() string { return base64.RawURLEncoding.EncodeToString(k[:]) }
