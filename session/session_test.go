package session

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/okta-samples/okta-go-sample/auth"
)

// harness serves three routes through the session middleware.
func harness(t *testing.T, m *Manager) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
		if err := m.SignIn(r.Context(), Profile{Subject: "00u1", IDToken: "id-token-value", Claims: []auth.Claim{{Name: "email", Value: "a@example.com", Source: auth.SourceBoth}}}); err != nil {
			t.Errorf("SignIn: %v", err)
		}
	})
	mux.HandleFunc("/who", func(w http.ResponseWriter, r *http.Request) {
		p, ok, err := m.Profile(r.Context())
		if err != nil {
			t.Errorf("Profile: %v", err)
		}
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(p.Subject))
	})
	mux.HandleFunc("/signout", func(w http.ResponseWriter, r *http.Request) {
		tok, err := m.SignOut(r.Context())
		if err != nil {
			t.Errorf("SignOut: %v", err)
		}
		w.Write([]byte(tok))
	})
	return m.Middleware(mux)
}

func serve(h http.Handler, path string, c *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func sessionCookie(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == CookieName {
			return c
		}
	}
	t.Fatalf("no %s cookie in the response", CookieName)
	return nil
}

func TestSignInRenewsAndSignOutDestroys(t *testing.T) {
	for _, secure := range []bool{false, true} {
		h := harness(t, New(Options{Secure: secure}))
		// A session id that is live in the store (say, an attacker's own
		// session, planted in a victim's browser) must not survive a login.
		planted := sessionCookie(t, serve(h, "/signin", nil))
		c := sessionCookie(t, serve(h, "/signin", planted))
		if c.Value == planted.Value || c.Value == "" {
			t.Fatalf("session id after sign-in: got %q, want a new one", c.Value)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Path != "/" {
			t.Errorf("cookie: HttpOnly=%v SameSite=%v Secure=%v Path=%q; want true, Lax, %v, /", c.HttpOnly, c.SameSite, c.Secure, c.Path, secure)
		}
		if c.MaxAge != 0 || !c.Expires.IsZero() {
			t.Errorf("cookie persists (MaxAge %d, Expires %v); want a browser-session cookie", c.MaxAge, c.Expires)
		}
		if rec := serve(h, "/who", c); rec.Code != http.StatusOK || rec.Body.String() != "00u1" {
			t.Fatalf("/who with the session: got %d %q, want 200 00u1", rec.Code, rec.Body.String())
		}
		if rec := serve(h, "/who", planted); rec.Code != http.StatusUnauthorized {
			t.Errorf("/who with the planted id: got %d, want 401", rec.Code)
		}
		if rec := serve(h, "/signout", c); rec.Body.String() != "id-token-value" {
			t.Errorf("SignOut returned %q, want the stored id_token", rec.Body.String())
		}
		if rec := serve(h, "/who", c); rec.Code != http.StatusUnauthorized {
			t.Errorf("/who with the old cookie after sign-out: got %d, want 401", rec.Code)
		}
	}
}
