package web

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Bounds of the store check behind /healthz. A load balancer may ask
// /healthz of every replica several times a second; the check runs at
// most once per healthTTL per replica, whatever the rate, so /healthz
// cannot turn into load on Redis, and it waits at most healthTimeout for
// an answer, so a Redis that hangs makes /healthz answer 503 promptly.
const (
	healthTTL     = time.Second
	healthTimeout = time.Second
)

// storeHealth caches the result of a check of the session store.
type storeHealth struct {
	check func(context.Context) error // nil: nothing to check
	now   func() time.Time

	// mu is held while a check runs, so that concurrent /healthz requests
	// wait for that one check instead of starting their own.
	mu      sync.Mutex
	checked time.Time
	err     error
}

// result returns the last check's error, checking again first when it is
// older than healthTTL.
func (h *storeHealth) result(ctx context.Context) error {
	if h.check == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if now := h.now(); h.checked.IsZero() || now.Sub(h.checked) >= healthTTL || now.Before(h.checked) {
		// Not the request's own context: a client that hangs up must not
		// make the cached result a failure.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthTimeout)
		h.err = h.check(ctx)
		cancel()
		h.checked = h.now()
	}
	return h.err
}

// handleHealth answers 200 once discovery has succeeded and the session
// store answers, so logins can be completed; 503 otherwise, with which
// one is missing.
func (s *Server) handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if _, err := s.provider.RelyingParty(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("provider not reachable yet\n")) // best effort; the status says it all
			return
		}
		if err := s.storeHealth.result(r.Context()); err != nil {
			// The reason goes to the log, not to whoever asks: it may name
			// an internal address.
			s.log.WarnContext(r.Context(), "health: session store not reachable", "err", truncate(err.Error(), maxLoggedError))
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("session store not reachable\n")) // best effort; the status says it all
			return
		}
		_, _ = w.Write([]byte("ok\n")) // best effort; the status says it all
	})
}
