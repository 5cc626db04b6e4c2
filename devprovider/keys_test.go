package devprovider

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

func TestKeys(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	resp, body := e.get(e.issuer + "/v1/keys")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Cache-Control"); !strings.Contains(got, "max-age=") {
		t.Errorf("Cache-Control: got %q, want a max-age", got)
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("keys: got %d, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	for name, want := range map[string]any{"kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB"} {
		if got := k[name]; got != want {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	if kid, _ := k["kid"].(string); len(kid) < 16 {
		t.Errorf("kid: got %q, want a random id", kid)
	}
	// 2048-bit modulus: 256 bytes, 342 base64url characters.
	if n, _ := k["n"].(string); len(n) != 342 {
		t.Errorf("n: got %d characters, want 342 (2048 bits)", len(n))
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := k[private]; ok {
			t.Errorf("published key has private member %q", private)
		}
	}
}

func TestRotateKey(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	idToken := func() string {
		t.Helper()
		_, tok := e.tokenRequest(codeForm(e.signIn(nil)), testClientID, testClientSecret, true)
		return tok["id_token"].(string)
	}
	kids := func() []string {
		t.Helper()
		var out []string
		for _, k := range e.fetchJWKS().Keys {
			out = append(out, k.KeyID)
		}
		return out
	}

	oldToken := idToken()
	_, oldKid := e.verifyIDToken(oldToken)
	if got := kids(); len(got) != 1 || got[0] != oldKid {
		t.Fatalf("before rotation: got kids %v, want [%s]", got, oldKid)
	}

	if err := e.p.RotateKey(); err != nil {
		t.Fatalf("RotateKey: %v", err)
	}
	newToken := idToken()
	_, newKid := e.verifyIDToken(newToken)
	if newKid == oldKid {
		t.Fatalf("after rotation: token signed with old kid %s, want a new one", oldKid)
	}
	if got := kids(); len(got) != 2 || got[0] != newKid || got[1] != oldKid {
		t.Errorf("after rotation: got kids %v, want [%s %s]", got, newKid, oldKid)
	}
	// Tokens signed before the rotation still verify.
	e.verifyIDToken(oldToken)

	if err := e.p.RotateKey(); err != nil {
		t.Fatalf("second RotateKey: %v", err)
	}
	got := kids()
	if len(got) != 2 || got[1] != newKid {
		t.Errorf("after second rotation: got kids %v, want [<newest> %s]", got, newKid)
	}
	for _, k := range got {
		if k == oldKid {
			t.Errorf("after second rotation: oldest kid %s still published", oldKid)
		}
	}
}

// TestNewSigningKey checks the keys New and RotateKey take from
// Config.NewSigningKey: the given key is the one published, a failure or a
// key too short for RS256 (RFC 7518 §3.3) is an error, and without the
// option a fresh 2048-bit key is generated.
func TestNewSigningKey(t *testing.T) {
	t.Parallel()
	short, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatalf("generate 1024-bit key: %v", err)
	}
	given, err := testkeys.RSA(3)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("no key today")
	tests := []struct {
		name    string
		newKey  func() (*rsa.PrivateKey, error)
		wantErr string // "" means New succeeds
		wantIs  error
		wantN   *big.Int
	}{
		{name: "given key is published", newKey: func() (*rsa.PrivateKey, error) { return given, nil }, wantN: given.N},
		{name: "default generates 2048 bits", newKey: nil},
		{name: "error", newKey: func() (*rsa.PrivateKey, error) { return nil, boom }, wantErr: "no key today", wantIs: boom},
		{name: "no key", newKey: func() (*rsa.PrivateKey, error) { return nil, nil }, wantErr: "returned no key"},
		{name: "1024 bits", newKey: func() (*rsa.PrivateKey, error) { return short, nil }, wantErr: "has 1024 bits, want at least 2048"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := New(Config{Issuer: "http://127.0.0.1:8081/oauth2/default",
				Clients:       []Client{{ID: "c", Secret: "s", RedirectURIs: []string{"http://localhost:8080/cb"}}},
				NewSigningKey: tt.newKey})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New: got error %v, want one containing %q", err, tt.wantErr)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("New: got error %v, want it to wrap %v", err, tt.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			set := p.keys.jwks()
			if len(set.Keys) != 1 {
				t.Fatalf("keys: got %d, want 1", len(set.Keys))
			}
			pub, ok := set.Keys[0].Key.(*rsa.PublicKey)
			if !ok {
				t.Fatalf("published key: got %T, want *rsa.PublicKey", set.Keys[0].Key)
			}
			if got := pub.N.BitLen(); got != 2048 {
				t.Errorf("published key: got %d bits, want 2048", got)
			}
			if tt.wantN != nil && pub.N.Cmp(tt.wantN) != 0 {
				t.Errorf("published key: got another modulus than the given key's")
			}
		})
	}
}

// TestRotateKeyFailure checks that a failed rotation is reported and keeps
// signing with, and publishing, the current key.
func TestRotateKeyFailure(t *testing.T) {
	t.Parallel()
	first, err := testkeys.RSA(0)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	p, err := New(Config{Issuer: "http://127.0.0.1:8081/oauth2/default",
		Clients: []Client{{ID: "c", Secret: "s", RedirectURIs: []string{"http://localhost:8080/cb"}}},
		NewSigningKey: func() (*rsa.PrivateKey, error) {
			calls++
			if calls == 1 {
				return first, nil
			}
			return nil, errors.New("key store down")
		}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	before := p.keys.jwks().Keys[0].KeyID
	if err := p.RotateKey(); err == nil || !strings.Contains(err.Error(), "key store down") {
		t.Fatalf("RotateKey: got error %v, want one containing %q", err, "key store down")
	}
	keys := p.keys.jwks().Keys
	if len(keys) != 1 || keys[0].KeyID != before {
		t.Errorf("after a failed rotation: got %d keys (first kid %q), want only the current kid %q", len(keys), keys[0].KeyID, before)
	}
}
