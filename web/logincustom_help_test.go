package web

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/config"
	"github.com/okta-samples/okta-go-sample/devprovider"
)

// TestLoginCustomHelpLinks checks the widget's help links: in development
// mode both lead to the development provider's help page, which answers;
// with a real org the page sends none, so the widget keeps its defaults.
func TestLoginCustomHelpLinks(t *testing.T) {
	t.Parallel()
	if devHelpPath != devprovider.HelpPagePath {
		t.Fatalf("devHelpPath %q, want the provider's HelpPagePath %q", devHelpPath, devprovider.HelpPagePath)
	}
	tests := []struct {
		name   string
		dev    bool
		engine devprovider.Engine
	}{
		{name: "development mode, Identity Engine", dev: true, engine: devprovider.EngineIdentity},
		{name: "development mode, Classic", dev: true, engine: devprovider.EngineClassic},
		{name: "real org: the widget's defaults", dev: false, engine: devprovider.EngineIdentity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issuer := startDevProviderEngine(t, tt.engine, testAppOrigin)
			org := config.Config{Issuer: issuer}.OrgURL()
			cfg := config.Config{Issuer: issuer, ClientID: "0oa-test", ClientSecret: testSecret, RedirectURI: testRedirectURI, Dev: tt.dev}
			resp := get(t, newTestServerFor(t, cfg, CDNWidget(), nil), "/authorization-code/login-custom")
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200\n%s", resp.StatusCode, body)
			}
			wc := pageWidgetConfig(t, body)
			if !tt.dev {
				if wc.HelpLinks != nil || strings.Contains(widgetConfigBlock.FindStringSubmatch(body)[1], "helpLinks") {
					t.Errorf("helpLinks %+v, want none: the widget keeps the org's own links", wc.HelpLinks)
				}
				return
			}
			want := widgetHelpLinks{Help: org + "/help/login", ForgotPassword: org + "/help/login#forgot-password"}
			if wc.HelpLinks == nil || *wc.HelpLinks != want {
				t.Fatalf("helpLinks %+v, want %+v", wc.HelpLinks, want)
			}
			for name, link := range map[string]string{"help": wc.HelpLinks.Help, "forgotPassword": wc.HelpLinks.ForgotPassword} {
				page, section, _ := strings.Cut(link, "#")
				resp, err := http.Get(page)
				if err != nil {
					t.Fatalf("%s link: %v", name, err)
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatalf("%s link: %v", name, err)
				}
				if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "development OpenID provider") {
					t.Errorf("%s link %s: got %d, want 200 with the provider's help page", name, link, resp.StatusCode)
				}
				if section != "" && !strings.Contains(string(b), `id="`+section+`"`) {
					t.Errorf("%s link %s: the page has no #%s section", name, link, section)
				}
			}
		})
	}
}
