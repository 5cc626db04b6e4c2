package session

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
)

// testJWT is a compact JWS with the given header and payload, and a
// signature that is not one.
func testJWT(header, payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + "." + "c2lnbmF0dXJlLW5vdC1yZWFsbHk"
}

const (
	// testATPayload is an access token's payload as the development
	// provider (and Okta) makes it.
	testATPayload = `{"ver":1,"jti":"AT.V4YBBQYOWBHUXHOADUTFTGKDNX","iss":"https://dev-123456.okta.com/oauth2/default",` +
		`"aud":"api://default","iat":1796005684,"exp":1796009284,"cid":"0oa-client","uid":"00u1",` +
		`"scp":["openid","email","profile"],"auth_time":1796005684,"sub":"alice@example.com"}`
	testIssuer    = "https://dev-123456.okta.com/oauth2/default"
	testIDHeader  = `{"kid":"MSADMILGTEIECJYVKPBR24LGPC","alg":"RS256"}`
	testIDPayload = `{"sub":"00u1","iss":"https://dev-123456.okta.com/oauth2/default","aud":"0oa-client","nonce":"abc"}`
)

// testReport is the report of a typical successful login, as auth
// records it: times to the second, the id_token's parts from idToken.
func testReport(idToken string) *auth.Report {
	base := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	header, payload, sig, _ := tokenParts(idToken)
	return &auth.Report{
		Issuer: testIssuer, Started: base.Add(-20 * time.Second),
		AuthorizationEndpoint: testIssuer + "/v1/authorize", ClientID: "0oa-client",
		RedirectURI: "http://localhost:8080/authorization-code/callback", Scope: "openid email profile",
		State: "AbCdEfGh…", Nonce: "ZyXwVuTs…", CodeChallenge: "q1w2e3r4…", CodeChallengeMethod: "S256",
		Grant: "authorization_code", StartPath: "/authorization-code/login", IssAdvertised: true,
		TokenEndpoint: testIssuer + "/v1/token", ClientAuth: "client_secret_basic", TokenStatus: 200,
		TokenTime: 12345 * time.Microsecond, ProviderDate: base.Add(-time.Second), ClockSkew: -time.Second,
		TokenType: "Bearer", AccessTokenLifetime: time.Hour, RefreshToken: true, GrantedScope: "openid email profile",
		AccessTokenHeader: `{"alg":"RS256","kid":"MSADMILGTEIECJYVKPBR24LGPC","typ":"at+jwt"}`, AccessTokenPayload: testATPayload, AccessTokenSignature: "sIgNaTuR…",
		JWKSURI: testIssuer + "/v1/keys", KeyID: "MSADMILGTEIECJYVKPBR24LGPC", Alg: "RS256", KeysFetched: true,
		IDTokenHeader: header, IDTokenPayload: payload, IDTokenSignature: sig,
		Checked: base, Leeway: 5 * time.Minute, IssuedAt: base.Add(-2 * time.Second), Expiry: base.Add(time.Hour),
		UserInfoEndpoint: testIssuer + "/v1/userinfo", UserInfoStatus: 200, UserInfoTime: 3 * time.Millisecond,
		UserInfoAdded: []string{"family_name", "given_name"},
		Checks: []auth.ReportCheck{
			{Step: "callback", Rule: "state", Result: "pass", Want: "AbCdEfGh…", Got: "AbCdEfGh…"},
			{Step: "callback", Rule: "iss", Result: "pass", Want: testIssuer, Got: testIssuer},
			{Step: "callback", Rule: "code", Result: "pass", Got: "code"},
			{Step: "token", Rule: "response", Result: "pass", Want: "200", Got: "200"},
			{Step: "id_token", Rule: "alg", Result: "pass", Want: "RS256", Got: "RS256"},
			{Step: "id_token", Rule: "iss", Result: "pass", Want: testIssuer, Got: testIssuer},
			{Step: "id_token", Rule: "azp", Result: "skip"},
			{Step: "id_token", Rule: "signature", Result: "pass", Got: "verified"},
			{Step: "id_token", Rule: "exp", Result: "pass"},
			{Step: "id_token", Rule: "nonce", Result: "pass", Want: "ZyXwVuTs…", Got: "ZyXwVuTs…"},
			{Step: "userinfo", Rule: "sub", Result: "pass", Want: "00u1", Got: "00u1"},
		},
	}
}

