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
	login   *template.Template
	message *template.Template
	static  http.Handler
}

func parsePages() (*pages, error) {
	login, err := template.ParseFS(assets, "templates/layout.html", "templates/login.html")
	if err != nil {
		return nil, fmt.Errorf("parse login template: %w", err)
	}
	message, err := template.ParseFS(assets, "templates/layout.html", "templates/message.html")
	if err != nil {
		return nil, fmt.Errorf("parse message template: %w", err)
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	return &pages{login: login, message: message, static: http.FileServerFS(static)}, nil
}

// loginView is the data of the hosted sign-in page.
type loginView struct {
	Stylesheet string
	Action     string
	RequestID  string // the server-side pending authorize request
	ClientID   string
	Username   string
	Error      string
	DemoHint   bool // show the public demo credentials
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
	v.Stylesheet = p.stylesheet()
	v.Action = p.issuerPath + "/v1/login"
	v.DemoHint = p.demoUsers
	extra := ""
	if u, err := url.Parse(redirectURI); err == nil && u.Scheme != "" && u.Host != "" {
		extra = " " + u.Scheme + "://" + u.Host
	}
	p.renderHTML(w, status, p.pages.login, v, extra)
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
