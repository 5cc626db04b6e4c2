// Package testkeys hands tests RSA-2048 keys made in advance, so that a
// test need not generate one: rsa.GenerateKey takes about half a second
// for 2048 bits, and several times that under the race detector, while
// taking a key from here takes well under a millisecond.
//
// The keys are PUBLIC: they are committed in test-only-rsa-keys.pem, made
// by gen.go (go generate ./internal/testkeys/). Use them only in tests.
//
// To adopt it where a test or test helper calls rsa.GenerateKey, make one
// Source for each party that signs (a provider, say) and take its keys
// from it:
//
//	keys := &testkeys.Source{}
//	priv, err := keys.Next() // instead of rsa.GenerateKey(rand.Reader, 2048)
//
// and, for the development provider, set
// devprovider.Config.NewSigningKey to keys.Next. One Source never hands
// out the same key twice. Two Sources hand out the same keys in the same
// order: two parties whose keys must differ, such as a provider and the
// stranger whose tokens it must refuse, take them from one Source.
package testkeys

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"
	"sync"
)

//go:generate go run gen.go -n 16 -o test-only-rsa-keys.pem

// Count is how many keys were made in advance. A Source generates fresh
// keys after handing out that many.
const Count = 16

//go:embed test-only-rsa-keys.pem
var keysPEM string

// RSA returns the i-th key made in advance, 0 <= i < Count. Each call
// parses it anew, so callers never share a *rsa.PrivateKey.
func RSA(i int) (*rsa.PrivateKey, error) {
	if i < 0 || i >= Count {
		return nil, fmt.Errorf("testkeys: key %d does not exist: there are %d (0 to %d)", i, Count, Count-1)
	}
	rest := []byte(keysPEM)
	for n := 0; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("testkeys: test-only-rsa-keys.pem holds %d keys, want %d: run go generate ./internal/testkeys/", n, Count)
		}
		if n < i {
			continue
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("testkeys: key %d: %w", i, err)
		}
		priv, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("testkeys: key %d is a %T, want an RSA key", i, k)
		}
		return priv, nil
	}
}

// Source hands out distinct RSA-2048 keys: the keys made in advance in
// order, then, once all Count are out, freshly generated ones. The zero
// value is ready to use, and it is safe for concurrent use.
type Source struct {
	mu   sync.Mutex
	next int
}

// Next returns a key this Source has not returned before. Its signature
// fits devprovider.Config.NewSigningKey.
func (s *Source) Next() (*rsa.PrivateKey, error) {
	s.mu.Lock()
	i := s.next
	s.next++
	s.mu.Unlock()
	if i < Count {
		return RSA(i)
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("testkeys: generate key %d: %w", i, err)
	}
	return priv, nil
}