func TestReportRoundTrip(t *testing.T) {
	t.Parallel()
	idToken := testJWT(testIDHeader, testIDPayload)
	failed := testReport(idToken)
	failed.Failed = "id_token"
	failed.KnownKeyIDs = []string{"k1", "k2"}
	failed.Checks = append(failed.Checks,
		auth.ReportCheck{Step: "id_token", Rule: "signature", Result: "fail", Got: "not verified"},
		auth.ReportCheck{Step: "elsewhere", Rule: "new-rule", Result: "fail", Want: "x", Got: "y"})
	otherHost := testReport(idToken)
	otherHost.TokenEndpoint = "https://other.example/token"
	otherHost.UserInfoEndpoint = ""
	otherHost.Issuer = ""
	otherJSON := testReport(idToken)
	otherJSON.AccessTokenHeader = `{ "alg" : "RS256" }`                                                               // spaces: kept as text
	otherJSON.AccessTokenPayload = `{"iss":"https:\/\/x","n":-1.5e3,"z":007,"a":[true,false,null,{}],"u":"\u00e9\n"}` // escapes: as text
	nested := testReport(idToken)
	nested.AccessTokenPayload = `{"a":[1,2.5,-3,0,"x",{"b":{"c":[null,true,false]}}],"s":"é\n\"q\"\\","big":12345678901234567890}`
	odd := testReport("not a jwt")
	odd.Checks = []auth.ReportCheck{{Step: "id_token", Rule: "iss", Result: "fail", Want: "\x00<é>", Got: strings.Repeat("x", 300)}}
	accessToken := testJWT(`{"alg":"RS256","kid":"MSADMILGTEIECJYVKPBR24LGPC","typ":"at+jwt"}`, testATPayload)
	withAT := testReport(idToken)
	withAT.AccessTokenHeader, withAT.AccessTokenPayload, withAT.AccessTokenSignature, _ = tokenParts(accessToken)
	tests := []struct {
		name                 string
		report               *auth.Report
		idToken, accessToken string
	}{
		{"none", nil, idToken, ""},
		{"typical", testReport(idToken), idToken, ""},
		{"the access token's parts from the session's", withAT, idToken, accessToken},
		{"the session's access token is another", testReport(idToken), idToken, accessToken},
		{"failed, with an unknown rule", failed, idToken, ""},
		{"endpoints elsewhere, no issuer", otherHost, idToken, ""},
		{"id_token not a JWT, odd values", odd, "not a jwt", ""},
		{"the session's id_token is another", testReport(idToken), testJWT(`{"alg":"RS256"}`, `{"sub":"other"}`), ""},
		{"JSON kept as text", otherJSON, idToken, ""},
		{"JSON nested", nested, idToken, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeReport(encodeReport(tt.report, tt.idToken, tt.accessToken), tt.idToken, tt.accessToken)
			if err != nil {
				t.Fatalf("decodeReport: %v", err)
			}
			if !reflect.DeepEqual(got, tt.report) {
				t.Errorf("got  %+v\nwant %+v", got, tt.report)
			}
		})
	}
}

