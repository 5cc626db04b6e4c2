package web_test

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/internal/testprovider"
	"github.com/okta-samples/okta-go-sample/session"
)

// FuzzCallbackQuery sends the callback any raw query string, in a browser
// that may have a pending login. In the query, STATE stands for that
// login's real state, ISS for the real issuer (URL-encoded) and CODE for a
// random code-like value, so the fuzzer reaches the iss checks and the
// token exchange, which the adversarial provider answers. Whatever the
// query, the handler must not panic, must not answer 200 or redirect
// anywhere (a redirect is a completed login, and no fuzzed code is valid),
// must set no session cookie, and must keep the client secret and the
// code out of the log.
func FuzzCallbackQuery(f *testing.F) {
	e := newAttackEnv(f, testprovider.Config{})
	iss := url.QueryEscape(e.op.Issuer())

	for _, seed := range []struct {
		query   string
		pending bool
	}{
		{"code=CODE&state=STATE&iss=ISS", true},
		{"code=CODE&state=STATE", true},
		{"state=STATE&iss=ISS", true},
		{"error=access_denied&error_description=no&state=STATE&iss=ISS", true},
		{"error=server_error&state=STATE&iss=ISS", true},
		{"error=%3Cscript%3E&state=STATE&iss=ISS", true},
		{"code=CODE&state=STATE&iss=https%3A%2F%2Fevil.example", true},
		{"code=CODE&state=STATE&state=other&iss=ISS&iss=ISS", true},
		{"code=CODE&code=def&state=STATE&iss=ISS", true},
		{"code=%ff%fe&state=STATE&iss=ISS", true},
		{"code=CODE;state=STATE;iss=ISS", true},
		{"code=CODE&state=" + strings.Repeat("A", 43) + "&iss=ISS", true},
		{"code=CODE&state=STATE&iss=ISS", false},
		{"", false},
		{"%", false},
		{"&&&==&", true},
	} {
		f.Add(seed.query, seed.pending)
	}

	f.Fuzz(func(t *testing.T, query string, pending bool) {
		e.logs.Reset()
		var cookies []*http.Cookie
		state := "no-pending-login"
		if pending {
			start := httptest.NewRecorder()
			e.handler.ServeHTTP(start, httptest.NewRequest(http.MethodGet, atkLoginPath, nil))
			loc, err := url.Parse(start.Header().Get("Location"))
			if start.Code != http.StatusFound || err != nil {
				t.Fatalf("start login: got %d to %q", start.Code, start.Header().Get("Location"))
			}
			state = loc.Query().Get("state")
			cookies = start.Result().Cookies()
		}
		code := "fuzz-code-" + rand.Text()
		raw := strings.NewReplacer("STATE", state, "ISS", iss, "CODE", code).Replace(query)

		// Built by hand so that any bytes reach the handler as the raw query.
		r := httptest.NewRequest(http.MethodGet, atkCallbackPath, nil)
		r.URL.RawQuery = raw
		r.RequestURI = atkCallbackPath + "?" + raw
		for _, c := range cookies {
			r.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, r)

		switch rec.Code {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusBadGateway:
		default:
			t.Fatalf("query %q: got status %d (Location %q), want 400, 401 or 502", raw, rec.Code, rec.Header().Get("Location"))
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == session.CookieName {
				t.Fatalf("query %q: a session cookie was set", raw)
			}
		}
		if got := rec.Header().Get("Referrer-Policy"); got != "no-referrer" {
			t.Fatalf("query %q: Referrer-Policy %q, want no-referrer", raw, got)
		}
		logs := e.logs.String()
		if strings.Contains(logs, e.op.ClientSecret()) {
			t.Fatalf("query %q: the client secret reached the log", raw)
		}
		if strings.Contains(logs, code) && !outsideCode(raw, code) {
			t.Fatalf("query %q: the code reached the log", raw)
		}
	})
}

// outsideCode reports whether marker is in a query parameter other than
// code: the app may log those (a wrong iss, a provider's error), and the
// fuzzer may well put CODE there.
func outsideCode(raw, marker string) bool {
	q, _ := url.ParseQuery(raw) // keeps what parses, as the handler does
	for k, vs := range q {
		for _, v := range vs {
			if k != "code" && strings.Contains(v, marker) {
				return true
			}
		}
	}
	return false
}
