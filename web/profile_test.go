package web

import (
	"bytes"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/auth"
	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/session"
)

// profileEnv is the app's handler with a session manager that tests sign
// users in to directly.
type profileEnv struct {
	h        http.Handler
	sessions *session.Manager
}

func newProfileEnv(t testing.TB, widget ...WidgetAssets) *profileEnv {
	t.Helper()
	cfg := config.Config{Issuer: "http://127.0.0.1:1/oauth2/default", ClientID: "0oa-test", ClientSecret: testSecret, RedirectURI: testRedirectURI}
	sessions := session.New(session.Options{})
	d := Deps{Config: cfg, Provider: downProvider{}, Sessions: sessions}
	if len(widget) > 0 {
		d.Widget = widget[0]
	}
	h, err := NewServer(d)
	if err != nil {
		t.Fatal(err)
	}
	return &profileEnv{h: h, sessions: sessions}
}

// signIn signs p in and returns the session cookie.
func (e *profileEnv) signIn(t testing.TB, p session.Profile) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := e.sessions.SignIn(rec, httptest.NewRequest(http.MethodGet, "/", nil), p); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == session.CookieName {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

func (e *profileEnv) get(path string, c *http.Cookie) *http.Response {
	req := httptest.NewRequest(http.MethodGet, "http://localhost:8080"+path, nil)
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec.Result()
}

var aliceProfile = session.Profile{
	Subject: "00ualice",
	IDToken: "header.payload.signature",
	Claims: []auth.Claim{
		{Name: "email", Value: "alice@example.com", Source: "both"},
		{Name: "name", Value: "Alice <Anderson> & \"Co\" +1", Source: "conflict"},
		{Name: "sub", Value: "00ualice", Source: "id_token"},
		{Name: "updated_at", Value: "2026-01-01T00:00:00Z", Source: "userinfo"},
	},
}

func TestProfilePage(t *testing.T) {
	t.Parallel()
	e := newProfileEnv(t)
	c := e.signIn(t, aliceProfile)
	noteProfile := aliceProfile
	noteProfile.UserInfoNote = "The userinfo endpoint could not be read."
	cNote := e.signIn(t, noteProfile)

	t.Run("signed out", func(t *testing.T) {
		resp := e.get(pathProfile, nil)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != pathLogin+"?return_to=%2Fauthorization-code%2Fprofile" {
			t.Errorf("got %d to %q, want 302 to the login with return_to", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	tests := []struct {
		name   string
		cookie *http.Cookie
		want   []string
		absent []string
	}{
		{"claims, escaped, with sources", c, []string{
			`Signed in as <strong>Alice &lt;Anderson&gt; &amp; &#34;Co&#34; &#43;1</strong>`,
			`<tr><th scope="row"><code>email</code></th><td id="claim-email">alice@example.com</td><td class="source">ID token and userinfo</td></tr>`,
			`<td id="claim-name">Alice &lt;Anderson&gt; &amp; &#34;Co&#34; &#43;1</td><td class="source">ID token (userinfo differs)</td>`,
			`<td id="claim-sub">00ualice</td><td class="source">ID token</td>`,
			`<td id="claim-updated_at">2026-01-01T00:00:00Z</td><td class="source">userinfo</td>`,
			`<title>Profile · Okta Go Sample</title>`,
			`<a href="/authorization-code/profile" class="current" aria-current="page">Profile</a>`,
		}, []string{"userinfo-note", "header.payload.signature", c.Value}},
		{"with the userinfo note", cNote, []string{
			`<p class="alert" id="userinfo-note">The userinfo endpoint could not be read.</p>`,
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.get(pathProfile, tt.cookie)
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d, want 200", resp.StatusCode)
			}
			for _, w := range tt.want {
				if !bytes.Contains(body, []byte(w)) {
					t.Errorf("page lacks %s", w)
				}
			}
			for _, a := range tt.absent {
				if bytes.Contains(body, []byte(a)) {
					t.Errorf("page contains %s", a)
				}
			}
			reqID := resp.Header.Get("X-Request-Id")
			if !bytes.Contains(body, []byte("Request id <code>"+reqID+"</code>")) || len(reqID) != 16 {
				t.Errorf("request id %q not in the page's footer", reqID)
			}
			for k, want := range map[string]string{
				"Content-Type":    "text/html; charset=utf-8",
				"Content-Length":  strconv.Itoa(len(body)),
				"Cache-Control":   "no-store",
				"Vary":            "Cookie",
				"X-Frame-Options": "DENY",
				"Referrer-Policy": "no-referrer",
			} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("CSP: got %q", csp)
			}
			if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("Set-Cookie on a page view: %q, want none", sc)
			}
		})
	}
}

// TestAssetsTouchNoSession: the routes that are not pages never read the
// session, never set a cookie, and list no folder.
func TestAssetsTouchNoSession(t *testing.T) {
	t.Parallel()
	local, err := LocalWidget(fakeDist(t))
	if err != nil {
		t.Fatal(err)
	}
	e := newProfileEnv(t, local)
	c := e.signIn(t, aliceProfile)
	stale := &http.Cookie{Name: session.CookieName, Value: strings.Repeat("A", 26)}
	tests := []struct {
		path string
		want int
	}{
		{"/static/style.css", http.StatusOK},
		{"/static/favicon.ico", http.StatusOK},
		{"/static/", http.StatusNotFound},
		{"/static/nope.css", http.StatusNotFound},
		{"/widget/js/okta-sign-in.min.js", http.StatusOK},
		{"/widget/", http.StatusNotFound},
		{"/widget/js/", http.StatusNotFound},
		{"/favicon.ico", http.StatusMovedPermanently},
		{"/healthz", http.StatusServiceUnavailable}, // the provider is down in this test
	}
	for _, tt := range tests {
		for _, ck := range []*http.Cookie{nil, c, stale} {
			name := tt.path + " signed out"
			if ck != nil {
				name = tt.path + " with cookie " + ck.Value[:4]
			}
			t.Run(name, func(t *testing.T) {
				resp := e.get(tt.path, ck)
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tt.want {
					t.Errorf("status: got %d, want %d", resp.StatusCode, tt.want)
				}
				if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
					t.Errorf("Set-Cookie: got %q, want none", sc)
				}
				if bytes.Contains(body, []byte("style.css</a>")) || bytes.Contains(body, []byte(`href="js/"`)) {
					t.Errorf("a folder listing:\n%s", body)
				}
			})
		}
	}
}

// TestProfilePageMatchesTemplate: the page put together from its parts is
// the template's page, byte for byte, for values that need escaping.
func TestProfilePageMatchesTemplate(t *testing.T) {
	t.Parallel()
	p, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	pp, err := newProfilePage(p)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		p    session.Profile
	}{
		{"typical", aliceProfile},
		{"no claims", session.Profile{Subject: "00u<1>"}},
		{"note", session.Profile{Subject: "s", UserInfoNote: "<note & more>", Claims: aliceProfile.Claims}},
		{"every special byte", session.Profile{Subject: "s", Claims: []auth.Claim{{Name: "\x00\"&'+<>=`", Value: "\x00\"&'+<>=` \xff\xfe é \u2028", Source: "odd"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProfilePage(t, p, pp, tt.p, "0123456789abcdef")
		})
	}
}

func checkProfilePage(t *testing.T, p *pages, pp *profilePage, prof session.Profile, reqID string) {
	t.Helper()
	name := prof.Subject
	want, err := p.execute("profile", profileView(name, prof.UserInfoNote, claimRows(prof.Claims), reqID))
	if err != nil {
		t.Fatal(err)
	}
	if got := pp.appendPage(nil, name, prof.UserInfoNote, prof.Claims, reqID); !bytes.Equal(got, want) {
		t.Errorf("put together:\n%s\nthe template's:\n%s", got, want)
	}
}

func FuzzProfilePage(f *testing.F) {
	p, err := parsePages()
	if err != nil {
		f.Fatal(err)
	}
	pp, err := newProfilePage(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("Alice", "", "email", "a@example.com", "<b>&\"'+\x00")
	f.Fuzz(func(t *testing.T, user, note, name, value, reqID string) {
		prof := session.Profile{Subject: user, UserInfoNote: note, Claims: []auth.Claim{
			{Name: name, Value: value, Source: "both"},
			{Name: value, Value: name, Source: "id_token"},
		}}
		checkProfilePage(t, p, pp, prof, reqID)
	})
}

// TestNewProfilePageRefusesOtherContexts: a template that puts a value
// where html/template escapes it differently (a URL, a script), drops it
// or repeats it cannot be served from parts; start-up fails instead.
func TestNewProfilePageRefusesOtherContexts(t *testing.T) {
	t.Parallel()
	layout, err := templateFS.ReadFile("templates/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	profile, err := templateFS.ReadFile("templates/profile.html")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		file     []byte // layout or profile
		old, new string
		wantErr  bool
	}{
		{"as shipped", profile, "", "", false},
		{"user name in a URL", layout, "<strong>{{.UserName}}</strong>", `<a href="/u/{{.UserName}}">x</a>`, true},
		{"claim value in a script", profile, "{{.Value}}", `<script>var v = "{{.Value}}";</script>`, true},
		{"claim name in a style", profile, `<code>{{.Name}}</code>`, `<code style="x: {{.Name}}">n</code>`, true},
		{"note left out", profile, "{{.Note}}</p>", "</p>", true},
		{"request id twice", layout, "</body>", "{{.RequestID}}</body>", true},
		{"rows with a separator", profile, "{{range .Claims}}", "{{range $i, $c := .Claims}}{{if $i}},{{end}}", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, pr := string(layout), string(profile)
			if bytes.Equal(tt.file, layout) {
				l = strings.Replace(l, tt.old, tt.new, 1)
			} else {
				pr = strings.Replace(pr, tt.old, tt.new, 1)
			}
			if l+pr == string(layout)+string(profile) && tt.old != "" {
				t.Fatalf("%q is not in the template", tt.old)
			}
			tmpl, err := template.New("layout.html").Parse(l)
			if err == nil {
				_, err = tmpl.Parse(pr)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = newProfilePage(&pages{byName: map[string]*template.Template{"profile": tmpl}})
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("newProfilePage: got %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// plainPage serves b with h's headers: the floor the profile page is
// measured against.
func plainPage(h http.Header, b []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range h {
			w.Header()[k] = v
		}
		_, _ = w.Write(b)
	})
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmarks
// measure the handlers rather than a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkProfilePage measures the app's handler, every middleware
// included, serving the profile page; BenchmarkPlainPage the same bytes
// from a plain handler. The difference is what the app adds per page,
// beyond what net/http and the network cost both.
func BenchmarkProfilePage(b *testing.B) {
	e := newProfileEnv(b)
	c := e.signIn(b, aliceProfile)
	req := httptest.NewRequest(http.MethodGet, "http://localhost:8080"+pathProfile, nil)
	req.AddCookie(c)
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		e.h.ServeHTTP(w, req)
	}
}

func BenchmarkPlainPage(b *testing.B) {
	e := newProfileEnv(b)
	c := e.signIn(b, aliceProfile)
	resp := e.get(pathProfile, c)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	h := plainPage(resp.Header, body)
	req := httptest.NewRequest(http.MethodGet, "http://localhost:8080"+pathProfile, nil)
	req.AddCookie(c)
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}
