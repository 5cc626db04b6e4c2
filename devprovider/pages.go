package devprovider

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

// assets holds the page templates and the stylesheet. An embed.FS is
// read-only, so this is not mutable package state.
//
//go:embed templates/*.html static/*.css static/*.js
var assets embed.FS

// pages are the provider's HTML pages, parsed once at start-up.
type pages struct {
	login      *template.Template
	otp        *template.Template // the one-time code after the password
	switchUser *template.Template // confirm signing in as someone else
	totp       *template.Template // dev-only: the demo users' current codes
	message    *template.Template
	signOut    *template.Template // signed out, with front-channel logout iframes
	// confirmSignOut asks before a logout request ends another user's
	// session.
	confirmSignOut *template.Template
	sessions       *template.Template // dev-only: sign this user out everywhere
	help           *template.Template // who can sign in, and no password reset
	static         http.Handler
}

func parsePages() (*pages, error) {
	pg := &pages{}
	for _, t := range []struct {
		dst  **template.Template
		name string
	}{
		{&pg.login, "login"}, {&pg.otp, "otp"}, {&pg.switchUser, "switchuser"}, {&pg.totp, "totp"},
		{&pg.message, "message"}, {&pg.signOut, "signout"}, {&pg.confirmSignOut, "confirmsignout"},
		{&pg.sessions, "sessions"}, {&pg.help, "help"},
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

// pagePolicy is what a page's Content-Security-Policy allows beyond the
// provider's default, which allows nothing but its own stylesheet and forms
// posted to itself.
type pagePolicy struct {
	// formAction are the origins that a form's post, and the redirects that
	// follow it, may reach: browsers apply form-action to those redirects.
	formAction []string
	// frameSrc are the origins the page may frame.
	frameSrc []string
	// script lets the page load the provider's own scripts (never inline
	// ones).
	script bool
}

// formActionFor is the policy of a page whose form's redirect may reach
// redirectURI.
func formActionFor(redirectURI string) pagePolicy {
	if origin, err := originOf(redirectURI); err == nil {
		return pagePolicy{formAction: []string{origin}}
	}
	return pagePolicy{}
}

// header is the Content-Security-Policy value. No inline script or style
// anywhere, so it needs no 'unsafe-inline'. frame-ancestors 'none' stops
// clickjacking of the sign-in form (RFC 9700 §4.16).
func (pp pagePolicy) header() string {
	var b strings.Builder
	b.WriteString("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	if pp.script {
		b.WriteString("; script-src 'self'")
	}
	if len(pp.frameSrc) > 0 {
		b.WriteString("; frame-src " + strings.Join(pp.frameSrc, " "))
	}
	b.WriteString("; form-action 'self'")
	for _, o := range pp.formAction {
		b.WriteString(" " + o)
	}
	return b.String()
}

// renderMessage renders an error or information page. title and msg are for
// the user: never pass an error's text or a secret.
func (p *Provider) renderMessage(w http.ResponseWriter, status int, title, msg string) {
	p.renderHTML(w, status, p.pages.message, messageView{Stylesheet: p.stylesheet(), Title: title, Message: msg}, pagePolicy{})
}

func (p *Provider) renderHTML(w http.ResponseWriter, status int, t *template.Template, data any, policy pagePolicy) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		p.log.Error("render page", "template", t.Name(), "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", policy.header())
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
