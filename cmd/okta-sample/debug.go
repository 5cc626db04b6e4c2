package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"
)

// listenDebug listens for the debug server, on a loopback address only:
// the profiler shows the program's internals, for nobody but this
// machine.
func listenDebug(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, configError{fmt.Errorf("-debug-addr %q: %w", addr, err)}
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, configError{fmt.Errorf("-debug-addr %q: must be a loopback address such as 127.0.0.1:6060", addr)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s for the debug server: %w", addr, err)
	}
	return ln, nil
}

// heapStats is what /debug/heap answers.
type heapStats struct {
	// HeapAlloc is the bytes of live heap objects after a collection.
	HeapAlloc   uint64 `json:"heap_alloc"`
	HeapObjects uint64 `json:"heap_objects"`
	// Sessions is how many sessions the store holds (in Redis, counted
	// with SCAN).
	Sessions   int `json:"sessions"`
	Goroutines int `json:"goroutines"`
}

// newDebugServer serves Go's profiler under /debug/pprof/ and, at
// /debug/heap, the live heap after a garbage collection with the number of
// sessions held: what cmd/okta-sample-load divides to report the memory
// of a session. It has no write timeout, so a 30-second CPU profile can
// finish.
func newDebugServer(sessions func(context.Context) (int, error), log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/heap", func(w http.ResponseWriter, r *http.Request) {
		// Twice: the first collection moves sync.Pool contents to their
		// victim caches, the second frees them.
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		n, err := sessions(r.Context())
		if err != nil {
			http.Error(w, "counting the sessions: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(heapStats{
			HeapAlloc:   ms.HeapAlloc,
			HeapObjects: ms.HeapObjects,
			Sessions:    n,
			Goroutines:  runtime.NumGoroutine(),
		}); err != nil {
			log.Debug("writing heap statistics", "err", err)
		}
	})
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
