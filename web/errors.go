package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/session"
)

// appError is a failure on its way to the user. Title and Message are safe
// to show; Err is for the log only and never reaches the page.
type appError struct {
	Status  int
	Title   string
	Message string
	// Check names the failed id_token rule, shown to help a developer.
	Check string
	Err   error
	// Description is the provider's error_description, cleaned for the
	// page (the template escapes it) and for the log.
	Description string
	// Report is a failed login, up to the step that failed; Diagnosis
	// explains that step, which is FailedStep on the page.
	Report     *reportView
	Diagnosis  *diagnosis
	FailedStep string
}

// fail is the one place that turns an error into a response: a page with
// a helpful message and the request id, and the details in the log.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, e appError) {
	level := slog.LevelWarn
	if e.Status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("request_id", requestID(r.Context())),
		// The client's address, resolved through trusted proxies only, so
		// a refused callback or a forged request is traceable.
		slog.String("client", clientOf(r.Context()).Addr),
		slog.Int("status", e.Status),
		slog.String("title", e.Title),
	}
	if e.Check != "" {
		attrs = append(attrs, slog.String("check", e.Check))
	}
	if e.Diagnosis != nil {
		attrs = append(attrs, slog.String("cause", e.Diagnosis.Cause))
	}
	if e.Description != "" {
		attrs = append(attrs, slog.String("error_description", e.Description))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("err", truncate(e.Err.Error(), maxLoggedError)))
	}
	s.log.LogAttrs(r.Context(), level, "request failed", attrs...)
	s.render(w, r, e.Status, "error", page{Title: e.Title, Data: e, storeDown: errors.Is(e.Err, session.ErrStoreUnavailable)})
}

// loginFailure maps an error from a login's callback to what the user
// sees. Every kind of auth failure has its own status and explanation.
func loginFailure(err error) appError {
	var authErr *auth.Error
	switch {
	case errors.Is(err, auth.ErrUnknownTransaction):
		return appError{Status: http.StatusUnauthorized, Title: "Sign-in link not valid here", Err: err,
			Message: "This sign-in response does not match a login started in this browser, or it was already used, or it is more than 10 minutes old. Nothing was exchanged. Start a new login."}
	case errors.Is(err, auth.ErrStoreUnavailable):
		return appError{Status: http.StatusServiceUnavailable, Title: "Sign-in temporarily unavailable", Err: err,
			Message: "The app could not record this sign-in as used, so it did not complete it. Nothing was exchanged. Wait a moment and start a new login."}
	case errors.Is(err, auth.ErrNotReady):
		return providerUnavailable(err)
	case errors.As(err, &authErr):
		return authFailure(authErr)
	default:
		return appError{Status: http.StatusInternalServerError, Title: "Sign-in failed", Err: err,
			Message: "Something went wrong finishing the sign-in. The server log has the details under this request id."}
	}
}

// explainLogin adds to a login's failure what the error page shows about
// it: the provider's error_description, the login's report up to the
// failed step, and the diagnosis of that step.
func (s *Server) explainLogin(ae appError, err error) appError {
	var e *auth.Error
	if !errors.As(err, &e) {
		return ae
	}
	ae.Description = cleanDescription(e.Description)
	if e.Report == nil {
		d := s.diagnose(e)
		ae.Diagnosis = &d
		return ae
	}
	ae.Report = s.reportView(e.Report, e, nil)
	for _, st := range ae.Report.Steps {
		if st.Diagnosis != nil {
			ae.Diagnosis, ae.FailedStep = st.Diagnosis, st.ID
		}
	}
	return ae
}

// maxDescription bounds the provider's error_description on the page and
// in the log.
const maxDescription = 300

// cleanDescription makes the provider's error_description fit to show:
// control characters and invalid UTF-8 replaced, at most 300 characters.
// The template escapes what is left.
func cleanDescription(d string) string {
	d = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(d, "\uFFFD"))
	if n := utf8.RuneCountInString(d); n > maxDescription {
		d = string([]rune(d)[:maxDescription]) + "…"
	}
	return strings.TrimSpace(d)
}

