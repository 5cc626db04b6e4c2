package devprovider

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
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
