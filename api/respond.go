package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// realm names the protection space in every challenge (RFC 6750 3).
const realm = "api"

// failure is a refused request: what the client is told, and for the log
// the rule that failed and the library's error. description is one of
// this package's constant sentences, never text from the request, so it
// can go into a quoted header parameter as it is (RFC 6750 3: no '"' or
// '\').
type failure struct {
	status      int
	code        string // RFC 6750 3.1 error code; "" for a request without credentials
	description string
	scope       string // for insufficient_scope
	rule        string // for the log
	err         error  // for the log; never holds the token
}

// refuse logs f and answers it. The log line carries the request id that
// the app's middleware put on the response, so it matches the access
// log's line for the same request.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, f *failure) {
	attrs := []slog.Attr{
		slog.String("request_id", w.Header().Get("X-Request-Id")),
		slog.Int("status", f.status),
		slog.String("rule", f.rule),
	}
	if f.err != nil {
		attrs = append(attrs, slog.String("err", f.err.Error()))
	}
	level := slog.LevelInfo
	if f.status >= 500 {
		level = slog.LevelWarn
	}
	s.log.LogAttrs(r.Context(), level, "api: request refused", attrs...)
	writeError(w, *f)
}

// writeError answers f: the challenge for 401 and 403 (RFC 6750 3), and
// a JSON body with the same error code and description.
func writeError(w http.ResponseWriter, f failure) {
	h := w.Header()
	switch f.status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusBadRequest:
		challenge := `Bearer realm="` + realm + `"`
		if f.code != "" {
			challenge += `, error="` + f.code + `", error_description="` + f.description + `"`
		}
		if f.scope != "" {
			challenge += `, scope="` + f.scope + `"`
		}
		h.Set("WWW-Authenticate", challenge)
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "5")
	}
	code := f.code
	if code == "" {
		code = "unauthorized"
	}
	writeJSON(w, f.status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{code, f.description})
}

// message is one message as Okta's front-end samples read it.
type message struct {
	Date string `json:"date"`
	Text string `json:"text"`
}

// writeMessages answers the messages. The dates are RFC 3339 strings,
// which JavaScript's new Date() parses, rather than the seconds since the
// epoch that Okta's Go resource server sends and the front ends read as
// milliseconds (a date in January 1970).
func (s *Server) writeMessages(w http.ResponseWriter) {
	now := s.now().UTC().Truncate(time.Second)
	writeJSON(w, http.StatusOK, struct {
		Messages []message `json:"messages"`
	}{[]message{
		{Date: now.Format(time.RFC3339), Text: "I am a robot."},
		{Date: now.Add(-time.Hour).Format(time.RFC3339), Text: "Hello, world!"},
	}})
}

// writeJSON writes v with its headers set before the status: a
// Content-Type set after WriteHeader is silently lost.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// The values above always marshal; this cannot happen.
		status, body = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client has gone; nothing left to tell it
}
