package devprovider

import (
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

func TestNewValidation(t *testing.T) {
	t.Parallel()
	good := Client{ID: "app", Secret: "secret", RedirectURIs: []string{"http://localhost:8080/cb"}}
	tests := []struct {
		name    string
		cfg     Config
		wantErr []string // substrings; nil means valid
	}{
		{name: "minimal", cfg: Config{Issuer: "http://127.0.0.1:8081/oauth2/default", Clients: []Client{good}}},
		{name: "trailing slash and custom users", cfg: Config{Issuer: "https://id.example/oauth2/default/", Clients: []Client{good},
			Users: []User{{Subject: "u1", Login: "a@b.c", Password: "p"}}, TrustedOrigins: []string{"http://localhost:8080"}}},
		{name: "empty", cfg: Config{}, wantErr: []string{"Issuer is empty", "Clients is empty"}},
		{name: "relative issuer", cfg: Config{Issuer: "/oauth2/default", Clients: []Client{good}}, wantErr: []string{"absolute http or https"}},
		{name: "issuer with query", cfg: Config{Issuer: "http://x/oauth2?a=b", Clients: []Client{good}}, wantErr: []string{"must not have a query"}},
		{name: "issuer path with braces", cfg: Config{Issuer: "http://x/{id}", Clients: []Client{good}}, wantErr: []string{"Issuer path"}},
		{name: "bad clients", cfg: Config{Issuer: "http://x/o", Clients: []Client{
			{ID: "", Secret: ""},
			{ID: "a", Secret: "s", RedirectURIs: []string{"/relative", "http://x/cb#frag"}, PostLogoutRedirectURIs: []string{"nope"}},
			{ID: "a", Secret: "s", RedirectURIs: []string{"http://x/cb"}},
		}}, wantErr: []string{"Clients[0].ID is empty", "Clients[0].Secret is empty", "Clients[0].RedirectURIs is empty",
			"Clients[1].RedirectURIs[0]", "Clients[1].RedirectURIs[1]", "fragment", "Clients[1].PostLogoutRedirectURIs[0]",
			"Clients[2].ID \"a\" is registered twice"}},
		{name: "bad users", cfg: Config{Issuer: "http://x/o", Clients: []Client{good}, Users: []User{
			{Subject: "s", Login: "A@x", Password: "p"}, {Subject: "s", Login: "a@X", Password: ""}, {},
		}}, wantErr: []string{"Users[1].Subject \"s\" is used twice", "Users[1].Login \"a@X\" is used twice", "Users[1].Password is empty",
			"Users[2].Subject is empty", "Users[2].Login is empty"}},
		{name: "empty users", cfg: Config{Issuer: "http://x/o", Clients: []Client{good}, Users: []User{}}, wantErr: []string{"leave it nil"}},
		{name: "public client", cfg: Config{Issuer: "http://x/o", Clients: []Client{good, DemoSPAClient("http://localhost:8083")}}},
		{name: "public client with a secret", cfg: Config{Issuer: "http://x/o", Clients: []Client{
			{ID: "spa", Public: true, Secret: "s", RedirectURIs: []string{"http://localhost:8083/cb"}}}},
			wantErr: []string{"Clients[0] is Public and has a Secret"}},
		{name: "negative lifetimes", cfg: Config{Issuer: "http://x/o", Clients: []Client{good}, AccessTokenTTL: -1},
			wantErr: []string{"must not be negative"}},
		{name: "bad trusted origins", cfg: Config{Issuer: "http://x/o", Clients: []Client{good},
			TrustedOrigins: []string{"http://localhost:8080/", "localhost:8080", "*", "http://a/b"}},
			wantErr: []string{"TrustedOrigins[0]", "TrustedOrigins[1]", "TrustedOrigins[2]", "TrustedOrigins[3]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.NewSigningKey = (&testkeys.Source{}).Next
			p, err := New(cfg)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if p == nil {
					t.Fatalf("got nil Provider")
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want one mentioning %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q: want it to mention %q", err, want)
				}
			}
		})
	}
}

func TestDemoUsers(t *testing.T) {
	t.Parallel()
	users := DemoUsers()
	if len(users) != 3 {
		t.Fatalf("got %d demo users, want 3", len(users))
	}
	d := newDirectory(users)
	for _, c := range []struct{ login, password string }{
		{"alice@example.com", "Alice-demo-1"},
		{"bob@example.com", "Bob-demo-1"},
		{"carol@example.com", "Carol-demo-1"},
	} {
		if _, ok := d.checkPassword(c.login, c.password); !ok {
			t.Errorf("%s: documented demo password rejected", c.login)
		}
	}
	// DemoUsers returns a fresh slice: callers cannot change the next one.
	users[0].Password = "changed"
	if DemoUsers()[0].Password == "changed" {
		t.Errorf("DemoUsers shares state between calls")
	}
}

// TestSignInPageHidesHintForCustomUsers checks that the demo credentials
// are only advertised when they are the ones that work.
func TestSignInPageHidesHintForCustomUsers(t *testing.T) {
	t.Parallel()
	p, err := New(Config{Issuer: "http://127.0.0.1:8081/oauth2/default",
		Clients:       []Client{{ID: "c", Secret: "s", RedirectURIs: []string{"http://localhost:8080/cb"}}},
		Users:         []User{{Subject: "u1", Login: "carol@example.com", Password: "Carol-pw-1"}},
		NewSigningKey: (&testkeys.Source{}).Next})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	rec := serve(p, "GET", "http://127.0.0.1:8081/oauth2/default/v1/authorize?client_id=c&response_type=code&scope=openid"+
		"&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcb", nil)
	if rec.Code != 200 {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	if body := rec.Body.String(); strings.Contains(body, "Demo accounts") || strings.Contains(body, "Carol-pw-1") {
		t.Errorf("sign-in page: got a credentials hint for custom users, want none")
	}
}
