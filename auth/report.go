package auth

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Report is one login as it happened, step by step, for a person to read:
// what was sent, what came back, each check with the values it compared,
// and its result. Finish records it as it goes, from what it sends and
// receives anyway (no extra request), and returns it in Identity.Report,
// or in Error.Report up to the step that failed.
//
// A Report holds no secret: never the client secret, the code, the PKCE
// verifier, or a whole token. The state, the nonce and the code challenge
// are shortened to their first 8 characters; of each token only the
// decoded header and payload are kept, and its signature shortened.
type Report struct {
	// Failed is the step the login stopped at, as in Error.Step; "" when
	// it succeeded.
	Failed string

	// The authorization request (step 1), as Begin made it: the same
	// values reach the provider whether the app redirects the browser or
	// the Sign-In Widget builds the request (Grant, StartPath).
	Issuer                string
	Started               time.Time // when Begin made the transaction
	AuthorizationEndpoint string
	ClientID, RedirectURI string
	Scope                 string // space-separated
	State, Nonce          string // shortened
	CodeChallenge         string // shortened
	CodeChallengeMethod   string // S256
	Grant, StartPath      string // as in Identity

	// The callback (step 2): whether discovery advertises RFC 9207's iss
	// parameter. The checks are in Checks.
	IssAdvertised bool

	// The token request (step 3), with client_secret_basic (ClientAuth)
	// and the PKCE verifier.
	TokenEndpoint string
	ClientAuth    string
	TokenStatus   int           // HTTP status; 0 when no answer came
	TokenTime     time.Duration // from the request to the answer's header
	// ProviderDate is the token response's Date header (zero without
	// one), and ClockSkew how far the provider's clock was ahead of this
	// server's when it arrived (negative: behind), to the second.
	ProviderDate time.Time
	ClockSkew    time.Duration
	TokenType    string
	// AccessTokenLifetime is expires_in; RefreshToken whether one came
	// (never its value); GrantedScope the response's scope, if any.
	AccessTokenLifetime time.Duration
	RefreshToken        bool
	GrantedScope        string
	// AccessTokenHeader and AccessTokenPayload are the access token's
	// decoded JSON when it is a JWT (else ""), and AccessTokenSignature
	// its signature, shortened. The app does not validate it: it is for
	// the resource server (RFC 9068), and opaque to a client.
	AccessTokenHeader, AccessTokenPayload, AccessTokenSignature string

	// The keys (step 4): the id_token's kid and alg, the jwks_uri, and
	// whether the key set was fetched from it while this token was
	// checked (else the keys came from the cache). KnownKeyIDs are the
	// kids of the key set as last fetched, recorded when the signature
	// check failed.
	JWKSURI     string
	KeyID, Alg  string
	KeysFetched bool
	KnownKeyIDs []string

	// The id_token (step 5): its decoded header and payload, its
	// signature shortened; the clock and leeway of the time checks and
	// the times compared (zero when the claim is absent).
	IDTokenHeader, IDTokenPayload, IDTokenSignature string
	Checked                                         time.Time
	Leeway                                          time.Duration
	IssuedAt, Expiry, NotBefore                     time.Time

	// Userinfo (step 6): the endpoint, the answer's status and time, the
	// claims that only userinfo carried, or why it was not used.
	UserInfoEndpoint string
	UserInfoStatus   int
	UserInfoTime     time.Duration
	UserInfoAdded    []string
	UserInfoSkipped  string

	// Checks are the checks of steps 2 to 6, in the order Finish made
	// them. A check that was not reached is not listed.
	Checks []ReportCheck
}

// ReportCheck is one check of a login. Step and Rule name it, as Error's
// Step and Check do:
//
//	"callback"  "state", "iss", "error", "code"
//	"token"     "response", "token_type", "access_token", "id_token"
//	"id_token"  "format", "alg", "signature", "iss", "aud", "azp", "exp",
//	            "iat", "nbf", "sub", "nonce", "at_hash"
//	"userinfo"  "sub"
//
// Result is "pass", "fail", or "skip" when there was nothing to check (an
// optional claim that is absent, an iss the provider does not send). Want
// and Got are the values compared, as text ("" when absent; a state or a
// nonce shortened), unless the Report's fields hold them: the times of
// exp, iat and nbf are Checked, Leeway, Expiry, IssuedAt and NotBefore,
// and the key of the signature is KeyID.
type ReportCheck struct {
	Step, Rule string
	Result     string
	Want, Got  string
}