// authFailure explains a step of the login that failed (see auth.Error).
func authFailure(e *auth.Error) appError {
	switch {
	case e.Step == "callback" && e.Check == "iss":
		return appError{Status: http.StatusUnauthorized, Title: "Response from the wrong issuer", Err: e,
			Message: "The sign-in response did not carry this provider's issuer (RFC 9207), so it may come from another provider. Nothing was exchanged."}
	case e.Step == "callback" && e.Check == "error":
		return providerFailure(e)
	case e.Step == "callback":
		return appError{Status: http.StatusBadRequest, Title: "No authorization code", Err: e,
			Message: "The provider redirected back without a code or an error. Start a new login."}
	case e.Step == "token" && e.Code == "invalid_grant":
		return appError{Status: http.StatusUnauthorized, Title: "Code not accepted", Err: e,
			Message: "The provider refused the authorization code: it may have expired or been used already. Start a new login."}
	case e.Step == "token" && (e.Code == "invalid_client" || e.Code == "unauthorized_client"):
		return appError{Status: http.StatusBadGateway, Title: "Client not accepted by the provider", Err: e,
			Message: "The provider refused this app's client credentials. Check the client ID and secret in the configuration."}
	case e.Step == "token":
		return appError{Status: http.StatusBadGateway, Title: "Token request failed", Err: e,
			Message: "The provider's token endpoint did not answer with a usable token response. Try again later."}
	case e.Step == "id_token":
		return appError{Status: http.StatusUnauthorized, Title: "ID token rejected", Check: e.Check, Err: e,
			Message: "The ID token failed validation, so no session was created."}
	case e.Step == "userinfo":
		return appError{Status: http.StatusUnauthorized, Title: "Userinfo is about another user", Err: e,
			Message: "The userinfo response names a different subject than the ID token, so its claims cannot be trusted and no session was created."}
	default:
		return appError{Status: http.StatusInternalServerError, Title: "Sign-in failed", Err: e,
			Message: "Something went wrong finishing the sign-in. The server log has the details under this request id."}
	}
}

// providerFailure explains an error the provider sent back (RFC 6749 4.1.2.1).
func providerFailure(e *auth.Error) appError {
	ae := appError{Status: http.StatusBadRequest, Title: "The provider refused the sign-in", Err: e,
		Message: "The provider returned the error \u201c" + printableCode(e.Code) + "\u201d."}
	switch e.Code {
	case "access_denied":
		ae.Status = http.StatusUnauthorized
		ae.Message = "The sign-in was cancelled or this user is not assigned to the app (access_denied). In Okta, assign the user or a group to the app."
	case "login_required", "consent_required", "interaction_required":
		ae.Status = http.StatusUnauthorized
	case "server_error", "temporarily_unavailable":
		ae.Status = http.StatusBadGateway
		ae.Message += " Try again later."
	}
	return ae
}

// sessionFailure explains an error of the session Manager: a session
// store that does not answer (Redis down) is a 503 that says so, and the
// user only has to try again later; anything else is what the caller
// says, otherwise.
func sessionFailure(err error, otherwise appError) appError {
	if errors.Is(err, session.ErrStoreUnavailable) {
		return appError{Status: http.StatusServiceUnavailable, Title: "Session store unavailable", Err: err,
			Message: "The app cannot reach its session store right now, so it cannot tell who is signed in or record a sign-in. Nothing was changed. Wait a moment and try again."}
	}
	otherwise.Err = err
	return otherwise
}

// providerUnavailable explains that discovery has not succeeded yet.
func providerUnavailable(err error) appError {
	return appError{Status: http.StatusServiceUnavailable, Title: "Provider not reachable", Err: err,
		Message: "The app could not read the provider's discovery document yet. It keeps retrying; check that the issuer is right and reachable. The server log has the details."}
}

// printableCode returns an OAuth error code for display: it comes from the
// query string, so anything outside RFC 6749's error charset, or too long,
// is not repeated.
func printableCode(code string) string {
	if len(code) > 64 {
		return "(unreadable)"
	}
	for _, r := range code {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return "(unreadable)"
		}
	}
	return code
}

// maxLoggedError bounds an error in the log: some carry text from the
// provider (a JWKS or userinfo body), which a hostile provider controls.
const maxLoggedError = 1024

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…(truncated)"
}
