package testprovider_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

const (
	redirectURI = "http://127.0.0.1:1/callback"
	verifier    = "test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
)

// noRedirect is a client that shows each redirect instead of following it.
func noRedirect() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// code runs an authorization request and returns the redirect's query.
func code(t *testing.T, op *testprovider.Provider, extra url.Values) url.Values {
	t.Helper()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"client_id": {op.ClientID()}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"st"}, "nonce": {"nn"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	for k, v := range extra {
		q[k] = v
	}
	resp, err := noRedirect().Get(op.Issuer() + "/v1/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize: got %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

// redeem posts the code with client_secret_basic and returns the status
// and decoded body.
func redeem(t *testing.T, op *testprovider.Provider, code, codeVerifier string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	if codeVerifier != "" {
		form.Set("code_verifier", codeVerifier)
	}
	req, err := http.NewRequest(http.MethodPost, op.Issuer()+"/v1/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(op.ClientID()), url.QueryEscape(op.ClientSecret()))
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token response: %v", err)
	}
	return resp.StatusCode, body
}

func keys(t *testing.T, op *testprovider.Provider) jose.JSONWebKeySet {
	t.Helper()
	resp, err := http.Get(op.Issuer() + "/v1/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	return set
}

// TestCorrectProvider checks, with go-jose rather than the app's code,
// that the well-behaved provider is correct: so a rejection in the app's
// tests is due to the misbehaviour asked for, nothing else.
func TestCorrectProvider(t *testing.T) {
	t.Parallel()
	op := testprovider.New(t, testprovider.Config{RedirectURI: redirectURI})
	q := code(t, op, nil)
	if q.Get("state") != "st" || q.Get("iss") != op.Issuer() || q.Get("code") == "" {
		t.Fatalf("authorize redirect query: got %v, want code, state st and iss", q)
	}
	status, body := redeem(t, op, q.Get("code"), verifier)
	if status != http.StatusOK || body["token_type"] != "Bearer" {
		t.Fatalf("token: got %d %v", status, body)
	}
	raw, _ := body["id_token"].(string)
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("id_token: %v", err)
	}
	set := keys(t, op)
	ks := set.Key(jws.Signatures[0].Header.KeyID)
	if len(ks) != 1 {
		t.Fatalf("got %d keys for kid %q, want 1", len(ks), jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(ks[0])
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body["access_token"].(string)))
	for name, want := range map[string]any{
		"iss": op.Issuer(), "aud": op.ClientID(), "sub": testprovider.DefaultSubject, "nonce": "nn",
		"at_hash": base64.RawURLEncoding.EncodeToString(sum[:16]),
	} {
		if claims[name] != want {
			t.Errorf("claim %s: got %v, want %v", name, claims[name], want)
		}
	}

	// The code is single use, and PKCE is enforced.
	if status, body := redeem(t, op, q.Get("code"), verifier); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("reused code: got %d %v, want invalid_grant", status, body)
	}
	q = code(t, op, nil)
	if status, body := redeem(t, op, q.Get("code"), "wrong-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: got %d %v, want invalid_grant", status, body)
	}
	q = code(t, op, url.Values{"code_challenge": nil, "code_challenge_method": nil})
	if status, body := redeem(t, op, q.Get("code"), verifier); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("verifier for a code without challenge: got %d %v, want invalid_grant (RFC 9700 2.1.1)", status, body)
	}
	if got := len(op.TokenRequests()); got != 4 {
		t.Errorf("got %d token requests counted, want 4", got)
	}
}

// TestSigningModes checks each forgery is what its name says.
func TestSigningModes(t *testing.T) {
	t.Parallel()
	op := testprovider.New(t, testprovider.Config{RedirectURI: redirectURI})
	publishedKID := op.PublishedKID()
	all := []jose.SignatureAlgorithm{jose.RS256, jose.RS512, jose.PS256, jose.HS256}
	for _, tc := range []struct {
		name         string
		signing      testprovider.Signing
		wantAlg      string
		wantKID      string
		wantVerifies bool
	}{
		{"published", testprovider.SignPublished, "RS256", publishedKID, true},
		{"other key, same kid", testprovider.SignOtherKeySameKID, "RS256", publishedKID, false},
		{"other key", testprovider.SignOtherKey, "RS256", "", false},
		{"HS256 client secret", testprovider.SignHS256ClientSecret, "HS256", publishedKID, false},
		{"HS256 public key", testprovider.SignHS256PublicKey, "HS256", publishedKID, false},
		{"corrupted", testprovider.SignCorrupted, "RS256", publishedKID, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op.Misbehave(testprovider.Misbehaviour{Signing: tc.signing})
			_, body := redeem(t, op, code(t, op, nil).Get("code"), verifier)
			jws, err := jose.ParseSigned(body["id_token"].(string), all)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			h := jws.Signatures[0].Header
			if h.Algorithm != tc.wantAlg || (tc.wantKID != "" && h.KeyID != tc.wantKID) {
				t.Errorf("header: got alg %q kid %q, want %q %q", h.Algorithm, h.KeyID, tc.wantAlg, tc.wantKID)
			}
			set := keys(t, op)
			_, err = jws.Verify(&set.Keys[0])
			if verified := err == nil; verified != tc.wantVerifies {
				t.Errorf("verifies with the published key: got %v, want %v", verified, tc.wantVerifies)
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		op.Misbehave(testprovider.Misbehaviour{Signing: testprovider.SignNone})
		_, body := redeem(t, op, code(t, op, nil).Get("code"), verifier)
		parts := strings.Split(body["id_token"].(string), ".")
		hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
		if len(parts) != 3 || parts[2] != "" || !strings.Contains(string(hdr), `"alg":"none"`) {
			t.Errorf("got %q, want alg none and an empty signature", body["id_token"])
		}
	})
}

// TestHangsEndWithTheClient: a hanging endpoint lets go when the client
// gives up, and Close does not wait for it.
func TestHangsEndWithTheClient(t *testing.T) {
	t.Parallel()
	op := testprovider.New(t, testprovider.Config{RedirectURI: redirectURI})
	op.Misbehave(testprovider.Misbehaviour{JWKS: testprovider.JWKSSlow})
	c := &http.Client{Timeout: 200 * time.Millisecond}
	if _, err := c.Get(op.Issuer() + "/v1/keys"); err == nil {
		t.Fatal("got an answer from a hanging endpoint")
	}
	if got := op.JWKSFetches(); got != 1 {
		t.Errorf("got %d fetches counted, want 1", got)
	}
	done := make(chan struct{})
	go func() { op.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close still waiting after 10s")
	}
}
