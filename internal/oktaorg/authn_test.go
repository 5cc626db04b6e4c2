package oktaorg

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const testAppOrigin = "http://localhost:8080"

// untilAnswered is a probe wait longer than any test runs: check returns
// the probe's own answer, however slow the machine, instead of "unknown"
// after probeWait.
const untilAnswered = time.Hour

func TestAuthnProbe(t *testing.T) {
	oktaError := func(w http.ResponseWriter, status int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"errorCode":"E0000001","errorSummary":"Api validation failed: authRequest"}`) // test server
	}
	trustApp := func(w http.ResponseWriter) {
		w.Header().Set("Access-Control-Allow-Origin", testAppOrigin)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.WriteHeader(http.StatusNoContent)
	}
	tests := []struct {
		name    string
		post    func(w http.ResponseWriter)
		options func(w http.ResponseWriter)
		want    AuthnSupport
	}{
		{"Okta, trusted origin", func(w http.ResponseWriter) { oktaError(w, 400) }, trustApp, AuthnAvailable},
		{"Okta, 401 answer", func(w http.ResponseWriter) { oktaError(w, 401) }, trustApp, AuthnAvailable},
		{"Okta, untrusted origin", func(w http.ResponseWriter) { oktaError(w, 400) },
			func(w http.ResponseWriter) { w.WriteHeader(http.StatusForbidden) }, AuthnUntrustedOrigin},
		{"Okta, wildcard origin", func(w http.ResponseWriter) { oktaError(w, 400) },
			func(w http.ResponseWriter) { w.Header().Set("Access-Control-Allow-Origin", "*"); w.WriteHeader(204) }, AuthnUntrustedOrigin},
		{"404", func(w http.ResponseWriter) { http.NotFound(w, nil) }, trustApp, AuthnMissing},
		{"405", func(w http.ResponseWriter) { w.WriteHeader(http.StatusMethodNotAllowed) }, trustApp, AuthnMissing},
		{"redirect to a login page", func(w http.ResponseWriter) {
			w.Header().Set("Location", "/login")
			w.WriteHeader(http.StatusFound)
		}, trustApp, AuthnMissing},
		{"HTML catch-all", func(w http.ResponseWriter) { _, _ = io.WriteString(w, "<html>app</html>") }, trustApp, AuthnMissing},
		{"5xx without Okta body", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, trustApp, AuthnUnknown},
		{"Okta 5xx, preflight fails", func(w http.ResponseWriter) { oktaError(w, 400) },
			func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) }, AuthnUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var posts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path != "/api/v1/authn":
					http.NotFound(w, r)
				case r.Method == http.MethodPost:
					posts.Add(1)
					if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Origin") != "" {
						t.Errorf("probe POST: Content-Type %q, Origin %q", r.Header.Get("Content-Type"), r.Header.Get("Origin"))
					}
					tt.post(w)
				case r.Method == http.MethodOptions:
					if r.Header.Get("Origin") != testAppOrigin || r.Header.Get("Access-Control-Request-Method") != "POST" {
						t.Errorf("preflight Origin %q method %q", r.Header.Get("Origin"), r.Header.Get("Access-Control-Request-Method"))
					}
					tt.options(w)
				default:
					w.WriteHeader(http.StatusMethodNotAllowed)
				}
			}))
			defer srv.Close()
			p := NewAuthnProbe(srv.Client(), srv.URL+"/", testAppOrigin+"/", time.Now, slog.New(slog.DiscardHandler))
			p.answers.wait = untilAnswered
			if got := p.Check(context.Background()); got != tt.want {
				t.Fatalf("Check: got %v, want %v", got, tt.want)
			}
			// A definite answer is kept; an unknown one is retried later, not at once.
			if got := p.Check(context.Background()); got != tt.want {
				t.Errorf("second Check: got %v, want %v", got, tt.want)
			}
			if n := posts.Load(); n != 1 {
				t.Errorf("provider probed %d times, want once", n)
			}
		})
	}
}

// TestAuthnProbeDoesNotHoldThePage checks that a page does not wait for a
// hanging provider once its request has ended or its wait is over, and
// that the probe still finishes in the background, once, for every page.
// The provider hangs until the test releases it, so nothing depends on
// how fast the machine is.
func TestAuthnProbeDoesNotHoldThePage(t *testing.T) {
	var posts atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		<-release
		http.NotFound(w, r)
	}))
	defer srv.Close()
	unblock := sync.OnceFunc(func() { close(release) })
	defer unblock() // before srv.Close, which waits for the handler
	p := NewAuthnProbe(srv.Client(), srv.URL, testAppOrigin, time.Now, slog.New(slog.DiscardHandler))

	gone, cancel := context.WithCancel(context.Background())
	cancel()
	p.answers.wait = untilAnswered
	if got := p.Check(gone); got != AuthnUnknown {
		t.Errorf("Check for a request that has ended: got %v, want unknown at once", got)
	}
	p.answers.wait = 0
	if got := p.Check(context.Background()); got != AuthnUnknown {
		t.Errorf("Check with its wait over: got %v, want unknown", got)
	}

	unblock()
	p.answers.wait = untilAnswered
	if got := p.Check(context.Background()); got != AuthnMissing {
		t.Errorf("Check once the provider answers: got %v, want missing", got)
	}
	if n := posts.Load(); n != 1 {
		t.Errorf("provider probed %d times, want once: later checks join the running probe", n)
	}
}

func TestAuthnProbeRetriesAfterInconclusive(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	now := time.Now()
	clock := func() time.Time { return now }
	p := NewAuthnProbe(srv.Client(), srv.URL, testAppOrigin, clock, slog.New(slog.DiscardHandler))
	p.answers.wait = untilAnswered
	if got := p.Check(context.Background()); got != AuthnUnknown {
		t.Fatalf("first Check: got %v, want unknown", got)
	}
	fail.Store(false)
	if got := p.Check(context.Background()); got != AuthnUnknown {
		t.Errorf("Check before the retry time: got %v, want unknown (no new probe yet)", got)
	}
	now = now.Add(probeRetry + time.Second)
	if got := p.Check(context.Background()); got != AuthnMissing {
		t.Errorf("Check after the retry time: got %v, want missing", got)
	}
}

func TestAuthnProbeURL(t *testing.T) {
	for _, tt := range []struct{ org, app, wantURL, wantOrigin string }{
		{"https://dev-1.okta.com", "http://localhost:8080/", "https://dev-1.okta.com/api/v1/authn", "http://localhost:8080"},
		{"https://dev-1.okta.com/", "http://localhost:8080", "https://dev-1.okta.com/api/v1/authn", "http://localhost:8080"},
		{"http://127.0.0.1:8081/prefix", "https://app.example.com/", "http://127.0.0.1:8081/prefix/api/v1/authn", "https://app.example.com"},
	} {
		p := NewAuthnProbe(http.DefaultClient, tt.org, tt.app, nil, nil)
		if p.URL() != tt.wantURL || p.AppOrigin() != tt.wantOrigin {
			t.Errorf("NewAuthnProbe(%q, %q): got URL %q and origin %q, want %q and %q", tt.org, tt.app, p.URL(), p.AppOrigin(), tt.wantURL, tt.wantOrigin)
		}
	}
}

// TestAuthnProbeRechecksAnUntrustedOrigin checks that an untrusted origin
// is asked again after a while, since an administrator may add it to the
// Trusted Origins while the app runs, and that a definite answer is kept.
func TestAuthnProbeRechecksAnUntrustedOrigin(t *testing.T) {
	var trusted atomic.Bool
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"errorCode":"E0000001"}`) // test server
			return
		}
		if trusted.Load() {
			w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	now := time.Now()
	p := NewAuthnProbe(srv.Client(), srv.URL, testAppOrigin, func() time.Time { return now }, nil)
	p.answers.wait = untilAnswered
	if got := p.Check(context.Background()); got != AuthnUntrustedOrigin {
		t.Fatalf("first Check: got %v, want untrusted origin", got)
	}
	trusted.Store(true)
	if got := p.Check(context.Background()); got != AuthnUntrustedOrigin {
		t.Errorf("Check before the recheck time: got %v, want the cached untrusted origin", got)
	}
	now = now.Add(authnRecheck + time.Second)
	if got := p.Check(context.Background()); got != AuthnAvailable {
		t.Errorf("Check after the recheck time: got %v, want available", got)
	}
	now = now.Add(24 * time.Hour)
	if got := p.Check(context.Background()); got != AuthnAvailable {
		t.Errorf("Check a day later: got %v, want available", got)
	}
	if n := posts.Load(); n != 2 {
		t.Errorf("provider probed %d times, want 2 (first answer, one recheck)", n)
	}
}
