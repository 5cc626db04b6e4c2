package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/session"
)

// TestLoginReportDevProvider: the whole app with its development provider
// (the hosted sign-in page): the report of the login has every check
// passed with its values, the access token (a JWT) decoded, and neither
// the report nor the log holds the code, a token or the session id.
func TestLoginReportDevProvider(t *testing.T) {
	a := startApp(t, nil)
	b := newBrowser(t)
	cb := captureCallback(t, b, a, aliceLogin, alicePassword)
	code, err := url.Parse(cb)
	if err != nil {
		t.Fatal(err)
	}
	wantProfile(t, b.followFrom(b.get(cb), nil), aliceLogin)
	p := b.get(a.URL + "/authorization-code/report")
	if p.Status != http.StatusOK {
		t.Fatalf("report: got %d, want 200", p.Status)
	}
	rowRE := regexp.MustCompile(`<tr id="check-([a-z_]+-[a-z_]+)" class="([a-z]+)">`)
	rows := rowRE.FindAllStringSubmatch(p.Body, -1)
	want := []string{"callback-state", "callback-iss", "callback-code", "token-response", "token-token_type", "token-access_token",
		"token-id_token", "id_token-alg", "id_token-signature", "id_token-iss", "id_token-aud", "id_token-azp", "id_token-exp",
		"id_token-iat", "id_token-nbf", "id_token-sub", "id_token-nonce", "id_token-at_hash", "userinfo-sub"}
	var got []string
	for _, r := range rows {
		got = append(got, r[1])
		if r[2] != "pass" && r[2] != "skip" {
			t.Errorf("check %s: %s, want pass (or skip)", r[1], r[2])
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("checks:\ngot  %v\nwant %v", got, want)
	}
	for _, s := range []string{"Login redirect: the provider&#39;s hosted sign-in page", a.Issuer, "0oa-okta-go-sample-dev",
		"&#34;scp&#34;", "at&#43;jwt", "<svg class=\"sequence\""} {
		if !strings.Contains(p.Body, s) {
			t.Errorf("the report lacks %q", s)
		}
	}
	sessionID, err := b.cookie(a.URL, session.CookieName)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{code.Query().Get("code"), code.Query().Get("state"), sessionID} {
		if strings.Contains(p.Body, s) || strings.Contains(a.Logs.String(), s) {
			t.Errorf("the report or the log holds a secret %.8q…", s)
		}
	}
}
