package doctor

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/okta-samples/okta-go-sample/devprovider"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

const (
	testRedirectURI = "http://localhost:8080/authorization-code/callback"
	testAppOrigin   = "http://localhost:8080"
)

// results is what Run reported, by check, in order.
type results struct {
	list []Result
	by   map[string]Result
}

// run runs every check of cfg and returns the results.
func run(t *testing.T, cfg Config) results {
	t.Helper()
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	rs := results{by: map[string]Result{}}
	Run(t.Context(), cfg, func(r Result) {
		if _, dup := rs.by[r.Check]; dup {
			t.Errorf("check %s reported twice", r.Check)
		}
		rs.list = append(rs.list, r)
		rs.by[r.Check] = r
	})
	return rs
}

// String lists the results, one per line, for failure messages.
func (rs results) String() string {
	var b strings.Builder
	for _, r := range rs.list {
		b.WriteString(r.Status.String() + " " + r.Check + " " + r.Detail)
		if r.Fix != "" {
			b.WriteString(" | fix: " + r.Fix)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// allChecks are the checks Run reports, in order.
func allChecks() []string {
	return []string{CheckDiscovery, CheckIssuer, CheckEndpoints, CheckKeys, CheckClock,
		CheckClient, CheckRedirectURI, CheckEngine, CheckTrustedOrigin}
}

// expect checks the status of check, and that its detail and fix contain
// the given texts.
type expect struct {
	status Status
	detail string // a substring of Detail; "" for any
	fix    string // a substring of Fix; "" for any
}

func (rs results) check(t *testing.T, check string, want expect) {
	t.Helper()
	got, ok := rs.by[check]
	if !ok {
		t.Errorf("%s: not reported\n%s", check, rs)
		return
	}
	if got.Status != want.status {
		t.Errorf("%s: got %s (%s | fix: %s), want %s", check, got.Status, got.Detail, got.Fix, want.status)
	}
	if !strings.Contains(got.Detail, want.detail) {
		t.Errorf("%s: got detail %q, want it to contain %q", check, got.Detail, want.detail)
	}
	if !strings.Contains(got.Fix, want.fix) {
		t.Errorf("%s: got fix %q, want it to contain %q", check, got.Fix, want.fix)
	}
	switch {
	case got.Status == Fail && got.Fix == "":
		t.Errorf("%s: a failure without a fix", check)
	case (got.Status == Pass || got.Status == Skip) && got.Fix != "":
		t.Errorf("%s: got %s with a fix %q", check, got.Status, got.Fix)
	}
}

// noSecrets fails if any result holds one of secrets.
func (rs results) noSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	for _, r := range rs.list {
		for _, s := range secrets {
			if s != "" && (strings.Contains(r.Detail, s) || strings.Contains(r.Fix, s)) {
				t.Errorf("%s: the output holds a secret: %q", r.Check, r.Detail+" | "+r.Fix)
			}
		}
	}
}

// devOP is the development provider on an httptest server, with a client
// registered for testRedirectURI and testAppOrigin trusted. It returns
// the doctor's configuration for it.
func devOP(t *testing.T, engine devprovider.Engine) Config {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String() + "/oauth2/default"
	const clientID, secret = "0oa-doctor-test", "doctor-test-secret-0123456789"
	p, err := devprovider.New(devprovider.Config{
		Issuer: issuer,
		Clients: []devprovider.Client{{
			ID: clientID, Secret: secret,
			RedirectURIs:           []string{testRedirectURI},
			PostLogoutRedirectURIs: []string{testAppOrigin + "/"},
		}},
		TrustedOrigins: []string{testAppOrigin},
		Engine:         engine,
		NewSigningKey:  (&testkeys.Source{}).Next,
	})
	if err != nil {
		t.Fatalf("devprovider.New: %v", err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(srv.Close)
	return Config{
		Issuer: issuer, ClientID: clientID, ClientSecret: secret, RedirectURI: testRedirectURI,
		OrgURL: srv.URL, AppOrigin: testAppOrigin, Leeway: 5 * time.Minute,
	}
}

// fakeOP is a small, correct Okta-like provider whose every route a test
// can replace, for what neither the development provider nor
// internal/testprovider can be made to do.
type fakeOP struct {
	srv    *httptest.Server
	issuer string
	routes map[string]http.HandlerFunc // by "METHOD path"
	disc   map[string]any
}

const fakeClientID, fakeSecret = "0oa-fake", "fake-secret-0123456789"

func newFakeOP(t *testing.T) *fakeOP {
	t.Helper()
	f := &fakeOP{routes: map[string]http.HandlerFunc{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := f.routes[r.Method+" "+r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	f.issuer = f.srv.URL + "/oauth2/default"
	f.disc = map[string]any{
		"issuer":                 f.issuer,
		"authorization_endpoint": f.issuer + "/v1/authorize",
		"token_endpoint":         f.issuer + "/v1/token",
		"jwks_uri":               f.issuer + "/v1/keys",
		"userinfo_endpoint":      f.issuer + "/v1/userinfo",
		"end_session_endpoint":   f.issuer + "/v1/logout",
	}
	key, err := testkeys.RSA(0)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}
	f.routes["GET /oauth2/default/.well-known/openid-configuration"] = func(w http.ResponseWriter, r *http.Request) { writeJSON(t, w, 200, f.disc) }
	f.routes["GET /oauth2/default/v1/keys"] = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, 200, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	}
	f.routes["POST /oauth2/default/v1/token"] = func(w http.ResponseWriter, r *http.Request) {
		if id, secret, ok := r.BasicAuth(); !ok || id != fakeClientID || secret != fakeSecret {
			writeJSON(t, w, 401, map[string]string{"error": "invalid_client"})
			return
		}
		writeJSON(t, w, 400, map[string]string{"error": "invalid_grant"})
	}
	f.routes["GET /oauth2/default/v1/authorize"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>sign in</html>")) // test server
	}
	f.routes["GET /.well-known/okta-organization"] = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, 200, map[string]string{"id": "00o-fake", "pipeline": "v1"})
	}
	f.routes["OPTIONS /api/v1/authn"] = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.WriteHeader(http.StatusNoContent)
	}
	return f
}

// config is the doctor's configuration for the fake provider.
func (f *fakeOP) config() Config {
	return Config{
		Issuer: f.issuer, ClientID: fakeClientID, ClientSecret: fakeSecret, RedirectURI: testRedirectURI,
		OrgURL: f.srv.URL, AppOrigin: testAppOrigin, Leeway: 5 * time.Minute,
	}
}

func writeJSON(t *testing.T, w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		t.Errorf("test server: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b) // the client's problem if it went away
}
