package testkeys

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"sync"
	"testing"
)

func TestRSA(t *testing.T) {
	t.Parallel()
	seen := map[string]int{}
	for i := range Count {
		priv, err := RSA(i)
		if err != nil {
			t.Fatalf("RSA(%d): %v", i, err)
		}
		if got := priv.N.BitLen(); got != 2048 {
			t.Errorf("RSA(%d): got %d bits, want 2048", i, got)
		}
		if err := priv.Validate(); err != nil {
			t.Errorf("RSA(%d): Validate: %v", i, err)
		}
		digest := sha256.Sum256([]byte("signed by test key"))
		sig, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, digest[:])
		if err != nil {
			t.Fatalf("RSA(%d): sign: %v", i, err)
		}
		if err := rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			t.Errorf("RSA(%d): verify: %v", i, err)
		}
		if j, ok := seen[priv.N.String()]; ok {
			t.Errorf("RSA(%d): same modulus as RSA(%d), want distinct keys", i, j)
		}
		seen[priv.N.String()] = i
	}
}

func TestRSAFreshCopies(t *testing.T) {
	t.Parallel()
	a, err := RSA(0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RSA(0)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("RSA(0) twice: got the same *rsa.PrivateKey, want separate copies")
	}
	if !a.Equal(b) {
		t.Errorf("RSA(0) twice: got different keys, want the same key")
	}
}

func TestRSAOutOfRange(t *testing.T) {
	t.Parallel()
	for _, i := range []int{-1, Count, Count + 100} {
		if k, err := RSA(i); err == nil {
			t.Errorf("RSA(%d): got a %d-bit key, want an error", i, k.N.BitLen())
		}
	}
}

// TestSource takes one key more than were made in advance from a Source,
// from several goroutines, and checks that all are distinct RSA-2048 keys.
func TestSource(t *testing.T) {
	t.Parallel()
	var (
		s    Source
		mu   sync.Mutex
		keys []*rsa.PrivateKey
		wg   sync.WaitGroup
	)
	for range Count + 1 {
		wg.Go(func() {
			k, err := s.Next()
			if err != nil {
				t.Errorf("Next: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			keys = append(keys, k)
		})
	}
	wg.Wait()
	if len(keys) != Count+1 {
		t.Fatalf("got %d keys, want %d", len(keys), Count+1)
	}
	for i, k := range keys {
		if got := k.N.BitLen(); got != 2048 {
			t.Errorf("key %d: got %d bits, want 2048", i, got)
		}
		for j := range i {
			if k.Equal(keys[j]) {
				t.Errorf("keys %d and %d are the same, want distinct keys", j, i)
			}
		}
	}
}

func TestSourcesAgree(t *testing.T) {
	t.Parallel()
	var a, b Source
	for i := range 3 {
		ka, err := a.Next()
		if err != nil {
			t.Fatal(err)
		}
		kb, err := b.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ka.Equal(kb) {
			t.Errorf("key %d: two Sources disagree, want the same keys in the same order", i)
		}
	}
}
