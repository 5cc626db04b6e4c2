package auth_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// reportLogin runs one login and returns what Begin gave, the callback's
// query, and what Finish returned.
func reportLogin(t *testing.T, rp *auth.RelyingParty) (*auth.Login, url.Values, *auth.Identity, error) {
	t.Helper()
	l, cookies := mustBegin(t, rp)
	q := authorize(t, l.URL)
	id, _, err := finish(rp, q, cookies...)
	return l, q, id, err
}

// checkRow is a check of a Report, for comparisons.
type checkRow struct{ step, rule, result, want, got string }

func rowsOf(rep *auth.Report) []checkRow {
	rows := make([]checkRow, len(rep.Checks))
	for i, c := range rep.Checks {
		rows[i] = checkRow{c.Step, c.Rule, c.Result, c.Want, c.Got}
	}
	return rows
}

// atHashOf is the at_hash of an access token signed with RS256.
func atHashOf(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// TestReportOfALogin: a successful login's report holds every step as it
// happened, with the values each check compared.
func TestReportOfALogin(t *testing.T) {
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)
	l, q, id, err := reportLogin(t, rp)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	rep := id.Report
	if rep == nil {
		t.Fatal("Identity.Report is nil")
	}
	short := func(s string) string { return s[:8] + "…" }
	accessToken := lastAccessToken(t, op)

	fields := []struct{ name, got, want string }{
		{"Failed", rep.Failed, ""},
		{"Issuer", rep.Issuer, op.Issuer()},
		{"AuthorizationEndpoint", rep.AuthorizationEndpoint, op.Issuer() + "/v1/authorize"},
		{"ClientID", rep.ClientID, op.ClientID()},
		{"RedirectURI", rep.RedirectURI, testRedirectURI},
		{"Scope", rep.Scope, "openid email profile"},
		{"State", rep.State, short(l.State)},
		{"Nonce", rep.Nonce, short(l.Nonce)},
		{"CodeChallenge", rep.CodeChallenge, short(l.CodeChallenge)},
		{"CodeChallengeMethod", rep.CodeChallengeMethod, "S256"},
		{"Grant", rep.Grant, "authorization_code"},
		{"StartPath", rep.StartPath, testLoginPath},
		{"TokenEndpoint", rep.TokenEndpoint, op.Issuer() + "/v1/token"},
		{"ClientAuth", rep.ClientAuth, "client_secret_basic"},
		{"TokenStatus", fmt.Sprint(rep.TokenStatus), "200"},
		{"ProviderDate", rep.ProviderDate.String(), testNow().String()},
		{"ClockSkew", rep.ClockSkew.String(), "0s"},
		{"TokenType", rep.TokenType, "Bearer"},
		{"AccessTokenLifetime", rep.AccessTokenLifetime.String(), "1h0m0s"},
		{"GrantedScope", rep.GrantedScope, "openid email profile"},
		{"AccessTokenPayload", rep.AccessTokenPayload, ""}, // the test provider's are opaque
		{"JWKSURI", rep.JWKSURI, op.Issuer() + "/v1/keys"},
		{"KeyID", rep.KeyID, op.PublishedKID()},
		{"Alg", rep.Alg, "RS256"},
		{"KeysFetched", fmt.Sprint(rep.KeysFetched), "true"},
		{"Checked", rep.Checked.String(), testNow().String()},
		{"Leeway", rep.Leeway.String(), testLeeway.String()},
		{"IssuedAt", rep.IssuedAt.String(), testNow().String()},
		{"Expiry", rep.Expiry.String(), testNow().Add(time.Hour).String()},
		{"NotBefore", fmt.Sprint(rep.NotBefore.IsZero()), "true"},
		{"UserInfoEndpoint", rep.UserInfoEndpoint, op.Issuer() + "/v1/userinfo"},
		{"UserInfoStatus", fmt.Sprint(rep.UserInfoStatus), "200"},
		{"UserInfoAdded", strings.Join(rep.UserInfoAdded, " "), "family_name given_name locale zoneinfo"},
		{"UserInfoSkipped", rep.UserInfoSkipped, ""},
	}
	for _, f := range fields {
		if f.got != f.want {
			t.Errorf("%s: got %q, want %q", f.name, f.got, f.want)
		}
	}
	if rep.TokenTime <= 0 || rep.UserInfoTime <= 0 {
		t.Errorf("TokenTime %s, UserInfoTime %s: want both measured", rep.TokenTime, rep.UserInfoTime)
	}
	var header struct{ Kid, Alg string }
	if err := json.Unmarshal([]byte(rep.IDTokenHeader), &header); err != nil || header.Kid != op.PublishedKID() || header.Alg != "RS256" {
		t.Errorf("IDTokenHeader %q: want the decoded header with kid %s", rep.IDTokenHeader, op.PublishedKID())
	}
	var payload struct{ Sub string }
	if err := json.Unmarshal([]byte(rep.IDTokenPayload), &payload); err != nil || payload.Sub != id.Subject {
		t.Errorf("IDTokenPayload %q: want the decoded payload with sub %s", rep.IDTokenPayload, id.Subject)
	}
	sig := id.RawIDToken[strings.LastIndex(id.RawIDToken, ".")+1:]
	if rep.IDTokenSignature != sig[:8]+"…" {
		t.Errorf("IDTokenSignature %q, want %q", rep.IDTokenSignature, sig[:8]+"…")
	}

	want := []checkRow{
		{"callback", "state", "pass", short(l.State), short(q.Get("state"))},
		{"callback", "iss", "pass", op.Issuer(), op.Issuer()},
		{"callback", "code", "pass", "", "code"},
		{"token", "response", "pass", "200", "200"},
		{"token", "token_type", "pass", "Bearer", "Bearer"},
		{"token", "access_token", "pass", "present", "present"},
		{"token", "id_token", "pass", "present", "present"},
		{"id_token", "alg", "pass", "RS256", "RS256"},
		{"id_token", "signature", "pass", "", "verified"},
		{"id_token", "iss", "pass", op.Issuer(), op.Issuer()},
		{"id_token", "aud", "pass", op.ClientID(), op.ClientID()},
		{"id_token", "azp", "skip", "", ""},
		{"id_token", "exp", "pass", "", ""},
		{"id_token", "iat", "pass", "", ""},
		{"id_token", "nbf", "skip", "", ""},
		{"id_token", "sub", "pass", "present", id.Subject},
		{"id_token", "nonce", "pass", short(l.Nonce), short(l.Nonce)},
		{"id_token", "at_hash", "pass", atHashOf(accessToken), atHashOf(accessToken)},
		{"userinfo", "sub", "pass", id.Subject, id.Subject},
	}
	if got := rowsOf(rep); !slices.Equal(got, want) {
		t.Errorf("checks:\ngot  %v\nwant %v", got, want)
	}

	// The keys are in the cache now: the next login does not fetch them.
	_, _, again, err := reportLogin(t, rp)
	if err != nil {
		t.Fatal(err)
	}
	if again.Report.KeysFetched {
		t.Error("second login: KeysFetched is true, want the keys from the cache")
	}
}

