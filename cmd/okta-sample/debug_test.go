package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/logbuf"
)

var debugURLRE = regexp.MustCompile(`msg="debug server" url=(http://127\.0\.0\.1:\d+)/debug/pprof/`)

func TestDebugServer(t *testing.T) {
	t.Parallel()
	a := startApp(t, nil, "-debug-addr", "127.0.0.1:0")
	m := debugURLRE.FindStringSubmatch(a.Logs.String())
	if m == nil {
		t.Fatalf("no debug server URL in the log:\n%s", a.Logs.String())
	}
	debugURL := m[1]
	heap := func() heapStats {
		t.Helper()
		resp, err := http.Get(debugURL + "/debug/heap")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var hs heapStats
		if err := json.NewDecoder(resp.Body).Decode(&hs); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("/debug/heap: %d, %v", resp.StatusCode, err)
		}
		return hs
	}
	if got := heap(); got.Sessions != 0 || got.HeapAlloc == 0 || got.HeapObjects == 0 {
		t.Errorf("before any login: got %+v, want 0 sessions and a live heap", got)
	}
	for range 2 {
		if p := newBrowser(t).login(a, aliceLogin, alicePassword); p.Status != http.StatusOK {
			t.Fatalf("login ended on %d", p.Status)
		}
	}
	if got := heap(); got.Sessions != 2 {
		t.Errorf("after two logins: got %d sessions, want 2", got.Sessions)
	}

	tests := []struct {
		name string
		url  string
		want int
	}{
		{"profiler index", debugURL + "/debug/pprof/", http.StatusOK},
		{"heap profile", debugURL + "/debug/pprof/heap", http.StatusOK},
		{"not on the app's port", a.URL + "/debug/pprof/", http.StatusNotFound},
		{"heap not on the app's port", a.URL + "/debug/heap", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("GET %s: got %d, want %d", tt.url, resp.StatusCode, tt.want)
			}
		})
	}
}

func TestDebugAddrMustBeLoopback(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:6060", "example.com:6060", "no-port"} {
		t.Run(addr, func(t *testing.T) {
			t.Parallel()
			var out, logs logbuf.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := run(ctx, []string{"-addr", "127.0.0.1:0", "-dev-addr", "127.0.0.1:0", "-debug-addr", addr},
				func(string) string { return "" }, &out, &logs)
			if !errors.Is(err, errConfig) {
				t.Errorf("got %v, want a configuration error", err)
			}
		})
	}
}