// TestReportInTheProfile: the report travels with the profile, and a
// profile stored before reports existed (version 1) still reads, without
// one.
func TestReportInTheProfile(t *testing.T) {
	t.Parallel()
	idToken := testJWT(testIDHeader, testIDPayload)
	p := testProfile("00u1")
	p.IDToken = idToken
	p.Report = testReport(idToken)
	u, err := parseUser(encodeProfile(p), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := u.Report()
	if err != nil || !reflect.DeepEqual(got, p.Report) {
		t.Errorf("Report: got %+v, %v; want %+v", got, err, p.Report)
	}

	for _, old := range []struct{ name, data, accessToken string }{
		{"version 1", "\x01" + "\x0400u1" + "\x00" + "\x00" + "\x00" + "\x01" + "\x01\x03sub\x0400u1", ""},
		{"version 2", "\x02" + "\x0400u1" + "\x00" + "\x00" + "\x00" + "\x02at" + "\x00" + "\x01" + "\x01\x03sub\x0400u1", "at"},
	} {
		u, err := parseUser(old.data, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", old.name, err)
		}
		if rep, err := u.Report(); rep != nil || err != nil {
			t.Errorf("%s Report: got %+v, %v; want nil, nil", old.name, rep, err)
		}
		if got := u.DisplayName(); got != "00u1" || u.AccessToken() != old.accessToken {
			t.Errorf("%s: DisplayName %q, AccessToken %q; want 00u1, %q", old.name, got, u.AccessToken(), old.accessToken)
		}
	}
}

// TestReportIsCompact: a typical report takes under 400 bytes, so it does
// not undo the session's memory budget, and the tokens the session keeps
// anyway are not stored again.
func TestReportIsCompact(t *testing.T) {
	t.Parallel()
	idToken := testJWT(testIDHeader, testIDPayload)
	accessToken := testJWT(`{"alg":"RS256","kid":"MSADMILGTEIECJYVKPBR24LGPC","typ":"at+jwt"}`, testATPayload)
	rep := testReport(idToken)
	rep.AccessTokenHeader, rep.AccessTokenPayload, rep.AccessTokenSignature, _ = tokenParts(accessToken)
	enc := encodeReport(rep, idToken, accessToken)
	if len(enc) > 400 {
		t.Errorf("got %d bytes, want at most 400", len(enc))
	}
	// Without the session's access token its decoded parts are stored,
	// compactly: as names and varints, not as text.
	if alone := encodeReport(rep, idToken, ""); len(alone) > len(enc)+150 || strings.Contains(alone, `"scp"`) {
		t.Errorf("with the access token's parts: %d bytes, want them compact (%d without)", len(alone), len(enc))
	}
	for _, s := range []string{testIDHeader, testIDPayload} {
		if strings.Contains(enc, s) {
			t.Errorf("the id_token's part %s is stored twice", s)
		}
	}
	if n := strings.Count(enc, "dev-123456.okta.com"); n != 1 {
		t.Errorf("the issuer's host appears %d times, want once", n)
	}
}

func TestDecodeReportRefusesMalformed(t *testing.T) {
	t.Parallel()
	good := encodeReport(testReport(testJWT(testIDHeader, testIDPayload)), "", "")
	tests := []struct {
		name string
		data string
	}{
		{"unknown version", "\x02" + good[1:]},
		{"truncated", good[:len(good)-1]},
		{"trailing bytes", good + "x"},
		{"back-reference to nothing", "\x01\x05"},
		{"unknown string kind", "\x01\x03"},
		{"string longer than the data", "\x01\x7c"},
		{"varint without end", "\x01" + strings.Repeat("\xff", 12)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeReport(tt.data, "", ""); !errors.Is(err, errBadReport) {
				t.Errorf("got %v, want errBadReport", err)
			}
		})
	}
	// A check's result byte, made unknown.
	one := encodeReport(&auth.Report{Checks: []auth.ReportCheck{{Step: "userinfo", Rule: "sub", Result: "pass"}}}, "", "")
	i := strings.Index(one, "\x01\x15") // the count, then userinfo/sub
	if i < 0 {
		t.Fatalf("no check in %q", one)
	}
	bad := []byte(one)
	bad[i+2] = 0x87
	if _, err := decodeReport(string(bad), "", ""); !errors.Is(err, errBadReport) {
		t.Errorf("unknown result: got %v, want errBadReport", err)
	}
}

// FuzzDecodeReport: no input makes decoding panic, and what decodes
// survives encoding and decoding again unchanged.
func FuzzDecodeReport(f *testing.F) {
	idToken := testJWT(testIDHeader, testIDPayload)
	f.Add(encodeReport(testReport(idToken), idToken, ""))
	f.Add("\x01\x00")
	f.Fuzz(func(t *testing.T, data string) {
		rep, err := decodeReport(data, idToken, "")
		if err != nil || rep == nil {
			return
		}
		again, err := decodeReport(encodeReport(rep, idToken, ""), idToken, "")
		if err != nil || !reflect.DeepEqual(again, rep) {
			t.Errorf("re-encoded and decoded: got %+v, %v; want %+v", again, err, rep)
		}
	})
}
