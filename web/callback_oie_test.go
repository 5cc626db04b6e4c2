package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

const atkLoginCustomPath = "/authorization-code/login-custom"

// TestCallbackMagicLink: a callback with an otp parameter (the link of an
// Okta email) gets a page that says the sample does not handle magic
// links; it spends nothing, so the login it names can still finish, and
// the code reaches neither the page nor the log.
func TestCallbackMagicLink(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	b := e.newBrowser(t)
	cb := b.authorize(b.startLogin(""), nil)
	u, err := url.Parse(cb)
	if err != nil {
		t.Fatal(err)
	}
	const otp = "735190"
	tests := []struct {
		name  string
		query url.Values
	}{
		{"otp and state", url.Values{"otp": {otp}, "state": {u.Query().Get("state")}}},
		{"otp alone", url.Values{"otp": {otp}}},
		{"otp next to the real code", func() url.Values { q := u.Query(); q.Set("otp", otp); return q }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.counts()
			res := b.get(e.appURL + atkCallbackPath + "?" + tt.query.Encode())
			if res.status != http.StatusBadRequest || !strings.Contains(res.body, "does not handle email magic links") {
				t.Errorf("got %d, want 400 saying magic links are not handled; page: %s", res.status, errorText(res.body))
			}
			if strings.Contains(res.body, otp) {
				t.Errorf("the page repeats the one-time code")
			}
			e.wantNewRequests(t, before, 0, 0)
			if n := len(b.transactionCookies()); n != 1 {
				t.Errorf("pending logins after the magic link: got %d, want the 1 it left alone", n)
			}
		})
	}
	// The pending login still finishes where it started.
	if res := b.get(cb); res.status != http.StatusFound || res.location() != atkProfilePath {
		t.Fatalf("the login's own callback: got %d to %q, want 302 to the profile", res.status, res.location())
	}
	b.wantSession()
	e.wantCleanLogs(t, otp)
}

// TestCallbackInteractionRequired: error=interaction_required sends the
// browser back to the custom login page, which starts a new login and
// says why; nothing is exchanged and no session is made.
func TestCallbackInteractionRequired(t *testing.T) {
	t.Parallel()
	e := newAttackEnv(t, testprovider.Config{})
	b := e.newBrowser(t)
	authURL, err := url.Parse(b.startLogin("/authorization-code/profile"))
	if err != nil {
		t.Fatal(err)
	}
	before := e.counts()
	q := url.Values{"error": {"interaction_required"}, "state": {authURL.Query().Get("state")}, "iss": {e.op.Issuer()}}
	res := b.get(e.appURL + atkCallbackPath + "?" + q.Encode())
	if want := atkLoginCustomPath + "?notice=interaction_required"; res.status != http.StatusFound || res.location() != want {
		t.Fatalf("got %d to %q, want 302 to %s", res.status, res.location(), want)
	}
	e.wantNewRequests(t, before, 0, 0)
	if n := len(b.transactionCookies()); n != 0 {
		t.Errorf("pending logins: got %d, want 0 (the answered one is spent)", n)
	}
	b.wantNoSession()

	page := b.get(e.appURL + res.location())
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="login-notice"`) ||
		!strings.Contains(page.body, "interaction_required") || !strings.Contains(page.body, "This is a new login") {
		t.Errorf("custom login page: got %d, want 200 with the notice; page: %.400s", page.status, page.body)
	}

	// Anything else in notice shows nothing, and is never echoed.
	for _, v := range []string{"other", `<script>alert(1)</script>`} {
		page := b.get(e.appURL + atkLoginCustomPath + "?" + url.Values{"notice": {v}}.Encode())
		if strings.Contains(page.body, `id="login-notice"`) || strings.Contains(page.body, "alert(1)") {
			t.Errorf("notice=%q: the page shows a notice or echoes the value", v)
		}
	}
}
