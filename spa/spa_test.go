package spa_test

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/logbuf"
	"github.com/okta-samples/okta-go-sample/spa"
)

const (
	issuer      = "http://127.0.0.1:8081/oauth2/default"
	messagesURL = "http://localhost:8080/api/messages"
	clientID    = "0oa-spa-test"
	bundle      = "/* okta-auth-js test bundle */ window.OktaAuth = function () {};"
)

// fakeAuthJS makes a dist/ folder like the npm package's, with the bundle
// and another file that must not be served.
func fakeAuthJS(t *testing.T, version string) string {
	t.Helper()
	pkg := filepath.Join(t.TempDir(), "okta-auth-js")
	dist := filepath.Join(pkg, "dist")
	if err := os.MkdirAll(dist, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		filepath.Join(dist, "okta-auth-js.min.js"):            bundle,
		filepath.Join(dist, "okta-auth-js.min.analyzer.html"): "<html>not for browsers</html>",
		filepath.Join(pkg, "package.json"):                    `{"name": "@okta/okta-auth-js", "version": "` + version + `"}`,
	}
	for p, content := range files {
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dist
}

// newSPA returns the SPA's handler for authJS, logging into log.
func newSPA(t *testing.T, authJS spa.AuthJS, log *logbuf.Buffer) http.Handler {
	t.Helper()
	h, err := spa.New(spa.Config{Issuer: issuer, ClientID: clientID, MessagesURL: messagesURL, AuthJS: authJS,
		Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatalf("spa.New: %v", err)
	}
	return h
}

func get(h http.Handler, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	return w
}

// scriptTag matches every script element of a page.
var scriptTag = regexp.MustCompile(`<script([^>]*)>([^<]*)</script>`)

// TestPage: the page and the callback are the same page, with its
// settings in a JSON block, only external scripts, and a strict CSP.
func TestPage(t *testing.T) {
	dist := fakeAuthJS(t, spa.AuthJSVersion)
	authJS, err := spa.FindAuthJS(dist)
	if err != nil {
		t.Fatal(err)
	}
	h := newSPA(t, authJS, &logbuf.Buffer{})
	wantCSP := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src http://127.0.0.1:8081 http://localhost:8080; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
	for _, path := range []string{"/", spa.CallbackPath + "?code=c&state=s"} {
		t.Run(path, func(t *testing.T) {
			w := get(h, path)
			if w.Code != http.StatusOK {
				t.Fatalf("got %d, want 200", w.Code)
			}
			if got := w.Header().Get("Content-Security-Policy"); got != wantCSP {
				t.Errorf("got CSP %q, want %q", got, wantCSP)
			}
			for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
				"X-Frame-Options": "DENY", "Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"} {
				if got := w.Header().Get(k); got != want {
					t.Errorf("got %s %q, want %q", k, got, want)
				}
			}
			body := w.Body.String()
			scripts := scriptTag.FindAllStringSubmatch(body, -1)
			if len(scripts) != 3 {
				t.Fatalf("got %d script elements, want the config block, okta-auth-js and app.js:\n%s", len(scripts), body)
			}
			var cfg struct {
				Issuer, ClientID, CallbackPath, MessagesURL, AuthJS string
			}
			for _, s := range scripts {
				attrs, content := s[1], s[2]
				switch {
				case strings.Contains(attrs, `type="application/json"`):
					if err := json.Unmarshal([]byte(content), &cfg); err != nil {
						t.Fatalf("the config block is not JSON: %v: %s", err, content)
					}
				case strings.Contains(attrs, ` src="`) && strings.TrimSpace(content) == "":
				default:
					t.Errorf("an inline script: %s", s[0])
				}
			}
			want := struct{ Issuer, ClientID, CallbackPath, MessagesURL, AuthJS string }{
				issuer, clientID, spa.CallbackPath, messagesURL, "/okta-auth-js/okta-auth-js.min.js"}
			if cfg != want {
				t.Errorf("got config %+v, want %+v", cfg, want)
			}
			if strings.Contains(body, " style=") {
				t.Error("the page has an inline style attribute")
			}
		})
	}
}

// TestFiles: the script, the stylesheet and okta-auth-js's bundle are
// served, and nothing else of the bundle's folder.
func TestFiles(t *testing.T) {
	authJS, err := spa.FindAuthJS(fakeAuthJS(t, spa.AuthJSVersion))
	if err != nil {
		t.Fatal(err)
	}
	h := newSPA(t, authJS, &logbuf.Buffer{})
	tests := []struct {
		path, contentType string
		status            int
		body              string
	}{
		{"/app.js", "text/javascript; charset=utf-8", http.StatusOK, "new OktaAuth("},
		{"/app.css", "text/css; charset=utf-8", http.StatusOK, ".messages"},
		{"/okta-auth-js/okta-auth-js.min.js", "text/javascript; charset=utf-8", http.StatusOK, bundle},
		{"/okta-auth-js/okta-auth-js.min.analyzer.html", "", http.StatusNotFound, ""},
		{"/package.json", "", http.StatusNotFound, ""},
		{"/okta-auth-js/", "", http.StatusNotFound, ""},
		{"/favicon.ico", "", http.StatusNoContent, ""},
		{"/nothing-here", "", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := get(h, tt.path)
			if w.Code != tt.status {
				t.Fatalf("got %d, want %d", w.Code, tt.status)
			}
			if tt.contentType != "" && w.Header().Get("Content-Type") != tt.contentType {
				t.Errorf("got Content-Type %q, want %q", w.Header().Get("Content-Type"), tt.contentType)
			}
			if !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("body does not contain %q", tt.body)
			}
		})
	}
}

