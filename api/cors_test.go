package api_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/api"
	"github.com/okta-samples/okta-go-sample/internal/testprovider"
)

// TestCORS: only the allowed origin, exactly, gets CORS headers; every
// answer varies by Origin; a preflight from it may send Authorization.
func TestCORS(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	good := "Bearer " + f.token(t, nil, testprovider.SignPublished, nil)
	tests := []struct {
		name       string
		method     string
		origin     string
		preflight  bool // with Access-Control-Request-Method and -Headers
		authz      string
		wantStatus int
		wantACAO   string
	}{
		{name: "allowed origin", method: http.MethodGet, origin: spaOrigin, authz: good, wantStatus: http.StatusOK, wantACAO: spaOrigin},
		{name: "allowed origin, no token", method: http.MethodGet, origin: spaOrigin, wantStatus: http.StatusUnauthorized, wantACAO: spaOrigin},
		{name: "foreign origin", method: http.MethodGet, origin: "https://evil.example", authz: good, wantStatus: http.StatusOK},
		{name: "allowed origin's other port", method: http.MethodGet, origin: "http://localhost:8083", authz: good, wantStatus: http.StatusOK},
		{name: "allowed origin with a slash", method: http.MethodGet, origin: spaOrigin + "/", authz: good, wantStatus: http.StatusOK},
		{name: "allowed origin in upper case", method: http.MethodGet, origin: strings.ToUpper(spaOrigin), authz: good, wantStatus: http.StatusOK},
		{name: "null", method: http.MethodGet, origin: "null", authz: good, wantStatus: http.StatusOK},
		{name: "no Origin (same origin or not a browser)", method: http.MethodGet, authz: good, wantStatus: http.StatusOK},
		{name: "preflight from the allowed origin", method: http.MethodOptions, origin: spaOrigin, preflight: true, wantStatus: http.StatusNoContent, wantACAO: spaOrigin},
		{name: "preflight from a foreign origin", method: http.MethodOptions, origin: "https://evil.example", preflight: true, wantStatus: http.StatusForbidden},
		{name: "preflight from null", method: http.MethodOptions, origin: "null", preflight: true, wantStatus: http.StatusForbidden},
		{name: "OPTIONS that is not a preflight", method: http.MethodOptions, wantStatus: http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, api.MessagesPath, nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.authz != "" {
				r.Header.Set("Authorization", tt.authz)
			}
			if tt.preflight {
				r.Header.Set("Access-Control-Request-Method", "GET")
				r.Header.Set("Access-Control-Request-Headers", "authorization")
			}
			w := httptest.NewRecorder()
			f.api.ServeHTTP(w, r)
			h := w.Header()
			if w.Code != tt.wantStatus {
				t.Errorf("got status %d, want %d", w.Code, tt.wantStatus)
			}
			if got := h.Get("Access-Control-Allow-Origin"); got != tt.wantACAO {
				t.Errorf("got Access-Control-Allow-Origin %q, want %q", got, tt.wantACAO)
			}
			if !slices.Contains(h.Values("Vary"), "Origin") {
				t.Errorf("got Vary %q, want Origin in it", h.Values("Vary"))
			}
			if got := h.Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("got Access-Control-Allow-Credentials %q, want none", got)
			}
			if tt.preflight && tt.wantACAO != "" {
				if got := h.Get("Access-Control-Allow-Headers"); !strings.Contains(strings.ToLower(got), "authorization") {
					t.Errorf("got Access-Control-Allow-Headers %q, want Authorization in it", got)
				}
				if got := h.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "GET") {
					t.Errorf("got Access-Control-Allow-Methods %q, want GET in it", got)
				}
				if got := h.Get("Access-Control-Max-Age"); got == "" {
					t.Error("no Access-Control-Max-Age on the preflight")
				}
			}
			if tt.preflight && tt.wantACAO == "" {
				for _, k := range []string{"Access-Control-Allow-Headers", "Access-Control-Allow-Methods"} {
					if got := h.Get(k); got != "" {
						t.Errorf("a refused preflight got %s %q", k, got)
					}
				}
			}
		})
	}
}

// TestNoCORSConfigured: with no allowed origins, even the would-be SPA
// origin gets no CORS header.
func TestNoCORSConfigured(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, func(c *api.Config) { c.AllowedOrigins = nil })
	r := httptest.NewRequest(http.MethodOptions, api.MessagesPath, nil)
	r.Header.Set("Origin", spaOrigin)
	r.Header.Set("Access-Control-Request-Method", "GET")
	w := httptest.NewRecorder()
	f.api.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("got %d with Access-Control-Allow-Origin %q, want 403 without", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
}
