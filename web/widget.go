package web

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/internal/npmdist"
)

// WidgetVersion is the release of the Okta Sign-In Widget that the custom
// login page loads. It must equal the version pinned in package.json (a
// test checks): the CDN URLs and the integrity hashes below belong to it.
const WidgetVersion = "7.49.0"

// Files of the widget, relative to its dist/ folder or its CDN base. The
// standard bundle (Classic Engine and Identity Engine) is used rather than
// the smaller classic-only one because Okta publishes its CDN integrity
// hash; the page selects the Classic Engine with useClassicEngine.
const (
	widgetScriptFile = "js/okta-sign-in.min.js"
	widgetStyleFile  = "css/okta-sign-in.min.css"
)

// Subresource Integrity hashes (W3C SRI) of the widget's files at
// WidgetVersion. The browser refuses CDN files whose bytes differ, so a
// compromised or tampered CDN cannot run code on the login page. The npm
// package's dist/ files are byte-identical to the CDN's: these are the
// hashes Okta publishes in the package's README, and TestWidgetIntegrity
// recomputes them from node_modules. Update them with WidgetVersion:
//
//	openssl dgst -sha384 -binary dist/js/okta-sign-in.min.js | base64
const (
	widgetScriptIntegrity = "sha384-eDl7WzGfDRVYk/9ZezL7LYLmnoJ/GjgM7fFmlAYSJUwKKoeq13vCVgE4hzhx0vgo"
	widgetStyleIntegrity  = "sha384-fLGJJCv4UKDlcJUEjSD6dTXNShnOMN7uxy8lrzxBtV62Ib/HlSNS4ZXnTF7oHaTq"
)

// widgetCDNOrigin serves every release of the widget under
// /okta-signin-widget/<version>/.
const widgetCDNOrigin = "https://global.oktacdn.com"

// DefaultWidgetDir is where `npm ci` puts the widget's dist/ folder,
// relative to the repository root. FindWidget uses it when no folder is
// configured and it exists in the working directory.
const DefaultWidgetDir = "node_modules/@okta/okta-signin-widget/dist"

// widgetPath is where a local copy of the widget is served.
const widgetPath = "/widget/"

// fieldWidgetDir names the setting in messages, as config does.
const fieldWidgetDir = "oktaSample.server.widgetDir (OKTA_SAMPLE_WIDGET_DIR)"

// WidgetAssets says where browsers load the Okta Sign-In Widget from: Okta's
// CDN (the zero value) or a local copy of its dist/ folder, which the app
// serves at /widget/. Either way the app itself never runs Node.
type WidgetAssets struct {
	dir     string // absolute path of the local dist/ folder; "" for the CDN
	version string // the local copy's version, when its package.json says
	auto    bool   // found at DefaultWidgetDir rather than configured
}

// CDNWidget loads the widget from Okta's CDN at WidgetVersion, with
// Subresource Integrity.
func CDNWidget() WidgetAssets { return WidgetAssets{} }

// LocalWidget serves the widget from dir, the dist/ folder of the npm
// package @okta/okta-signin-widget. It fails, with a message that says
// what to do, when dir does not hold the widget's script and stylesheet.
func LocalWidget(dir string) (WidgetAssets, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return WidgetAssets{}, widgetDirProblem(fmt.Sprintf("%q is not a usable path: %v", dir, err))
	}
	for _, f := range []string{widgetScriptFile, widgetStyleFile} {
		st, err := os.Stat(filepath.Join(abs, filepath.FromSlash(f)))
		if err != nil || !st.Mode().IsRegular() {
			return WidgetAssets{}, widgetDirProblem(fmt.Sprintf(
				"%q has no %s; point it at the dist/ folder of @okta/okta-signin-widget "+
					"(run `npm ci` and use %s), or leave it empty to load the widget from Okta's CDN", dir, f, DefaultWidgetDir))
		}
	}
	return WidgetAssets{dir: abs, version: npmdist.Version(abs, "@okta/okta-signin-widget")}, nil
}

func widgetDirProblem(msg string) error {
	return &config.ValidationError{Problems: []config.Problem{{Field: fieldWidgetDir, Message: msg}}}
}

