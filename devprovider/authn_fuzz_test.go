package devprovider_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/devprovider"
)

// FuzzAuthnRequest posts any body, content type and Origin to Okta's
// /api/v1/authn. The provider must never panic, never answer 5xx, always
// answer JSON, and hand out a sessionToken only for a demo user's real
// username and password.
func FuzzAuthnRequest(f *testing.F) {
	p, clock := newFuzzProvider(f)
	users := devprovider.DemoUsers()
	const ctype = "application/json"
	for _, s := range []struct{ body, ctype, origin string }{
		{`{"username":"alice@example.com","password":"Alice-demo-1"}`, ctype, ""},
		{`{"username":"ALICE@example.com","password":"Alice-demo-1","options":{"warnBeforePasswordExpired":true}}`, ctype, fuzzOrigin},
		{`{"username":"alice@example.com","password":"wrong"}`, ctype, fuzzOrigin},
		{`{"username":"alice@example.com","password":"Alice-demo-1"}`, ctype, "https://evil.example"},
		{`{"username":"alice@example.com","password":"Alice-demo-1"}`, "text/plain", ""},
		{`{"username":"alice@example.com","password":"Alice-demo-1"}{}`, ctype, ""},
		{`{"username":"","password":""}`, "application/json; charset=utf-8", ""},
		{`{"username":1,"password":null}`, ctype, ""},
		{`[]`, ctype, ""},
		{`{"username":"` + strings.Repeat("a", 9000) + `"}`, ctype, ""},
		{`{"username":"alice@example.com","password":"Alice-demo-1","password":"x"}`, ctype, ""},
		{"", ctype, ""},
		{"\xff\xfe", "application/json; charset=\"", "null"},
	} {
		f.Add(s.body, s.ctype, s.origin)
	}

	f.Fuzz(func(t *testing.T, body, contentType, origin string) {
		clock.nextIteration()
		r := httptest.NewRequest(http.MethodPost, "/api/v1/authn", strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		rec := serve(p, r)
		if rec.Code >= 500 {
			t.Fatalf("got %d %s, want no 5xx", rec.Code, rec.Body)
		}
		var resp struct {
			Status       string `json:"status"`
			SessionToken string `json:"sessionToken"`
			ErrorCode    string `json:"errorCode"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("got a body that is not JSON (%v): %q", err, rec.Body)
		}
		if resp.SessionToken == "" {
			return
		}
		// A sessionToken: the request must have named a user and that
		// user's password, as JSON decodes them (last duplicate wins).
		var req struct{ Username, Password string }
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatalf("sessionToken issued for a body that does not decode: %q", body)
		}
		for _, u := range users {
			if strings.EqualFold(strings.TrimSpace(req.Username), u.Login) && req.Password == u.Password {
				return
			}
		}
		t.Fatalf("sessionToken issued for username %q without that user's password", req.Username)
	})
}
