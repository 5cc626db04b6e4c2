package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds every page, each parsed once at start-up together with the
// shared layout and the partials (templates/_*.html), which only define
// templates that pages share, such as the login report.
type pages struct {
	byName map[string]*template.Template
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: listing templates: %w", err)
	}
	partials, err := fs.Glob(templateFS, "templates/_*.html")
	if err != nil {
		return nil, fmt.Errorf("web: listing templates: %w", err)
	}
	p := &pages{byName: make(map[string]*template.Template)}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || strings.HasPrefix(base, "_") {
			continue
		}
		files := append([]string{"templates/layout.html"}, partials...)
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, append(files, n)...)
		if err != nil {
			return nil, fmt.Errorf("web: parsing %s: %w", n, err)
		}
		p.byName[base] = t
	}
	return p, nil
}

// templateFuncs are the functions the templates may call.
var templateFuncs = template.FuncMap{"breakable": breakable}

// breakable escapes s for HTML text and lets a long URL or path wrap
// after its slashes (<wbr>), never in the middle of a word, nor inside
// the "//" after a scheme.
func breakable(s string) template.HTML {
	var b strings.Builder
	parts := strings.SplitAfter(s, "/")
	for i, part := range parts {
		b.WriteString(template.HTMLEscapeString(part))
		next := ""
		if i+1 < len(parts) {
			next = parts[i+1]
		}
		if strings.HasSuffix(part, "/") && part != "/" && next != "" && next != "/" {
			b.WriteString("<wbr>")
		}
	}
	return template.HTML(b.String())
}

// page is what every page's template receives.
type page struct {
	Title     string
	Nav       string // which navigation entry is current
	SignedIn  bool
	UserName  string
	RequestID string
	Data      any
	// storeDown skips the "signed in as" lookup: the page says that the
	// session store does not answer, and asking it again would only wait
	// for it once more.
	storeDown bool
}

// render writes page name with status. It renders into a buffer first, so
// a template error becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, pg page) {
	pg.RequestID = requestID(r.Context())
	if !pg.storeDown {
		pg.SignedIn, pg.UserName = s.signedIn(r)
	}
	buf := s.buffers.get()
	defer s.buffers.put(buf)
	var err error
	if *buf, err = s.pages.appendPage((*buf)[:0], name, pg); err != nil {
		s.log.ErrorContext(r.Context(), "rendering page", "page", name, "err", err, "request_id", pg.RequestID)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.writePage(w, status, *buf)
}

// appendPage appends page name, executed with pg, to b.
func (p *pages) appendPage(b []byte, name string, pg page) ([]byte, error) {
	t, ok := p.byName[name]
	if !ok {
		return b, fmt.Errorf("web: no page %q", name)
	}
	w := bytes.NewBuffer(b)
	if err := t.Execute(w, pg); err != nil {
		return b, err
	}
	return w.Bytes(), nil
}

// execute returns page name executed with pg.
func (p *pages) execute(name string, pg page) ([]byte, error) {
	return p.appendPage(nil, name, pg)
}

// executeTemplate returns the template called sub of page name executed
// with data.
func (p *pages) executeTemplate(name, sub string, data any) ([]byte, error) {
	t, ok := p.byName[name]
	if !ok {
		return nil, fmt.Errorf("web: no page %q", name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, sub, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writePage writes a whole HTML page. Its length is known, so the
// response needs no chunked encoding.
func (s *Server) writePage(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = s.headers.contentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	// Pages say who is signed in, so they depend on the session cookie.
	h["Vary"] = s.headers.vary
	w.WriteHeader(status)
	// An error means the client went away; there is nobody left to tell.
	_, _ = w.Write(b)
}

// pageHeaders are header values every page carries, made once and shared
// by every response (see securityHeaders for why that is safe).
type pageHeaders struct{ contentType, vary []string }

func newPageHeaders() pageHeaders {
	return pageHeaders{contentType: []string{"text/html; charset=utf-8"}, vary: []string{"Cookie"}}
}

// buffers recycles the buffers pages are put together in.
type buffers struct{ pool sync.Pool }

func (p *buffers) get() *[]byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 8<<10)
	return &b
}

// put returns b to the pool, unless a rare huge page grew it.
func (p *buffers) put(b *[]byte) {
	if cap(*b) <= 64<<10 {
		p.pool.Put(b)
	}
}

// signedIn reports whether a user is signed in, and their display name.
// A session that cannot be read shows as signed out here; the pages that
// need it say what went wrong.
func (s *Server) signedIn(r *http.Request) (bool, string) {
	u, ok, err := s.sessions.Current(r)
	if err != nil || !ok {
		return false, ""
	}
	return true, u.DisplayName()
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
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// fs.Stat refuses a name that is not a valid fs path ("" for the
		// folder itself, a trailing slash, "..").
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if st, err := fs.Stat(sub, name); err != nil || !st.Mode().IsRegular() {
			s.handleNotFound().ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
