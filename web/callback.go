package web

import (
	"errors"
	"net/http"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/session"
)

// handleCallback finishes a login when the provider sends the browser
// back. In order:
//
//  1. auth.Finish does every check of the login: it takes this browser's
//     pending login for the state (single use; unknown: 401, and no
//     token request), checks iss (RFC 9207), an error from the provider
//     and the code; exchanges the code; validates the id_token; reads
//     userinfo.
//  2. Store the profile in a new server-side session (renewed id).
//  3. Redirect to a clean URL, so the code and state leave the address
//     bar and history (RFC 9700 4.2.4).
//
// Two answers of Okta Identity Engine are not a finished login: an email
// magic link (otp=…), which this sample does not handle (see
// magicLinkNotHandled), and error=interaction_required, which asks for the
// Sign-In Widget again (see widgetAgain).
func (s *Server) handleCallback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("otp") {
			s.fail(w, r, magicLinkNotHandled())
			return
		}
		rp, err := s.provider.RelyingParty()
		if err != nil {
			s.fail(w, r, providerUnavailable(err))
			return
		}
		id, err := rp.Finish(r.Context(), w, r)
		if widgetAgain(err) {
			http.Redirect(w, r, pathLoginCustom+"?notice="+noticeInteractionRequired, http.StatusFound)
			return
		}
		if err != nil {
			s.fail(w, r, s.explainLogin(loginFailure(err), err))
			return
		}

		sid, _ := id.IDTokenClaims["sid"].(string)
		profile := session.Profile{
			Subject: id.Subject,
			SID:     sid,
			Claims:  id.Claims(),
			IDToken: id.RawIDToken,
			// Kept for logout's revocation (RFC 7009) and the API calls;
			// never shown.
			AccessToken:  id.AccessToken,
			RefreshToken: id.RefreshToken,
			// When to refresh it, for the API calls (handleCallAPI).
			AccessTokenExpiry: id.AccessTokenExpiry,
			SignedInAt:        s.now().UTC(),
			Report:            id.Report,
		}
		if id.UserInfoErr != nil {
			profile.UserInfoNote = "The userinfo endpoint could not be read, so only the ID token's claims are shown."
			s.log.WarnContext(r.Context(), "userinfo unavailable; continuing with id_token claims",
				"request_id", requestID(r.Context()), "err", truncate(id.UserInfoErr.Error(), maxLoggedError))
		}
		if err := s.sessions.SignIn(w, r, profile); err != nil {
			s.fail(w, r, sessionFailure(err, appError{Status: http.StatusInternalServerError, Title: "Could not save the session",
				Message: "The sign-in succeeded but the session could not be saved. Try again."}))
			return
		}
		s.log.InfoContext(r.Context(), "signed in", "request_id", requestID(r.Context()), "sub", id.Subject, "flow", loginFlow(id))
		returnTo := id.ReturnTo // a same-origin path, checked by auth
		if returnTo == "" {
			returnTo = pathProfile
		}
		http.Redirect(w, r, returnTo, http.StatusFound)
	})
}

// loginFlow names the way a login went, for the log: "redirect" (the
// provider's hosted page), "widget-classic" (the Sign-In Widget with the
// Authentication API) or "widget-oie" (the widget's interaction code
// flow on Identity Engine).
func loginFlow(id *auth.Identity) string { return reportFlow(id.Grant, id.StartPath) }

// widgetAgain reports whether Finish failed because the provider answered
// error=interaction_required: Okta Identity Engine asks the app to show
// the Sign-In Widget again, for instance after a sign-in at another
// identity provider. The transaction is spent by then, so the custom
// login page starts a new login and says why.
func widgetAgain(err error) bool {
	var ae *auth.Error
	return errors.As(err, &ae) && ae.Step == "callback" && ae.Check == "error" && ae.Code == "interaction_required"
}

// magicLinkNotHandled explains a callback with an otp parameter: the link
// of an Okta email (magic link) that carries a one-time code. Okta's
// embedded SDKs resume the Identity Engine interaction with it; this
// sample does not, so it says so, and does not touch the browser's
// pending logins, which can still be finished where they started. The
// code is never repeated or logged.
func magicLinkNotHandled() appError {
	return appError{Status: http.StatusBadRequest, Title: "Email magic links are not supported",
		Err: errors.New("callback with an otp parameter (an email magic link)"),
		Message: "This link came from a sign-in email (an Okta magic link). This sample app does not handle email magic links. " +
			"Go back to the tab where you started signing in and type the code from the email there, " +
			"or start a new login and choose another way to verify."}
}
