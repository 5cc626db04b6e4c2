package devprovider

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
)

// assets holds the page templates and the stylesheet. An embed.FS is
// read-only, so this is not mutable package state.
//
//go:embed templates/*.html static/*.css
var assets embed.FS

// pages are the provider's HTML pages, parsed once at start-up.
type pages struct {
	login      *template.Template
	otp        *template.Template // the one-time code after the password
	switchUser *template.Template // confirm signing in as someone else
	totp       *template.Template // dev-only: the demo users' current codes
	message    *template.Template
	static     http.Handler
}

func parsePages() (*pages, error) {
	pg := &pages{}
	for _, t := range []struct {
		dst  **template.Template
		name string
	}{
		{&pg.login, "login"}, {&pg.otp, "otp"}, {&pg.switchUser, "switchuser"}, {&pg.totp, "totp"},
		{&pg.message, "message"},
	} {
		parsed, err := template.ParseFS(assets, "templates/layout.html", "templates/"+t.name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s template: %w", t.name, err)
		}
		*t.dst = parsed
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	pg.static = http.FileServerFS(static)
	return pg, nil
}

// loginView is the data of the hosted sign-in page.
type loginView struct {
	Stylesheet string
	Action     string
	RequestID  string // the server-side pending authorize request
	ClientID   string
	Username   string
	Error      string
	DemoHint   bool   // show the public demo credentials
	TOTPPage   string // the dev-only page with the demo codes, if served
}

// messageView is the data of an error or information page.
type messageView struct {
	Stylesheet string
	Title      string
	Message    string
}

// stylesheet is the URL path of the pages' CSS.
func (p *Provider) stylesheet() string { return p.issuerPath + "/static/provider.css" }

// renderLogin renders the sign-in page. redirectURI is where the browser
// will be sent after a successful sign-in; CSP form-action must allow it
// because browsers apply form-action to redirects that follow a form
// submission.
func (p *Provider) renderLogin(w http.ResponseWriter, status int, v loginView, redirectURI string) {
	v.Action = p.issuerPath + "/v1/login"
	v.TOTPPage = p.TOTPPageURL()
	p.renderLoginPage(w, status, p.pages.login, v, redirectURI)
}

// renderLoginPage renders one of the sign-in steps, whose form submission
// may end in a redirect to redirectURI.
func (p *Provider) renderLoginPage(w http.ResponseWriter, status int, t *template.Template, v loginView, redirectURI string) {
	v.Stylesheet = p.stylesheet()
	v.DemoHint = p.demoUsers
	p.renderHTML(w, status, t, v, formActionFor(redirectURI))
}

// formActionFor is the CSP form-action source that lets a form's redirect
// reach redirectURI, with a leading space, or "".
func formActionFor(redirectURI string) string {
	if u, err := url.Parse(redirectURI); err == nil && u.Scheme != "" && u.Host != "" {
		return " " + u.Scheme + "://" + u.Host
	}
	return ""
}

// renderMessage renders an error or information page. title and msg are for
// the user: never pass an error's text or a secret.
func (p *Provider) renderMessage(w http.ResponseWriter, status int, title, msg string) {
	p.renderHTML(w, status, p.pages.message, messageView{Stylesheet: p.stylesheet(), Title: title, Message: msg}, "")
}

func (p *Provider) renderHTML(w http.ResponseWriter, status int, t *template.Template, data any, formActionExtra string) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		p.log.Error("render page", "template", t.Name(), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	// No inline script or style anywhere, so the policy needs no
	// 'unsafe-inline'. frame-ancestors 'none' stops clickjacking of the
	// sign-in form (RFC 9700 §4.16).
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "+
		"frame-ancestors 'none'; form-action 'self'"+formActionExtra)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if _, err := buf.WriteTo(w); err != nil {
		p.log.Debug("write page", "err", err)
	}
}

// commonHeaders sets headers that every response gets.
func commonHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// Authorize URLs can carry a sessionToken: never leak them onward.
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}
