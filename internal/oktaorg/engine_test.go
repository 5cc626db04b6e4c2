package oktaorg

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

func TestEngineProbe(t *testing.T) {
	doc := func(body string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body) // test server
		}
	}
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   Engine
	}{
		{"Identity Engine", doc(`{"id":"00o1","pipeline":"idx","_links":{}}`), EngineIdentity},
		{"Classic Engine", doc(`{"id":"00o1","pipeline":"v1"}`), EngineClassic},
		{"charset parameter", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = io.WriteString(w, `{"pipeline":"idx"}`) // test server
		}, EngineIdentity},
		{"no document (Dex, Keycloak)", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }, EngineNotOkta},
		{"redirect to a login page", func(w http.ResponseWriter) {
			w.Header().Set("Location", "/login")
			w.WriteHeader(http.StatusFound)
		}, EngineNotOkta},
		{"HTML catch-all", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, `<html>{"pipeline":"idx"}</html>`) // test server
		}, EngineNotOkta},
		{"JSON without pipeline", doc(`{"issuer":"x"}`), EngineNotOkta},
		{"not JSON", doc(`pipeline=idx`), EngineNotOkta},
		{"too large", doc(`{"pipeline":"idx","pad":"` + strings.Repeat("x", maxProbeBody) + `"}`), EngineNotOkta},
		{"5xx", func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, EngineUnknown},
		{"an engine this app does not know", doc(`{"pipeline":"v9"}`), EngineUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gets atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/.well-known/okta-organization" || r.Method != http.MethodGet {
					t.Errorf("probe asked %s %s", r.Method, r.URL.Path)
					http.NotFound(w, r)
					return
				}
				gets.Add(1)
				tt.answer(w)
			}))
			defer srv.Close()
			p := NewEngineProbe(srv.Client(), srv.URL+"/", nil, nil)
			p.answers.wait = untilAnswered
			if got := p.Check(context.Background()); got != tt.want {
				t.Fatalf("Check: got %v, want %v", got, tt.want)
			}
			// A definite answer is kept; an inconclusive one is asked again
			// later, not at once.
			if got := p.Check(context.Background()); got != tt.want {
				t.Errorf("second Check: got %v, want %v", got, tt.want)
			}
			if n := gets.Load(); n != 1 {
				t.Errorf("organization document read %d times, want once", n)
			}
		})
	}
}

// TestEngineProbeDevProvider reads the development provider's document in
// both of its engines, so the probe and the provider agree on the format.
func TestEngineProbeDevProvider(t *testing.T) {
	for _, tt := range []struct {
		engine devprovider.Engine
		want   Engine
	}{
		{devprovider.EngineIdentity, EngineIdentity},
		{devprovider.EngineClassic, EngineClassic},
		{"", EngineIdentity}, // the provider's default
	} {
		t.Run(string(tt.engine), func(t *testing.T) {
			var handler atomic.Pointer[http.Handler]
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }))
			defer srv.Close()
			prov, err := devprovider.New(devprovider.Config{
				Issuer:        srv.URL + "/oauth2/default",
				Clients:       []devprovider.Client{{ID: "c", Secret: "s", RedirectURIs: []string{"http://localhost:8080/cb"}}},
				Engine:        tt.engine,
				NewSigningKey: (&testkeys.Source{}).Next,
			})
			if err != nil {
				t.Fatal(err)
			}
			var h http.Handler = prov
			handler.Store(&h)
			p := NewEngineProbe(srv.Client(), srv.URL, nil, nil)
			p.answers.wait = untilAnswered
			if got := p.Check(context.Background()); got != tt.want {
				t.Errorf("Check: got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEngineProbeRetriesAfterInconclusive checks that a provider that is
// down is asked again after the retry time, and not before: pages never
// hammer it.
func TestEngineProbeRetriesAfterInconclusive(t *testing.T) {
	var down atomic.Bool
	var gets atomic.Int32
	down.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		if down.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"pipeline":"idx"}`) // test server
	}))
	defer srv.Close()
	now := time.Now()
	p := NewEngineProbe(srv.Client(), srv.URL, func() time.Time { return now }, nil)
	p.answers.wait = untilAnswered
	if got := p.Check(context.Background()); got != EngineUnknown {
		t.Fatalf("first Check: got %v, want unknown", got)
	}
	down.Store(false)
	for range 5 {
		if got := p.Check(context.Background()); got != EngineUnknown {
			t.Fatalf("Check before the retry time: got %v, want unknown (no new probe yet)", got)
		}
	}
	if n := gets.Load(); n != 1 {
		t.Errorf("provider asked %d times before the retry time, want once", n)
	}
	now = now.Add(probeRetry + time.Second)
	if got := p.Check(context.Background()); got != EngineIdentity {
		t.Errorf("Check after the retry time: got %v, want Identity Engine", got)
	}
	now = now.Add(24 * time.Hour)
	if got := p.Check(context.Background()); got != EngineIdentity {
		t.Errorf("Check a day later: got %v, want Identity Engine, kept", got)
	}
	if n := gets.Load(); n != 2 {
		t.Errorf("provider asked %d times, want 2", n)
	}
}

// TestEngineProbeNetworkError: nothing listens at the org; the answer is
// inconclusive, never "not Okta", which would hide the widget for good.
func TestEngineProbeNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	p := NewEngineProbe(&http.Client{Timeout: 5 * time.Second}, url, nil, nil)
	p.answers.wait = untilAnswered
	if got := p.Check(context.Background()); got != EngineUnknown {
		t.Errorf("Check: got %v, want unknown", got)
	}
	if want := url + "/.well-known/okta-organization"; p.URL() != want {
		t.Errorf("URL: got %q, want %q", p.URL(), want)
	}
}