// lastAccessToken is the access token the provider issued last.
func lastAccessToken(t *testing.T, op *testprovider.Provider) string {
	t.Helper()
	issued := op.Issued()
	for i := len(issued) - 1; i >= 0; i-- {
		if strings.HasPrefix(issued[i], "tp-at-") {
			return issued[i]
		}
	}
	t.Fatal("the provider issued no access token")
	return ""
}

// TestReportHoldsNoSecret: nothing of a report is the client secret, the
// code, the PKCE verifier, a whole token or the state. (The nonce is in
// the id_token's decoded payload, as on the profile page: it was single
// use, and the transaction it belonged to is spent.)
func TestReportHoldsNoSecret(t *testing.T) {
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)
	l, q, id, err := reportLogin(t, rp)
	if err != nil {
		t.Fatal(err)
	}
	dump := fmt.Sprintf("%#v", *id.Report)
	secrets := append([]string{op.ClientSecret(), q.Get("code"), l.State, l.CodeChallenge}, op.Issued()...)
	for _, tr := range op.TokenRequests() {
		secrets = append(secrets, tr.CodeVerifier)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(dump, s) {
			t.Errorf("the report contains a secret %.12q… (%d bytes)", s, len(s))
		}
	}
}

// TestReportOfAFailure: a failed login's report ends with the failed
// check, showing what was expected and what came, and nothing after it.
func TestReportOfAFailure(t *testing.T) {
	op := newProvider(t, testprovider.Config{})
	rp := newRP(t, op, nil)
	_, _, warm, err := reportLogin(t, rp)
	if err != nil {
		t.Fatal(err)
	}
	kid := op.PublishedKID()
	clientID, issuer := op.ClientID(), op.Issuer()
	tests := []struct {
		name     string
		mis      testprovider.Misbehaviour
		step     string
		last     checkRow // the failed check; want "" means any
		extra    func(t *testing.T, rep *auth.Report)
		wantRows int // checks recorded in all, the failed one included
	}{
		{name: "iss in the callback", mis: testprovider.Misbehaviour{Authorize: testprovider.AuthorizeWrongIss},
			step: "callback", last: checkRow{"callback", "iss", "fail", issuer, testprovider.WrongIssuer}, wantRows: 2},
		{name: "access_denied", mis: testprovider.Misbehaviour{Authorize: testprovider.AuthorizeAccessDenied},
			step: "callback", last: checkRow{"callback", "error", "fail", "", "access_denied"}, wantRows: 3},
		{name: "redirect URI reported by the provider", mis: testprovider.Misbehaviour{Authorize: testprovider.AuthorizeRedirectURIError},
			step: "callback", last: checkRow{"callback", "error", "fail", "", "invalid_request"}, wantRows: 3},
		{name: "invalid_client", mis: testprovider.Misbehaviour{Token: testprovider.TokenOAuthError, TokenError: "invalid_client"},
			step: "token", last: checkRow{"token", "response", "fail", "200", "401 invalid_client"}, wantRows: 4,
			extra: func(t *testing.T, rep *auth.Report) {
				if rep.TokenStatus != http.StatusUnauthorized {
					t.Errorf("TokenStatus %d, want 401", rep.TokenStatus)
				}
			}},
		{name: "iss in the id_token", mis: testprovider.Misbehaviour{Claims: func(c map[string]any) { c["iss"] = "https://org.example" }},
			step: "id_token", last: checkRow{"id_token", "iss", "fail", issuer, "https://org.example"}, wantRows: 10},
		{name: "aud", mis: testprovider.Misbehaviour{Claims: func(c map[string]any) { c["aud"] = "0oa-another-app" }},
			step: "id_token", last: checkRow{"id_token", "aud", "fail", clientID, "0oa-another-app"}, wantRows: 11},
		{name: "unknown kid", mis: testprovider.Misbehaviour{Signing: testprovider.SignOtherKey},
			step: "id_token", last: checkRow{"id_token", "signature", "fail", "", "not verified"}, wantRows: 9,
			extra: func(t *testing.T, rep *auth.Report) {
				if rep.KeyID == kid || slices.Contains(rep.KnownKeyIDs, rep.KeyID) || !slices.Contains(rep.KnownKeyIDs, kid) {
					t.Errorf("KeyID %q, KnownKeyIDs %q: want a kid outside the key set, which holds %s", rep.KeyID, rep.KnownKeyIDs, kid)
				}
				if !rep.KeysFetched {
					t.Error("KeysFetched is false: an unknown kid makes go-oidc fetch the keys again")
				}
			}},
		{name: "iat ahead beyond the leeway, provider clock ahead", mis: testprovider.Misbehaviour{ClockSkew: 10 * time.Minute},
			step: "id_token", last: checkRow{"id_token", "iat", "fail", "", ""}, wantRows: 14,
			extra: func(t *testing.T, rep *auth.Report) {
				if rep.ClockSkew != 10*time.Minute {
					t.Errorf("ClockSkew %s, want 10m0s from the Date header", rep.ClockSkew)
				}
				if want := testNow().Add(10 * time.Minute); !rep.IssuedAt.Equal(want) || !rep.Checked.Equal(testNow()) {
					t.Errorf("IssuedAt %s, Checked %s: want %s, %s", rep.IssuedAt, rep.Checked, want, testNow())
				}
			}},
		{name: "exp past beyond the leeway", mis: testprovider.Misbehaviour{Claims: func(c map[string]any) { c["exp"] = testNow().Add(-time.Hour).Unix() }},
			step: "id_token", last: checkRow{"id_token", "exp", "fail", "", ""}, wantRows: 13,
			extra: func(t *testing.T, rep *auth.Report) {
				if want := testNow().Add(-time.Hour); !rep.Expiry.Equal(want) {
					t.Errorf("Expiry %s, want %s", rep.Expiry, want)
				}
			}},
		{name: "nonce", mis: testprovider.Misbehaviour{Claims: func(c map[string]any) { c["nonce"] = "other" }},
			step: "id_token", last: checkRow{"id_token", "nonce", "fail", "", "other"}, wantRows: 17},
		{name: "at_hash", mis: testprovider.Misbehaviour{Claims: func(c map[string]any) { c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" }},
			step: "id_token", last: checkRow{"id_token", "at_hash", "fail", "", "AAAAAAAAAAAAAAAAAAAAAA"}, wantRows: 18},
		{name: "userinfo about someone else", mis: testprovider.Misbehaviour{UserInfo: testprovider.UserInfoOtherSubject},
			step: "userinfo", last: checkRow{"userinfo", "sub", "fail", warm.Subject, "00u-someone-else"}, wantRows: 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op.Misbehave(tt.mis)
			t.Cleanup(func() { op.Misbehave(testprovider.Misbehaviour{}) })
			_, _, _, err := reportLogin(t, rp)
			var ae *auth.Error
			if !errors.As(err, &ae) || ae.Report == nil {
				t.Fatalf("got %v, want an *auth.Error with a Report", err)
			}
			rep := ae.Report
			if rep.Failed != tt.step || ae.Step != tt.step {
				t.Errorf("Failed %q, Error.Step %q: want %q", rep.Failed, ae.Step, tt.step)
			}
			rows := rowsOf(rep)
			if len(rows) != tt.wantRows {
				t.Errorf("got %d checks, want %d: %v", len(rows), tt.wantRows, rows)
			}
			last := rows[len(rows)-1]
			if tt.last.want == "" {
				last.want = "" // compared separately: a shortened nonce, a hash
			}
			if last != tt.last {
				t.Errorf("last check: got %v, want %v", last, tt.last)
			}
			for _, r := range rows[:len(rows)-1] {
				if r.result == "fail" {
					t.Errorf("check %v failed before the last", r)
				}
			}
			if tt.extra != nil {
				tt.extra(t, rep)
			}
		})
	}
}
