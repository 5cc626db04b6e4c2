package devprovider

import (
	"encoding/json"
	"log/slog"
	"net/http"
)

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, log *slog.Logger, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		log.Error("marshal JSON response", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeJSONBytes(w, log, status, body)
}

func writeJSONBytes(w http.ResponseWriter, log *slog.Logger, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		// The client went away; there is nobody left to tell.
		log.Debug("write response", "err", err)
	}
}

// oauthError is an OAuth 2.0 error response (RFC 6749 §5.2). description is
// shown to the client developer; it never contains a secret.
type oauthError struct {
	status      int
	code        string
	description string
	// basicChallenge adds WWW-Authenticate: Basic to a 401, as RFC 6749
	// §5.2 requires when the client tried HTTP Basic authentication.
	basicChallenge bool
}

// writeOAuthError is the one place the token endpoint turns an error into a
// response.
func (p *Provider) writeOAuthError(w http.ResponseWriter, e *oauthError) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if e.status == http.StatusUnauthorized && e.basicChallenge {
		h.Set("WWW-Authenticate", `Basic realm="devprovider", charset="UTF-8"`)
	}
	writeJSON(w, p.log, e.status, struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description,omitempty"`
	}{e.code, e.description})
}