// TestWithoutAuthJS: without the npm package the page says how to
// install it, with 503 and no script at all.
func TestWithoutAuthJS(t *testing.T) {
	t.Chdir(t.TempDir()) // no node_modules here
	authJS, err := spa.FindAuthJS("")
	if err != nil {
		t.Fatalf("no configured folder and none found: got %v, want no error", err)
	}
	if authJS.Installed() {
		t.Fatal("found okta-auth-js in an empty folder")
	}
	h := newSPA(t, authJS, &logbuf.Buffer{})
	w := get(h, "/")
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("got %d, want 503", w.Code)
	}
	body := w.Body.String()
	if !strings.Contains(body, `id="authjs-missing"`) || !strings.Contains(body, "npm ci") || !strings.Contains(body, "OKTA_SAMPLE_AUTHJS_DIR") {
		t.Errorf("the page does not explain how to install okta-auth-js:\n%s", body)
	}
	if strings.Contains(body, "<script") {
		t.Error("the page has a script without okta-auth-js")
	}
	if w := get(h, "/okta-auth-js/okta-auth-js.min.js"); w.Code != http.StatusNotFound {
		t.Errorf("the bundle: got %d, want 404", w.Code)
	}
}

// TestFindAuthJS: a configured folder without the bundle is a
// configuration problem naming the setting.
func TestFindAuthJS(t *testing.T) {
	_, err := spa.FindAuthJS(t.TempDir())
	var ve *config.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || !strings.Contains(ve.Problems[0].Field, "OKTA_SAMPLE_AUTHJS_DIR") {
		t.Fatalf("got %v, want a problem naming OKTA_SAMPLE_AUTHJS_DIR", err)
	}
	a, err := spa.FindAuthJS(fakeAuthJS(t, "7.0.0"))
	if err != nil || !a.Installed() || !strings.Contains(a.String(), "7.0.0") {
		t.Errorf("got %v, %v; want the bundle, version 7.0.0", a, err)
	}
}

// TestAccessLogHasNoQuery: the callback's code and state never reach the
// log.
func TestAccessLogHasNoQuery(t *testing.T) {
	log := &logbuf.Buffer{}
	h := newSPA(t, spa.AuthJS{}, log)
	get(h, spa.CallbackPath+"?code=secret-code-123&state=secret-state-456")
	got := log.String()
	if !strings.Contains(got, "path="+spa.CallbackPath) {
		t.Errorf("no access log line for the callback:\n%s", got)
	}
	if strings.Contains(got, "secret-code-123") || strings.Contains(got, "secret-state-456") {
		t.Errorf("the log holds the code or state:\n%s", got)
	}
}

// TestPinnedVersion: package.json and package-lock.json pin exactly the
// okta-auth-js the code is written for, and the dev provider's SPA client
// uses the SPA's callback path.
func TestPinnedVersion(t *testing.T) {
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	readJSON(t, filepath.Join("..", "package.json"), &pkg)
	if got := pkg.Dependencies["@okta/okta-auth-js"]; got != spa.AuthJSVersion {
		t.Errorf("package.json pins @okta/okta-auth-js %q, want exactly %q", got, spa.AuthJSVersion)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	readJSON(t, filepath.Join("..", "package-lock.json"), &lock)
	if got := lock.Packages["node_modules/@okta/okta-auth-js"].Version; got != spa.AuthJSVersion {
		t.Errorf("package-lock.json locks @okta/okta-auth-js %q, want %q", got, spa.AuthJSVersion)
	}
	if spa.CallbackPath != devprovider.SPACallbackPath {
		t.Errorf("spa.CallbackPath %q, devprovider.SPACallbackPath %q: want them equal", spa.CallbackPath, devprovider.SPACallbackPath)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestNewNeedsItsSettings: a missing setting is an error, not a page
// that cannot work.
func TestNewNeedsItsSettings(t *testing.T) {
	for _, cfg := range []spa.Config{
		{ClientID: clientID, MessagesURL: messagesURL},
		{Issuer: issuer, MessagesURL: messagesURL},
		{Issuer: issuer, ClientID: clientID},
		{Issuer: "not a url", ClientID: clientID, MessagesURL: messagesURL},
	} {
		if _, err := spa.New(cfg); err == nil {
			t.Errorf("spa.New(%+v): got no error", cfg)
		}
	}
}
