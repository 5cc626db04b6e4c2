package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds every page, each parsed once at start-up together with the
// shared layout.
type pages struct {
	byName map[string]*template.Template
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: listing templates: %w", err)
	}
	p := &pages{byName: make(map[string]*template.Template)}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: parsing %s: %w", n, err)
		}
		p.byName[base] = t
	}
	return p, nil
}

// page is what every page's template receives.
type page struct {
	Title     string
	Nav       string // which navigation entry is current
	SignedIn  bool
	UserName  string
	RequestID string
	Data      any
}

// render writes page name with status. It renders into a buffer first, so
// a template error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, pg page) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.log.ErrorContext(r.Context(), "no such page", "page", name, "request_id", requestID(r.Context()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	pg.RequestID = requestID(r.Context())
	pg.SignedIn, pg.UserName = s.signedIn(r.Context())
	var buf bytes.Buffer
	if err := t.Execute(&buf, pg); err != nil {
		s.log.ErrorContext(r.Context(), "rendering page", "page", name, "err", err, "request_id", pg.RequestID)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if _, err := buf.WriteTo(w); err != nil {
		// The client went away; there is nobody left to tell.
		s.log.DebugContext(r.Context(), "writing page", "err", err)
	}
}

// signedIn reports whether a user is signed in, and their display name.
func (s *Server) signedIn(ctx context.Context) (bool, string) {
	p, ok, err := s.sessions.Profile(ctx)
	if err != nil || !ok {
		return false, ""
	}
	for _, want := range []string{"name", "preferred_username", "email"} {
		for _, c := range p.Claims {
			if c.Name == want && c.Value != "" {
				return true, c.Value
			}
		}
	}
	return true, p.Subject
}

// handleStatic serves the embedded files under /static/: files only. A
// folder (/static/ itself included) answers 404 rather than a listing,
// which would show what the app ships and invite guessing.
func (s *Server) handleStatic() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		// fs.Sub fails only on an invalid path, which "static" is not.
		panic(err)
	}
	fileServer := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// fs.Stat refuses a name that is not a valid fs path ("" for the
		// folder itself, a trailing slash, "..").
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if st, err := fs.Stat(sub, name); err != nil || !st.Mode().IsRegular() {
			s.handleNotFound().ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
}
