package devprovider

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/go-jose/go-jose/v4"
)

// signingKey is an RSA key with its key id (RFC 7515 §4.1.4 "kid"), and a
// signer for each kind of token the provider signs with it.
type signingKey struct {
	kid     string
	priv    *rsa.PrivateKey
	signers map[string]jose.Signer // by the typ header they write
}

// The typ headers (RFC 7515 §4.1.9) of the tokens the provider signs. A
// distinct type for each kind keeps one kind from being accepted as
// another (RFC 8725 §3.11): an ID Token posted as a logout token, or as an
// access token, is refused by its type alone.
const (
	typIDToken     = "JWT"
	typAccessToken = "at+jwt"     // RFC 9068 §2.1
	typLogoutToken = "logout+jwt" // OpenID Connect Back-Channel Logout 1.0 §2.4
)

// tokenTypes lists every typ the provider signs.
func tokenTypes() []string { return []string{typIDToken, typAccessToken, typLogoutToken} }

// minRSABits is the smallest RSA modulus allowed for RS256 (RFC 7518 §3.3).
const minRSABits = 2048

// generateRSAKey generates a 2048-bit RSA key: the default of
// Config.NewSigningKey.
func generateRSAKey() (*rsa.PrivateKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, minRSABits)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	return priv, nil
}

// newSigningKey makes a key for RS256, the algorithm OIDC Core §15.1
// requires every provider to support, from newKey (Config.NewSigningKey),
// with a random kid.
func newSigningKey(newKey func() (*rsa.PrivateKey, error)) (signingKey, error) {
	priv, err := newKey()
	if err != nil {
		return signingKey{}, fmt.Errorf("new signing key: %w", err)
	}
	if priv == nil {
		return signingKey{}, errors.New("NewSigningKey returned no key")
	}
	if bits := priv.N.BitLen(); bits < minRSABits {
		return signingKey{}, fmt.Errorf("signing key has %d bits, want at least %d (RFC 7518 §3.3)", bits, minRSABits)
	}
	kid := rand.Text()
	k := signingKey{kid: kid, priv: priv, signers: make(map[string]jose.Signer, len(tokenTypes()))}
	for _, typ := range tokenTypes() {
		// Passing a JSONWebKey (not the bare key) makes go-jose put the kid
		// in the JWS header, which is how relying parties pick the key from
		// the JWKS.
		signer, err := jose.NewSigner(
			jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"}},
			(&jose.SignerOptions{}).WithType(jose.ContentType(typ)),
		)
		if err != nil {
			return signingKey{}, fmt.Errorf("create %s signer: %w", typ, err)
		}
		k.signers[typ] = signer
	}
	return k, nil
}

func (k signingKey) publicJWK() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.RS256), Use: "sig"}
}

// keyRing holds the current signing key and the one before it. The previous
// public key stays published after a rotation so that tokens signed just
// before it still verify, as relying parties expect (OIDC Core §10.1.1).
type keyRing struct {
	mu       sync.RWMutex
	current  signingKey
	previous *signingKey
}

func newKeyRing(k signingKey) *keyRing {
	return &keyRing{current: k}
}

// signer returns the current key's signer for tokens of type typ (one of
// tokenTypes).
func (kr *keyRing) signer(typ string) jose.Signer {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.current.signers[typ]
}

// jwks returns the published public keys, current key first.
func (kr *keyRing) jwks() jose.JSONWebKeySet {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{kr.current.publicJWK()}}
	if kr.previous != nil {
		set.Keys = append(set.Keys, kr.previous.publicJWK())
	}
	return set
}

// publicKey returns the published public key with the given kid.
func (kr *keyRing) publicKey(kid string) (*rsa.PublicKey, bool) {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	if kr.current.kid == kid {
		return &kr.current.priv.PublicKey, true
	}
	if kr.previous != nil && kr.previous.kid == kid {
		return &kr.previous.priv.PublicKey, true
	}
	return nil, false
}

func (kr *keyRing) rotate(k signingKey) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	prev := kr.current
	kr.previous = &prev
	kr.current = k
}

// RotateKey makes a new signing key (with Config.NewSigningKey) with a new
// kid and signs with it from now on. The previous public key stays in
// /v1/keys until the next rotation; older keys are dropped.
func (p *Provider) RotateKey() error {
	k, err := newSigningKey(p.newKey)
	if err != nil {
		return fmt.Errorf("devprovider: rotate key: %w", err)
	}
	p.keys.rotate(k)
	p.log.Info("signing key rotated", "kid", k.kid)
	return nil
}

// handleKeys serves the JSON Web Key Set (RFC 7517 §5) named by jwks_uri.
func (p *Provider) handleKeys() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := json.Marshal(p.keys.jwks())
		if err != nil {
			p.log.Error("marshal JWKS", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		// Short caching: relying parties refetch on an unknown kid anyway,
		// and rotation in tests must show up quickly.
		w.Header().Set("Cache-Control", "max-age=60, must-revalidate")
		writeJSONBytes(w, p.log, http.StatusOK, body)
	})
}