// Check results.
const (
	resultPass = "pass"
	resultFail = "fail"
	resultSkip = "skip"
)

// check records one check.
func (r *Report) check(step, rule, result, want, got string) {
	r.Checks = append(r.Checks, ReportCheck{Step: step, Rule: rule, Result: result, Want: want, Got: got})
}

// checkIf records a check that passed when ok, and failed otherwise.
func (r *Report) checkIf(ok bool, step, rule, want, got string) {
	result := resultPass
	if !ok {
		result = resultFail
	}
	r.check(step, rule, result, want, got)
}

// shortLen is how much of a random value a Report keeps.
const shortLen = 8

// shorten keeps the first 8 characters of a random value and marks the
// cut: enough to tell two values apart, far too little to use one.
func shorten(s string) string { return clip(s, shortLen) }

// clip returns s cut to n characters, "…" marking a cut, with invalid
// UTF-8 replaced: values from the callback's query or the provider can be
// anything.
func clip(s string, n int) string {
	i, count := 0, 0
	for i < len(s) && count < n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	if i >= len(s) {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ToValidUTF8(s[:i], "\uFFFD") + "…"
}

// maxDecodedPart bounds each decoded JWT part a Report keeps; a larger
// one is left out rather than cut, so what is shown is never half a
// document.
const maxDecodedPart = 4 << 10

// jwtParts decodes a compact JWS: its header and payload as JSON, and its
// signature shortened. ok is false when raw is not one (an opaque token,
// an encrypted one, or garbage).
func jwtParts(raw string) (header, payload, signature string, ok bool) {
	h, rest, found := strings.Cut(raw, ".")
	if !found {
		return "", "", "", false
	}
	p, sig, found := strings.Cut(rest, ".")
	if !found || strings.Contains(sig, ".") {
		return "", "", "", false
	}
	header, okh := decodeJSONPart(h)
	payload, okp := decodeJSONPart(p)
	if !okh || !okp {
		return "", "", "", false
	}
	return header, payload, shorten(sig), true
}

func decodeJSONPart(s string) (string, bool) {
	if base64.RawURLEncoding.DecodedLen(len(s)) > maxDecodedPart {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !json.Valid(b) || len(b) == 0 || b[0] != '{' {
		return "", false
	}
	return string(b), true
}

// recordIDToken keeps the id_token's decoded parts, and its kid and alg.
// It returns what the payload claims before anything is verified, for
// the values of checks that fail.
func (r *Report) recordIDToken(raw string) (claimed unverifiedClaims) {
	header, payload, sig, ok := jwtParts(raw)
	if !ok {
		return claimed
	}
	r.IDTokenHeader, r.IDTokenPayload, r.IDTokenSignature = header, payload, sig
	var h struct {
		Kid string `json:"kid"`
		Alg string `json:"alg"`
	}
	// Both were checked to be JSON objects; a field of another type just
	// stays empty.
	_ = json.Unmarshal([]byte(header), &h)
	r.KeyID, r.Alg = h.Kid, h.Alg
	_ = json.Unmarshal([]byte(payload), &claimed)
	return claimed
}

// unverifiedClaims are what an id_token says before it is verified: only
// ever shown, never trusted.
type unverifiedClaims struct {
	Issuer   string          `json:"iss"`
	Audience json.RawMessage `json:"aud"`
}

// audience formats aud, a string or an array of strings (RFC 7519 4.1.3).
func (c unverifiedClaims) audience() string {
	var one string
	if json.Unmarshal(c.Audience, &one) == nil {
		return one
	}
	var many []string
	if json.Unmarshal(c.Audience, &many) == nil {
		return strings.Join(many, " ")
	}
	return ""
}

// recordVerify records go-oidc's checks, in the order it makes them: alg,
// signature, iss, aud. failed is the rule that failed, "" for none.
func (r *Report) recordVerify(failed string, allowed []string, claimed unverifiedClaims, issuer, clientID string) {
	if failed == "format" {
		r.check("id_token", "format", resultFail, "a signed JWT with JSON claims", "")
		return
	}
	steps := []struct{ rule, want, got string }{
		{"alg", strings.Join(allowed, " "), r.Alg},
		{"signature", "", "verified"},
		{"iss", issuer, claimed.Issuer},
		{"aud", clientID, claimed.audience()},
	}
	for _, s := range steps {
		if s.rule == failed {
			got := s.got
			if s.rule == "signature" {
				got = "not verified"
			}
			r.check("id_token", s.rule, resultFail, s.want, got)
			return
		}
		r.check("id_token", s.rule, resultPass, s.want, s.got)
	}
}

// expectedAtHash is the at_hash an access token should have under alg
// (OIDC Core 3.1.3.6): the left half of its hash, base64url. It is shown
// next to the claim; the check itself is go-oidc's.
func expectedAtHash(alg, accessToken string) string {
	var h hash.Hash
	switch alg {
	case oidc.RS256, oidc.ES256, oidc.PS256:
		h = sha256.New()
	case oidc.RS384, oidc.ES384, oidc.PS384:
		h = sha512.New384()
	case oidc.RS512, oidc.ES512, oidc.PS512, oidc.EdDSA:
		h = sha512.New()
	default:
		return ""
	}
	h.Write([]byte(accessToken))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// roundTrip records one call to the provider for a Report: the status,
// the Date header, when the answer came and how long it took. It serves
// one login, on one goroutine at a time.
type roundTrip struct {
	next     http.RoundTripper
	now      func() time.Time
	status   int
	date     string
	took     time.Duration
	answered time.Time
}

func (t *roundTrip) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	t.took = time.Since(start)
	if err != nil {
		return nil, err
	}
	t.status, t.date, t.answered = resp.StatusCode, resp.Header.Get("Date"), t.now()
	return resp, nil
}

// recordingClient returns a copy of c whose calls t records.
func recordingClient(c *http.Client, now func() time.Time) (*http.Client, *roundTrip) {
	t := &roundTrip{next: transportOrDefault(c.Transport), now: now}
	rc := *c
	rc.Transport = t
	return &rc, t
}

// recordTokenAnswer records the token endpoint's answer, whatever it was.
func (r *Report) recordTokenAnswer(t *roundTrip) {
	r.TokenStatus, r.TokenTime = t.status, t.took
	if d, err := http.ParseTime(t.date); err == nil {
		r.ProviderDate = d.UTC()
		// Date has whole seconds: compare it with this clock's whole
		// second, so the phase of the two clocks within a second does not
		// tip a whole skew one second short.
		r.ClockSkew = d.Sub(t.answered.Truncate(time.Second))
	}
}

// statusText is an HTTP status for a check's value, "" for none.
func statusText(status int) string {
	if status == 0 {
		return ""
	}
	return strconv.Itoa(status)
}

// addedClaims are the names of the claims only userinfo carried, sorted.
func addedClaims(idToken, userInfo map[string]any) []string {
	var added []string
	for name := range userInfo {
		if _, ok := idToken[name]; !ok {
			added = append(added, name)
		}
	}
	slices.Sort(added)
	return added
}

// jwksWatch sits in front of the key set's transport and remembers what a
// Report wants to know about the fetches: how many there were, and the
// key ids of the last key set fetched.
type jwksWatch struct {
	next    http.RoundTripper
	fetches atomic.Int64

	mu   sync.Mutex
	kids []string
}

func (w *jwksWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	w.fetches.Add(1)
	resp, err := w.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	resp.Body = &keySetBody{ReadCloser: resp.Body, watch: w}
	return resp, nil
}

// knownKeyIDs returns the kids of the key set as last fetched.
func (w *jwksWatch) knownKeyIDs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.kids)
}

// keySetBody copies a key set as go-oidc reads it (within the 1 MiB any
// answer may have), and reads its kids once it is complete.
type keySetBody struct {
	io.ReadCloser
	watch *jwksWatch
	buf   []byte
}

func (b *keySetBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.buf = append(b.buf, p[:n]...)
	if err == io.EOF {
		var set struct {
			Keys []struct {
				Kid string `json:"kid"`
			} `json:"keys"`
		}
		if json.Unmarshal(b.buf, &set) == nil {
			kids := make([]string, 0, len(set.Keys))
			for _, k := range set.Keys {
				kids = append(kids, k.Kid)
			}
			b.watch.mu.Lock()
			b.watch.kids = kids
			b.watch.mu.Unlock()
		}
		b.buf = nil
	}
	return n, err
}
