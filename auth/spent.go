package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// SpentStates remembers the logins that have been finished, so that each
// callback is accepted once only. Finish calls Spend once the callback's
// transaction cookie has opened and passed its state and age checks, and
// before it looks at anything else of the provider's answer.
// VerifyLogoutToken calls it too, for each valid back-channel logout
// token's jti, so that a logout token is accepted once only.
//
// Three guards stop a replayed callback, and this is only one of them:
//
//   - The browser's transaction cookie is deleted by the first Finish, so
//     replaying the callback in the same browser finds no transaction.
//   - SpentStates refuses a state seen before, which stops a replay that
//     carries a copy of the cookie (stolen, or sent twice) while the state
//     is remembered. No token request is made.
//   - The provider redeems a code once (RFC 6749 4.1.2), and the code is
//     bound by PKCE (RFC 7636) to the verifier sealed in that browser's
//     cookie. A replay that gets past the first two still ends at the
//     token endpoint with invalid_grant, and a code injected into another
//     browser's callback never matches that browser's verifier.
//
// So a store that forgets (the built-in one evicts its oldest entries
// when full) weakens the defence only for the holder of a copied cookie,
// who still meets the provider's single-use code.
//
// Implementations must be safe for concurrent use. A shared store (such as
// Redis, with SET key 1 NX PX ttl) lets any replica finish any login. An
// error makes Finish fail with ErrStoreUnavailable: never answer "first"
// when unsure.
type SpentStates interface {
	// Spend records key and reports whether this was its first use. key is
	// a hash of the state, never the state itself: 43 characters of
	// base64url; or, for a logout token, "logout-jti:" and the hash of
	// its issuer and jti (prefix keys with a namespace of your own in a
	// shared store). The record must last at least ttl: what is left of
	// the transaction's 10 minutes (or of the logout token's validity),
	// plus a minute for replicas whose clocks differ. After that the
	// transaction or token is refused as too old anyway.
	Spend(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
}

// spentKey is what SpentStates sees of a state: its SHA-256, so a store
// (or whoever reads its memory or its keys) never learns a live state.
func spentKey(state string) string {
	sum := sha256.Sum256([]byte(state))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// defaultMaxSpent bounds the built-in SpentStates: about 85 bytes an
// entry (measured with the map's overhead), so at most about 8 MiB
// whatever the rate of callbacks.
const defaultMaxSpent = 100_000

// memorySpent is the built-in SpentStates, for a single process. Its
// memory is bounded and every Spend is O(1): a ring of the last max keys,
// and a map from key to its slot in the ring. The ring grows to size
// entries; then the oldest entry is overwritten, expired or not, so a
// flood of callbacks can never make it refuse anyone; it only forgets
// sooner (see SpentStates for why that is safe).
type memorySpent struct {
	now  func() time.Time
	size int

	mu    sync.Mutex
	ring  []spentEntry
	next  int                // the slot Spend overwrites once the ring is full
	index map[[16]byte]int32 // key → its slot in ring
}

type spentEntry struct {
	key     [16]byte
	expires int64 // unix nanoseconds
}

// newMemorySpent remembers up to size states (defaultMaxSpent when size
// is not positive).
func newMemorySpent(size int, now func() time.Time) *memorySpent {
	if size <= 0 {
		size = defaultMaxSpent
	}
	return &memorySpent{now: now, size: size, index: make(map[[16]byte]int32)}
}

// Spend implements SpentStates.
func (m *memorySpent) Spend(_ context.Context, key string, ttl time.Duration) (bool, error) {
	// 128 bits of a hash of the key are plenty to tell states apart, and
	// keep each entry small.
	sum := sha256.Sum256([]byte(key))
	var k [16]byte
	copy(k[:], sum[:])
	now := m.now().UnixNano()

	m.mu.Lock()
	defer m.mu.Unlock()
	if slot, ok := m.index[k]; ok && m.ring[slot].expires > now {
		return false, nil
	}
	e := spentEntry{key: k, expires: now + int64(ttl)}
	if len(m.ring) < m.size {
		m.index[k] = int32(len(m.ring))
		m.ring = append(m.ring, e)
		return true, nil
	}
	old := m.ring[m.next]
	if slot, ok := m.index[old.key]; ok && slot == int32(m.next) {
		delete(m.index, old.key)
	}
	m.ring[m.next] = e
	m.index[k] = int32(m.next)
	m.next = (m.next + 1) % m.size
	return true, nil
}
