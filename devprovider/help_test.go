package devprovider

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

var linkRE = regexp.MustCompile(`(?:href|src)="([^"]+)"`)

// TestHelpPage checks the page the Sign-In Widget's help links lead to: it
// says what the provider is, who can sign in and that there is no password
// reset, it needs nothing beyond the provider's strict CSP, and every link
// on it works.
func TestHelpPage(t *testing.T) {
	t.Parallel()
	ownUsers := []User{{Subject: "00uown", Login: "dana@example.com", Password: "Dana-secret-9"}}
	tests := []struct {
		name      string
		users     []User
		want      []string // in the page
		wantNot   []string // never in the page
		wantLinks int      // links to the provider's own pages, the stylesheet included
	}{
		{
			name: "demo users",
			want: []string{
				"development OpenID provider", `id="forgot-password"`, "Password reset isn't available here",
				`id="locked-out"`, "locked for 30 seconds", "up to 15 minutes",
				aliceLogin, alicePassword, "bob@example.com", "Bob-demo-1", carolLogin, carolPassword + "</code>, then a one-time code",
				`id="help-totp-page"`, TOTPPagePath + `">`,
			},
			wantLinks: 2,
		},
		{
			name:      "own users: no passwords shown",
			users:     ownUsers,
			want:      []string{"development OpenID provider", `id="forgot-password"`, "devprovider.Config.Users"},
			wantNot:   []string{"Dana-secret-9", "dana@example.com", alicePassword, "help-totp-page"},
			wantLinks: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvConfig(t, &testkeys.Source{}, func(c *Config) { c.Users = tt.users })
			if got, want := e.p.HelpPageURL(), e.srv.URL+HelpPagePath; got != want {
				t.Errorf("HelpPageURL: got %q, want %q", got, want)
			}
			resp, body := e.get(e.p.HelpPageURL())
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			checkHTMLHeaders(t, resp)
			csp := cspDirectivesOf(resp.Header.Get("Content-Security-Policy"))
			if csp["default-src"] != "'none'" || csp["script-src"] != "" {
				t.Errorf("CSP: got %q, want default-src 'none' and no script-src", resp.Header.Get("Content-Security-Policy"))
			}
			for _, inline := range []string{"<script", "style=", " onclick=", "<style"} {
				if strings.Contains(body, inline) {
					t.Errorf("page has inline code or style %q, which its CSP blocks", inline)
				}
			}
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.wantNot {
				if strings.Contains(body, s) {
					t.Errorf("page contains %q", s)
				}
			}

			base, err := url.Parse(e.p.HelpPageURL())
			if err != nil {
				t.Fatal(err)
			}
			own := 0
			for _, m := range linkRE.FindAllStringSubmatch(body, -1) {
				u, err := base.Parse(m[1])
				if err != nil {
					t.Errorf("link %q: %v", m[1], err)
					continue
				}
				if u.Scheme+"://"+u.Host != e.srv.URL {
					// Only the applications' origins, to go back to.
					if u.String() != testTrustedOrigin+"/" {
						t.Errorf("link to %q, want only the provider's pages and %s/", u, testTrustedOrigin)
					}
					continue
				}
				own++
				if resp, _ := e.get(u.String()); resp.StatusCode != http.StatusOK {
					t.Errorf("link %s: got status %d, want 200", u.Path, resp.StatusCode)
				}
			}
			if own != tt.wantLinks {
				t.Errorf("links to the provider's pages: got %d, want %d", own, tt.wantLinks)
			}
		})
	}
}

// cspDirectivesOf splits a Content-Security-Policy into its directives.
func cspDirectivesOf(policy string) map[string]string {
	d := make(map[string]string)
	for part := range strings.SplitSeq(policy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), " ")
		if name != "" {
			d[name] = value
		}
	}
	return d
}
