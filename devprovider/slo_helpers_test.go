package devprovider

import (
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

// rp is the logout side of a relying party, served by httptest: it records
// the back-channel logout requests it receives.
type rp struct {
	t   *testing.T
	srv *httptest.Server
	// status is the back-channel answer; hang makes it wait until the
	// provider gives up instead.
	status int
	hang   bool

	mu    sync.Mutex
	posts []rpPost
}

type rpPost struct {
	contentType string
	form        url.Values
}

func newRP(t *testing.T) *rp {
	t.Helper()
	r := &rp{t: t, status: http.StatusOK}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+BackchannelLogoutPath, func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(io.LimitReader(req.Body, 64<<10))
		form, perr := url.ParseQuery(string(body))
		if err != nil || perr != nil {
			t.Errorf("back-channel request body: %v %v", err, perr)
		}
		r.mu.Lock()
		r.posts = append(r.posts, rpPost{contentType: req.Header.Get("Content-Type"), form: form})
		r.mu.Unlock()
		if r.hang {
			<-req.Context().Done()
			return
		}
		w.WriteHeader(r.status)
	})
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

// client registers the relying party as a client with id, its logout URIs
// left to their defaults (the sample app's routes at its origin).
func (r *rp) client(id string) Client {
	return Client{
		ID: id, Secret: id + "-secret",
		RedirectURIs:           []string{r.srv.URL + appCallbackPath},
		PostLogoutRedirectURIs: []string{r.srv.URL + "/"},
	}
}

// logoutTokens returns the logout tokens received so far.
func (r *rp) logoutTokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, p := range r.posts {
		if p.contentType != "application/x-www-form-urlencoded" {
			r.t.Errorf("back-channel Content-Type: got %q, want application/x-www-form-urlencoded", p.contentType)
		}
		out = append(out, p.form.Get("logout_token"))
	}
	return out
}

// sloEnv is a provider with three relying parties, a, b and c, each a
// client with default logout URIs.
type sloEnv struct {
	*testEnv
	a, b, c *rp
}

func newSLOEnv(t *testing.T, configure func(*Config)) *sloEnv {
	t.Helper()
	s := &sloEnv{a: newRP(t), b: newRP(t), c: newRP(t)}
	s.testEnv = newTestEnvConfig(t, &testkeys.Source{}, func(cfg *Config) {
		cfg.Clients = []Client{s.a.client("app-a"), s.b.client("app-b"), s.c.client("app-c")}
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
		if configure != nil {
			configure(cfg)
		}
	})
	return s
}

// signInTo has the browser sign in to c as alice, with the password form
// when it has no provider session and by single sign-on otherwise, and
// returns the token response.
func (e *testEnv) signInTo(c Client) map[string]any {
	e.t.Helper()
	return e.signInAs(c, aliceLogin, alicePassword, nil)
}

// signInAs is signInTo as another user, with more authorize parameters.
func (e *testEnv) signInAs(c Client, login, password string, overrides map[string]string) map[string]any {
	e.t.Helper()
	params := map[string]string{"client_id": c.ID, "redirect_uri": c.RedirectURIs[0]}
	for k, v := range overrides {
		params[k] = v
	}
	resp, body := e.get(e.authorizeURL(params))
	if resp.StatusCode == http.StatusOK {
		resp, _ = e.postLogin(e.signInRequestID(resp, body), login, password)
	}
	code := e.codeFromRedirect(resp, c.RedirectURIs[0], "state-123")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.RedirectURIs[0]}}
	tresp, tok := e.tokenRequest(form, c.ID, c.Secret, true)
	if tresp.StatusCode != http.StatusOK {
		e.t.Fatalf("token for %s: got %d %v, want 200", c.ID, tresp.StatusCode, tok)
	}
	return tok
}

// sidOf returns the sid claim of a token response's verified id_token.
func (e *testEnv) sidOf(tok map[string]any) string {
	e.t.Helper()
	claims, _ := e.verifyIDToken(tok["id_token"].(string))
	sid, _ := claims["sid"].(string)
	if sid == "" {
		e.t.Fatalf("id_token: got no sid in %v", claims)
	}
	return sid
}

// logout sends the browser to the end-session endpoint with the id_token
// of tok as hint.
func (e *testEnv) logout(tok map[string]any, postLogoutURI, state string) (*http.Response, string) {
	e.t.Helper()
	q := url.Values{"id_token_hint": {tok["id_token"].(string)}}
	if postLogoutURI != "" {
		q.Set("post_logout_redirect_uri", postLogoutURI)
	}
	if state != "" {
		q.Set("state", state)
	}
	return e.get(e.issuer + "/v1/logout?" + q.Encode())
}

// signedIn reports whether the browser still has a provider session for
// c: prompt=none answers with a code, not login_required.
func (e *testEnv) signedIn(c Client) bool {
	e.t.Helper()
	resp, _ := e.get(e.authorizeURL(map[string]string{"client_id": c.ID, "redirect_uri": c.RedirectURIs[0], "prompt": "none"}))
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		e.t.Fatalf("prompt=none: got %d to %q, want a redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code") != ""
}

var (
	frameRE    = regexp.MustCompile(`<iframe class="frontchannel-logout" data-client="([^"]*)" data-src="([^"]*)"`)
	continueRE = regexp.MustCompile(`data-continue="([^"]*)"`)
)

// signOutFrames returns the front-channel logout iframes of a sign-out
// page, as client id -> URLs, and where the page continues to.
func signOutFrames(t *testing.T, body string) (map[string][]string, string) {
	t.Helper()
	frames := map[string][]string{}
	for _, m := range frameRE.FindAllStringSubmatch(body, -1) {
		frames[html.UnescapeString(m[1])] = append(frames[html.UnescapeString(m[1])], html.UnescapeString(m[2]))
	}
	next := ""
	if m := continueRE.FindStringSubmatch(body); m != nil {
		next = html.UnescapeString(m[1])
	}
	return frames, next
}

// verifyLogoutToken verifies raw against the provider's published JWKS
// with go-jose, as a relying party does, checks its header, and returns
// its claims.
func (e *testEnv) verifyLogoutToken(raw string) map[string]any {
	e.t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		e.t.Fatalf("parse logout token: %v", err)
	}
	if len(tok.Headers) != 1 {
		e.t.Fatalf("logout token: got %d signatures, want 1", len(tok.Headers))
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "logout+jwt" {
		e.t.Errorf("logout token typ: got %q, want logout+jwt (Back-Channel Logout 1.0 §2.4)", typ)
	}
	jwks := e.fetchJWKS()
	keys := jwks.Key(h.KeyID)
	if len(keys) != 1 {
		e.t.Fatalf("logout token kid %q: got %d published keys, want 1", h.KeyID, len(keys))
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		e.t.Fatalf("verify logout token: %v", err)
	}
	return claims
}

// cspDirective returns the sources of one directive of a CSP header.
func cspDirective(csp, name string) []string {
	for d := range strings.SplitSeq(csp, ";") {
		fields := strings.Fields(d)
		if len(fields) > 0 && fields[0] == name {
			return slices.Clone(fields[1:])
		}
	}
	return nil
}

// postSameOrigin posts form to the provider as its own page does.
func (e *testEnv) postSameOrigin(path string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(req)
}
