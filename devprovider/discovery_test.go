package devprovider

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

func TestDiscovery(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		t.Run(path, func(t *testing.T) {
			resp, body := e.get(e.issuer + path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type: got %q, want application/json", got)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(body), &doc); err != nil {
				t.Fatalf("decode: %v", err)
			}
			want := map[string]any{
				"issuer":                                         e.issuer,
				"authorization_endpoint":                         e.issuer + "/v1/authorize",
				"token_endpoint":                                 e.issuer + "/v1/token",
				"jwks_uri":                                       e.issuer + "/v1/keys",
				"userinfo_endpoint":                              e.issuer + "/v1/userinfo",
				"end_session_endpoint":                           e.issuer + "/v1/logout",
				"revocation_endpoint":                            e.issuer + "/v1/revoke",
				"response_types_supported":                       []any{"code"},
				"response_modes_supported":                       []any{"query"},
				"grant_types_supported":                          []any{"authorization_code", "refresh_token", "interaction_code"},
				"subject_types_supported":                        []any{"public"},
				"id_token_signing_alg_values_supported":          []any{"RS256"},
				"scopes_supported":                               []any{"openid", "profile", "email", "offline_access"},
				"token_endpoint_auth_methods_supported":          []any{"client_secret_basic", "client_secret_post", "none"},
				"code_challenge_methods_supported":               []any{"S256", "plain"},
				"authorization_response_iss_parameter_supported": true,
				"revocation_endpoint_auth_methods_supported":     []any{"client_secret_basic", "client_secret_post", "none"},
				"frontchannel_logout_supported":                  true,
				"frontchannel_logout_session_supported":          true,
				"backchannel_logout_supported":                   true,
				"backchannel_logout_session_supported":           true,
			}
			for k, v := range want {
				if got := doc[k]; !reflect.DeepEqual(got, v) {
					t.Errorf("%s: got %v, want %v", k, got, v)
				}
			}
			claims, _ := doc["claims_supported"].([]any)
			for _, c := range []string{"sub", "sid", "email", "name", "given_name", "family_name", "preferred_username", "locale"} {
				found := false
				for _, got := range claims {
					found = found || got == c
				}
				if !found {
					t.Errorf("claims_supported: missing %q in %v", c, claims)
				}
			}
		})
	}
}

// TestIssuerPaths checks routing for other issuer paths, including none.
func TestIssuerPaths(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", "/oauth2/aus123", "/custom/"} {
		t.Run("path "+path, func(t *testing.T) {
			t.Parallel()
			p, err := New(Config{Issuer: "http://127.0.0.1:8081" + path, Clients: []Client{
				{ID: "a", Secret: "b", RedirectURIs: []string{"http://localhost/cb"}}}, NewSigningKey: (&testkeys.Source{}).Next})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			trimmed := "http://127.0.0.1:8081" + path
			if trimmed[len(trimmed)-1] == '/' {
				trimmed = trimmed[:len(trimmed)-1]
			}
			rec := serve(p, http.MethodGet, trimmed+"/.well-known/openid-configuration", nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("discovery: got status %d, want 200", rec.Code)
			}
			var doc struct {
				Issuer string `json:"issuer"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if doc.Issuer != trimmed {
				t.Errorf("issuer: got %q, want %q", doc.Issuer, trimmed)
			}
		})
	}
}
