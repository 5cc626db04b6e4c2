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
// cookie. The widget signs the user in with Okta's Authentication API and
// sends the browser to /authorize with them; the callback then finishes
// the login like any other (OIDC Core 3.1.3.7 checks included).
func (s *Server) handleLoginCustomPage() http.Handler {
	type data struct {
		Issuer        string
		AuthnURL      string
		AppOrigin     string
		Ready         bool
		NotOkta       bool
		UntrustedApp  bool
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
		switch s.authn.Check(r.Context()) {
		case oktaorg.AuthnMissing:
			d.NotOkta = true
			render() // says so and points to the redirect flow; no widget
			return
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
			BaseURL:             s.cfg.OrgURL(),
			Issuer:              s.cfg.Issuer,
			ClientID:            s.cfg.ClientID,
			RedirectURI:         s.cfg.RedirectURI,
			Scopes:              rp.Scopes(),
			State:               login.State,
			Nonce:               login.Nonce,
			CodeChallenge:       login.CodeChallenge,
			CodeChallengeMethod: "S256",
			Language:            "en",
			Assets:              s.widget.urls(),
		}
		// This page alone may load the widget's files and call the
		// provider's Authentication API from the browser.
		w.Header().Set("Content-Security-Policy", s.widgetCSP)
		render()
	})
}

// widgetConfig is what login-custom.js passes to the Sign-In Widget. It
// is rendered into a <script type="application/json"> block, which
// html/template escapes as JSON and browsers never execute, so the page
// needs no inline script. It holds nothing secret: the client secret and
// the PKCE verifier never leave the server.
type widgetConfig struct {
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
}