// FindWidget chooses the widget's source: the configured folder dir when
// set; otherwise DefaultWidgetDir when `npm ci` has filled it in the
// working directory, so a newcomer without internet still gets a working
// custom login; otherwise Okta's CDN.
func FindWidget(dir string) (WidgetAssets, error) {
	if dir != "" {
		return LocalWidget(dir)
	}
	if a, err := LocalWidget(filepath.FromSlash(DefaultWidgetDir)); err == nil {
		a.auto = true
		return a, nil
	}
	return CDNWidget(), nil
}

// Local reports whether the app serves the widget itself.
func (a WidgetAssets) Local() bool { return a.dir != "" }

// String describes the source for the log.
func (a WidgetAssets) String() string {
	if !a.Local() {
		return "Okta CDN " + a.baseURL()
	}
	how := "configured"
	if a.auto {
		how = "found"
	}
	v := a.version
	if v == "" {
		v = "unknown version"
	}
	return fmt.Sprintf("local copy %s at %s (%s), served at %s", how, a.dir, v, widgetPath)
}

// Warning returns a note for the log when a local copy is not the version
// this app was written for, or "".
func (a WidgetAssets) Warning() string {
	if a.Local() && a.version != "" && a.version != WidgetVersion {
		return fmt.Sprintf("the local Sign-In Widget is version %s but this app pins %s; run `npm ci` to install the pinned one", a.version, WidgetVersion)
	}
	return ""
}

// baseURL is the widget's asset base, passed to it as assets.baseUrl so
// its stylesheet's fonts and images come from the same place.
func (a WidgetAssets) baseURL() string {
	if a.Local() {
		return strings.TrimSuffix(widgetPath, "/")
	}
	return widgetCDNOrigin + "/okta-signin-widget/" + WidgetVersion
}

// origin is the CSP source expression the widget's files come from
// besides 'self', or "" when the app serves them. For the CDN it is the
// folder of WidgetVersion, ending in "/" so that it matches every file
// under it and nothing else on the CDN (see widgetCSP).
func (a WidgetAssets) origin() string {
	if a.Local() {
		return ""
	}
	return a.baseURL() + "/"
}

// urls returns what the page needs to load the widget. Integrity hashes
// are given for the CDN only: a local copy comes from this app itself,
// which a hash could not protect against, and its version follows
// package-lock.json rather than this binary.
func (a WidgetAssets) urls() widgetAssetURLs {
	u := widgetAssetURLs{
		BaseURL: a.baseURL(),
		Script:  a.baseURL() + "/" + widgetScriptFile,
		Style:   a.baseURL() + "/" + widgetStyleFile,
	}
	if !a.Local() {
		u.ScriptIntegrity, u.StyleIntegrity = widgetScriptIntegrity, widgetStyleIntegrity
	}
	return u
}

// widgetAssetURLs is the assets part of the page's widget configuration.
type widgetAssetURLs struct {
	BaseURL         string `json:"baseUrl"`
	Script          string `json:"script"`
	ScriptIntegrity string `json:"scriptIntegrity,omitempty"`
	Style           string `json:"style"`
	StyleIntegrity  string `json:"styleIntegrity,omitempty"`
}

// widgetAssetDir reports whether a top-level folder of dist/ is one the
// page may load: scripts (with their source maps), styles, the fonts and
// images the stylesheet names, and label translations.
func widgetAssetDir(name string) bool {
	switch name {
	case "js", "css", "font", "img", "labels":
		return true
	}
	return false
}

// handleWidgetAssets serves the local copy of the widget at /widget/:
// files only (no directory listings), from the folders the page needs.
func (s *Server) handleWidgetAssets() http.Handler {
	fsys := os.DirFS(s.widget.dir)
	files := http.StripPrefix(widgetPath, http.FileServerFS(fsys))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, widgetPath)
		top, _, _ := strings.Cut(name, "/")
		if !widgetAssetDir(top) || !fs.ValidPath(name) {
			s.handleNotFound().ServeHTTP(w, r)
			return
		}
		st, err := fs.Stat(fsys, name)
		if err != nil || !st.Mode().IsRegular() {
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				s.log.WarnContext(r.Context(), "widget asset", "path", name, "err", err, "request_id", requestID(r.Context()))
			}
			s.handleNotFound().ServeHTTP(w, r)
			return
		}
		// The folder belongs to one pinned release, so an hour of caching is
		// safe; the file server's Last-Modified makes revalidation cheap.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
