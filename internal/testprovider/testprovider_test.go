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

// TestClockSkew: a skewed clock shows in the Date header and in the
// id_token's times.
func TestClockSkew(t *testing.T) {
	t.Parallel()
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	op := testprovider.New(t, testprovider.Config{RedirectURI: redirectURI, Now: func() time.Time { return base }})
	for _, skew := range []time.Duration{0, 10 * time.Minute, -2 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			op.Misbehave(testprovider.Misbehaviour{ClockSkew: skew})
			want := base.Add(skew)
			resp, err := http.Get(op.Issuer() + "/.well-known/openid-configuration")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Date"); got != want.Format(http.TimeFormat) {
				t.Errorf("Date: got %q, want %q", got, want.Format(http.TimeFormat))
			}
			_, body := redeem(t, op, code(t, op, nil).Get("code"), verifier)
			parts := strings.Split(body["id_token"].(string), ".")
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil {
				t.Fatal(err)
			}
			var claims struct{ Iat, Exp int64 }
			if err := json.Unmarshal(payload, &claims); err != nil {
				t.Fatal(err)
			}
			if claims.Iat != want.Unix() || claims.Exp != want.Add(time.Hour).Unix() {
				t.Errorf("iat, exp: got %d, %d; want %d, %d", claims.Iat, claims.Exp, want.Unix(), want.Add(time.Hour).Unix())
			}
		})
	}
}

// TestDiscoveryIssuer: the discovery document names the issuer it is told to.
func TestDiscoveryIssuer(t *testing.T) {
	t.Parallel()
	op := testprovider.New(t, testprovider.Config{RedirectURI: redirectURI})
	for _, tc := range []struct{ name, set, want string }{
		{"own", "", op.Issuer()},
		{"other", "https://evil.example", "https://evil.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op.Misbehave(testprovider.Misbehaviour{DiscoveryIssuer: tc.set})
			resp, err := http.Get(op.Issuer() + "/.well-known/openid-configuration")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var doc struct{ Issuer string }
			if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
				t.Fatal(err)
			}
			if doc.Issuer != tc.want {
				t.Errorf("issuer: got %q, want %q", doc.Issuer, tc.want)
			}
		})
	}
}

// TestOktaOrg: with an Engine, the origin is an Okta org whose CORS trusts
// exactly the trusted origins; without one, none of it exists.
func TestOktaOrg(t *testing.T) {
	t.Parallel()
	const trusted = "http://localhost:8080"
	preflight := func(t *testing.T, u, origin string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodOptions, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := noRedirect().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin")
	}
	for _, tc := range []struct {
		name         string
		engine       string
		noCORS       bool
		origin       string
		wantPipeline string // "" when there is no organization document
		wantAuthn    int    // status of the authn preflight
		wantInteract int    // status of the interact preflight
	}{
		{"identity engine, trusted", "idx", false, trusted, "idx", 204, 204},
		{"identity engine, other origin", "idx", false, "http://other.example", "idx", 403, 403},
		{"identity engine, NoCORS", "idx", true, trusted, "idx", 403, 403},
		{"classic, trusted", "v1", false, trusted, "v1", 204, 404},
		{"not Okta", "", false, trusted, "", 404, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := testprovider.New(t, testprovider.Config{RedirectURI: redirectURI, Engine: tc.engine, TrustedOrigins: []string{trusted}})
			op.Misbehave(testprovider.Misbehaviour{NoCORS: tc.noCORS})
			resp, err := http.Get(op.URL() + "/.well-known/okta-organization")
			if err != nil {
				t.Fatal(err)
			}
			var org struct{ Pipeline string }
			err = json.NewDecoder(resp.Body).Decode(&org)
			resp.Body.Close()
			if tc.wantPipeline == "" {
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("organization document: got %d, want 404", resp.StatusCode)
				}
			} else if err != nil || org.Pipeline != tc.wantPipeline {
				t.Errorf("organization document: got %d pipeline %q (%v), want %q", resp.StatusCode, org.Pipeline, err, tc.wantPipeline)
			}
			for _, p := range []struct {
				url  string
				want int
			}{{op.URL() + "/api/v1/authn", tc.wantAuthn}, {op.Issuer() + "/v1/interact", tc.wantInteract}} {
				status, acao := preflight(t, p.url, tc.origin)
				wantACAO := ""
				if p.want == http.StatusNoContent {
					wantACAO = tc.origin
				}
				if status != p.want || acao != wantACAO {
					t.Errorf("OPTIONS %s: got %d, Access-Control-Allow-Origin %q; want %d, %q", p.url, status, acao, p.want, wantACAO)
				}
			}
		})
	}
}
