package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/okta-samples/okta-go-sample/api"
	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/session"
)

// maxAPIResponse bounds what the app reads of the API's answer.
const maxAPIResponse = 64 << 10

// apiResult is what templates/api.html shows: the call, what the API
// answered, and the access token's claims (never the token).
type apiResult struct {
	URL    string
	Status string
	// Refreshed says the access token was renewed for this call; Expiry
	// is when the one used expires, Leeway the margin that decided it.
	Refreshed bool
	Expiry    string
	Leeway    string
	Messages  []apiMessage
	// Problem explains a call that did not list the messages.
	Problem string
	// Claims are the access token's payload, decoded for reading; "" in
	// Opaque when the token is not a JWT.
	Claims []claimRow
	Opaque bool
}

// apiMessage is one message, as the API sends it.
type apiMessage struct {
	Date string `json:"date"`
	Text string `json:"text"`
}

// handleCallAPI is the profile's "Call the API" button: the server calls
// the resource server (GET /api/messages, or the configured messages URL)
// with the session's access token and shows what it answered and the
// token's claims; the token itself never reaches the browser.
//
// An access token that has expired, or expires within the leeway, is
// refreshed first with the session's refresh token (RFC 6749 6), and the
// rotated refresh token is stored; session.Manager.RefreshTokens makes
// concurrent calls of one session (in this process, or on replicas that
// share Redis) refresh once. When the provider refuses the refresh token
// (invalid_grant: expired, revoked, or used twice, which makes Okta revoke
// the whole chain), the session ends and the page says why.
func (s *Server) handleCallAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := s.sessions.Current(r)
		if err != nil {
			s.fail(w, r, sessionFailure(err, appError{Status: http.StatusInternalServerError, Title: "Could not read the session",
				Message: "Your session could not be read. Log out and sign in again."}))
			return
		}
		if !ok {
			http.Redirect(w, r, pathLogin+"?return_to="+pathProfile, http.StatusSeeOther)
			return
		}
		tokens := u.Tokens()
		if tokens.AccessToken == "" {
			s.fail(w, r, appError{Status: http.StatusConflict, Title: "No access token in this session",
				Message: "This session was made before the app kept access tokens. Log out and sign in again."})
			return
		}
		res := apiResult{URL: s.messagesURL(), Leeway: s.cfg.Leeway.String()}
		if tokens.ExpiresWithin(s.now(), s.cfg.Leeway) {
			renewed, ok := s.refresh(w, r, u, tokens)
			if !ok {
				return
			}
			res.Refreshed = renewed.AccessToken != tokens.AccessToken
			tokens = renewed
		}
		if !tokens.AccessTokenExpiry.IsZero() {
			res.Expiry = tokens.AccessTokenExpiry.UTC().Format(time.RFC3339)
		}
		res.Claims, res.Opaque = tokenClaims(tokens.AccessToken)
		s.callAPI(r.Context(), tokens.AccessToken, &res)
		s.render(w, r, http.StatusOK, "api", page{Title: "The API", Nav: "profile", Data: res})
	})
}

// refresh renews the session's tokens, or answers the request itself and
// reports false.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request, u session.User, seen session.Tokens) (session.Tokens, bool) {
	if seen.RefreshToken == "" {
		s.fail(w, r, appError{Status: http.StatusUnauthorized, Title: "The access token has expired",
			Message: "The session's access token has expired and the session has no refresh token to renew it (the app asks for one with the offline_access scope). Log out and sign in again."})
		return session.Tokens{}, false
	}
	rp, err := s.provider.RelyingParty()
	if err != nil {
		s.fail(w, r, providerUnavailable(err))
		return session.Tokens{}, false
	}
	tokens, err := s.sessions.RefreshTokens(r.Context(), r, seen.AccessToken, func(ctx context.Context, cur session.Tokens) (session.Tokens, error) {
		id, err := rp.Refresh(ctx, cur.RefreshToken, u.Subject())
		if err != nil {
			return session.Tokens{}, err
		}
		s.log.InfoContext(ctx, "access token refreshed", "request_id", requestID(ctx), "sub", u.Subject())
		return session.Tokens{AccessToken: id.AccessToken, RefreshToken: id.RefreshToken, AccessTokenExpiry: id.AccessTokenExpiry}, nil
	})
	var authErr *auth.Error
	switch {
	case err == nil:
		return tokens, true
	case errors.Is(err, session.ErrNoSession):
		// Ended meanwhile, by another request or a logout.
		http.Redirect(w, r, pathLogin+"?return_to="+pathProfile, http.StatusSeeOther)
	case errors.As(err, &authErr) && authErr.Step == "refresh" && authErr.Code == "invalid_grant":
		// The refresh token is dead, and with it the session: end it
		// here too, rather than leave a session that cannot call the API.
		if _, serr := s.sessions.SignOut(w, r); serr != nil {
			s.fail(w, r, sessionFailure(serr, appError{Status: http.StatusInternalServerError, Title: "Could not end the session"}))
			return session.Tokens{}, false
		}
		s.fail(w, r, appError{Status: http.StatusUnauthorized, Title: "Your session has ended", Err: err,
			Message: "The provider refused this session's refresh token (invalid_grant): it has expired, or was revoked, or was used a second time, " +
				"which makes the provider revoke every token of the session. You are signed out of this app; sign in again."})
	case errors.As(err, &authErr):
		s.fail(w, r, appError{Status: http.StatusBadGateway, Title: "The access token could not be refreshed", Err: err, Check: authErr.Check,
			Message: "The provider did not renew the access token. Try again later; the server log has the details."})
	default:
		s.fail(w, r, sessionFailure(err, appError{Status: http.StatusInternalServerError, Title: "The access token could not be refreshed",
			Message: "The renewed tokens could not be saved in the session. Try again."}))
	}
	return session.Tokens{}, false
}

