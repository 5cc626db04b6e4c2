package web

import (
	"net/http"

	"github.com/okta-samples/okta-go-sample/internal/oktaorg"
)

// handleLoginCustomPage renders the Okta Sign-In Widget on the app's own
// page. The server starts the login exactly as the redirect flow does: a
// fresh transaction (state, nonce, PKCE verifier) in its own encrypted
// cookie, so each tab showing the page has its own pending login. Only the
// state, the nonce and the S256 challenge reach the page, in a JSON data
// block that the static login-custom.js reads; the verifier stays in the
// cookie.
//
// The widget runs in the mode that fits the org (see widgetMode). On
// Identity Engine it signs the user in through the IDX API, whatever the
// org's authentication policy asks (a second factor, say), and sends the
// browser to the callback with an interaction code; on Classic Engine it
// signs in with the Authentication API and sends the browser to
// /authorize with a session token, and the provider answers the callback
// with a code. The callback finishes both the same way (OIDC Core 3.1.3.7
// checks included).
func (s *Server) handleLoginCustomPage() http.Handler {
	type data struct {
		Issuer        string
		AuthnURL      string
		AppOrigin     string
		Ready         bool
		Mode          widgetMode
		NotOkta       bool
		MissingURL    string // what is not there, when NotOkta
		UntrustedApp  bool
		Notice        string
		Widget        *widgetConfig
		Local         bool
		WidgetVersion string
		ScriptURL     string
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := data{
			Issuer:        s.cfg.Issuer,
			AuthnURL:      s.authn.URL(),
			AppOrigin:     s.authn.AppOrigin(),
			Notice:        loginNotice(r.URL.Query().Get("notice")),
			Local:         s.widget.Local(),
			WidgetVersion: WidgetVersion,
			ScriptURL:     s.widget.urls().Script,
		}
		render := func() {
			s.render(w, r, http.StatusOK, "login-custom", page{Title: "Custom login", Nav: "login-custom", Data: d})
		}
		rp, err := s.provider.RelyingParty()
		if err != nil {
			render() // explains that the provider is not reachable yet
			return
		}
		d.Ready = true
		d.Mode = s.widgetMode(r.Context())
		if d.Mode.NotOkta() {
			d.NotOkta, d.MissingURL = true, d.Mode.OrgDocURL
			render() // says so and points to the redirect flow; no widget
			return
		}
		// Okta's Trusted Origins (CORS) cover the whole org, so the probe
		// of the Authentication API answers for the IDX API too.
		switch s.authn.Check(r.Context()) {
		case oktaorg.AuthnMissing:
			if !d.Mode.OIE {
				d.NotOkta, d.MissingURL = true, d.AuthnURL
				render() // the classic widget has nothing to call
				return
			}
		case oktaorg.AuthnUntrustedOrigin:
			d.UntrustedApp = true
		}

		login, err := rp.Begin(w, r, r.URL.Query().Get("return_to"))
		if err != nil {
			s.fail(w, r, appError{Status: http.StatusInternalServerError, Title: "Could not start the login", Err: err,
				Message: "The app could not create a login transaction."})
			return
		}
		d.Widget = &widgetConfig{
			Engine:              d.Mode.engine(),
			BaseURL:             s.cfg.OrgURL(),
			Issuer:              s.cfg.Issuer,
			ClientID:            s.cfg.ClientID,
			RedirectURI:         s.cfg.RedirectURI,
			Scopes:              login.Scopes,
			State:               login.State,
			Nonce:               login.Nonce,
			CodeChallenge:       login.CodeChallenge,
			CodeChallengeMethod: "S256",
			Language:            "en",
			Assets:              s.widget.urls(),
			HelpLinks:           s.widgetHelpLinks(),
		}
		// This page alone may load the widget's files and call the
		// provider's APIs from the browser.
		w.Header().Set("Content-Security-Policy", s.widgetCSP)
		render()
	})
}

// Notices the custom login page shows when another route sends the
// browser back to it, by the value of its notice parameter.
const noticeInteractionRequired = "interaction_required"

// loginNotice returns the custom login page's text for a notice
// parameter, or "" for any other value: the page never repeats what the
// query says.
func loginNotice(notice string) string {
	switch notice {
	case noticeInteractionRequired:
		return "The provider needs you to sign in on this page again before it can finish the last sign-in " +
			"(it answered “interaction_required”). This is a new login: the one before it is closed."
	}
	return ""
}

// widgetConfig is what login-custom.js passes to the Sign-In Widget. It
// is rendered into a <script type="application/json"> block, which
// html/template escapes as JSON and browsers never execute, so the page
// needs no inline script. It holds nothing secret: the client secret and
// the PKCE verifier never leave the server.
type widgetConfig struct {
	// Engine is the widget's mode: "oie" (Identity Engine, the interaction
	// code flow) or "classic" (the Authentication API).
	Engine string `json:"engine"`
	// BaseURL is the Okta org (oktaUrl), where the widget sends its
	// Authentication API calls; config makes sure it is the issuer's org.
	BaseURL     string   `json:"baseUrl"`
	Issuer      string   `json:"issuer"`
	ClientID    string   `json:"clientId"`
	RedirectURI string   `json:"redirectUri"`
	Scopes      []string `json:"scopes"`
	// State, Nonce and CodeChallenge come from this page's transaction,
	// so the callback can check what the provider sends back.
	State               string `json:"state"`
	Nonce               string `json:"nonce"`
	CodeChallenge       string `json:"codeChallenge"`
	CodeChallengeMethod string `json:"codeChallengeMethod"`
	// Language is set so the widget uses its built-in English labels
	// instead of fetching a translation for the browser's language.
	Language string          `json:"language"`
	Assets   widgetAssetURLs `json:"assets"`
	// HelpLinks replace the widget's "Help" and "Forgot password?" links,
	// in development mode only (see widgetHelpLinks).
	HelpLinks *widgetHelpLinks `json:"helpLinks,omitempty"`
}

// widgetHelpLinks is the widget's helpLinks option.
type widgetHelpLinks struct {
	Help           string `json:"help"`
	ForgotPassword string `json:"forgotPassword"`
}

// devHelpPath is the path, at the development provider's origin, of its
// sign-in help page: devprovider.HelpPagePath, which a test keeps equal.
// It is where an Okta org has its own.
const devHelpPath = "/help/login"

// widgetHelpLinks returns the widget's help links for this app. Against
// the development provider, which has no password reset, both lead to its
// help page, which says so and lists the demo users; without them,
// "Forgot password?" would start a reset the provider does not offer. With
// a real org it returns nil, so that the widget keeps its defaults: the
// org's help page and the org's own password reset.
func (s *Server) widgetHelpLinks() *widgetHelpLinks {
	if !s.cfg.Dev {
		return nil
	}
	help := s.cfg.OrgURL() + devHelpPath
	return &widgetHelpLinks{Help: help, ForgotPassword: help + "#forgot-password"}
}