// messagesURL is the API the button calls: the configured messages URL,
// or this app's own route on the address it listens on, so that the call
// does not depend on how the public URL resolves from the server.
func (s *Server) messagesURL() string {
	if s.cfg.MessagesURL != "" {
		return s.cfg.MessagesURL
	}
	host, port, err := net.SplitHostPort(s.cfg.Addr)
	if err != nil {
		return s.cfg.MessagesEndpoint()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + api.MessagesPath
}

// callAPI calls the API with the access token and puts what it answered
// into res. The token goes in the Authorization header only.
func (s *Server) callAPI(ctx context.Context, accessToken string, res *apiResult) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, res.URL, nil)
	if err != nil {
		res.Problem = "The messages URL is not usable."
		return
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := s.apiClient.Do(req)
	if err != nil {
		s.log.WarnContext(ctx, "calling the API", "request_id", requestID(ctx), "url", res.URL, "err", err)
		res.Status, res.Problem = "no answer", "The API did not answer; the server log has the details."
		return
	}
	defer resp.Body.Close()
	res.Status = resp.Status
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIResponse+1))
	if err != nil || len(body) > maxAPIResponse {
		res.Problem = "The API's answer could not be read, or was larger than 64 KiB."
		return
	}
	if resp.StatusCode != http.StatusOK {
		res.Problem = "The API refused the call: " + printableChallenge(resp.Header.Get("WWW-Authenticate"))
		return
	}
	var data struct {
		Messages []apiMessage `json:"messages"`
	}
	if err := json.Unmarshal(body, &data); err != nil {
		res.Problem = "The API's answer is not the JSON Okta's samples expect ({\"messages\": [...]})."
		return
	}
	res.Messages = data.Messages
}

// printableChallenge is a WWW-Authenticate value for the page, or a note
// when there is none or it holds anything unprintable.
func printableChallenge(v string) string {
	if v == "" {
		return "no WWW-Authenticate challenge."
	}
	if len(v) > 300 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		return "an unreadable challenge."
	}
	return v
}

// tokenClaims decodes the payload of a JWT access token for display, as
// jwt.io would: decoding is not validation (the API validates it), and
// the token itself is never shown. An opaque token has no claims to show.
func tokenClaims(token string) ([]claimRow, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, true
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, true
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, true
	}
	names := make([]string, 0, len(claims))
	for n := range claims {
		names = append(names, n)
	}
	slices.Sort(names)
	rows := make([]claimRow, 0, len(names))
	for _, n := range names {
		rows = append(rows, claimRow{Name: n, Value: claimText(n, claims[n])})
	}
	return rows, false
}

// claimText shows a claim's value: a string as it is, times also as
// dates, anything else as JSON.
func claimText(name string, v json.RawMessage) string {
	var str string
	if err := json.Unmarshal(v, &str); err == nil {
		return str
	}
	switch name {
	case "exp", "iat", "nbf", "auth_time":
		var secs float64
		if err := json.Unmarshal(v, &secs); err == nil {
			return fmt.Sprintf("%s (%s)", string(v), time.Unix(int64(secs), 0).UTC().Format(time.RFC3339))
		}
	}
	return string(v)
}
