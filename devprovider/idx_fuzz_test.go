package devprovider_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/okta-samples/okta-go-sample/devprovider"
)

// FuzzIDXRequest posts any body and content type to the Identity Engine
// endpoints, in a live interaction ("{SH}" in the body stands for its
// current state handle). The provider must never panic, never answer 5xx,
// always answer an IDX body with its version, and end the interaction with
// an interaction code only for a demo user's username and password (and
// never for the user with a second factor, whose code the fuzzer cannot
// know).
func FuzzIDXRequest(f *testing.F) {
	p, clock := newFuzzProvider(f)
	paths := []string{"/idp/idx/identify", "/idp/idx/challenge/answer", "/idp/idx/introspect", "/idp/idx/cancel"}
	const ctype = "application/json"
	for _, s := range []struct {
		path  uint8
		body  string
		ctype string
	}{
		{0, `{"identifier":"alice@example.com","credentials":{"passcode":"Alice-demo-1"},"stateHandle":"{SH}"}`, ctype},
		{0, `{"identifier":"carol@example.com","credentials":{"passcode":"Carol-demo-1"},"stateHandle":"{SH}"}`, ctype},
		{0, `{"identifier":"bob@example.com","stateHandle":"{SH}"}`, "application/json; okta-version=1.0.0"},
		{0, `{"identifier":"alice@example.com","credentials":{"passcode":"Alice-demo-1"},"stateHandle":"other"}`, ctype},
		{0, `{"identifier":["x"],"stateHandle":"{SH}"}`, ctype},
		{1, `{"credentials":{"passcode":"123456"},"stateHandle":"{SH}"}`, ctype},
		{1, `{"credentials":null,"stateHandle":"{SH}"}`, ctype},
		{2, `{"stateToken":"{SH}"}`, "application/ion+json; okta-version=1.0.0"},
		{2, `{"interactionHandle":""}`, "application/ion+json"},
		{3, `{"stateHandle":"{SH}"}`, ctype},
		{0, `{"stateHandle":"{SH}"}{}`, ctype},
		{0, "\xff", "text/plain"},
	} {
		f.Add(s.path, s.body, s.ctype)
	}

	f.Fuzz(func(t *testing.T, path uint8, body, contentType string) {
		clock.nextIteration()
		sh := startInteraction(t, p)
		body = strings.ReplaceAll(body, "{SH}", sh)
		target := paths[int(path)%len(paths)]
		r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		rec := serve(p, r)
		if rec.Code >= 500 {
			t.Fatalf("%s: got %d %s, want no 5xx", target, rec.Code, rec.Body)
		}
		var resp struct {
			Version string          `json:"version"`
			Success json.RawMessage `json:"successWithInteractionCode"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Version != "1.0.0" {
			t.Fatalf("%s: got %q (%v), want an IDX body with version 1.0.0", target, rec.Body, err)
		}
		if resp.Success == nil {
			return
		}
		var req struct {
			Identifier  string
			Credentials struct{ Passcode string }
		}
		if target != "/idp/idx/identify" || json.Unmarshal([]byte(body), &req) != nil {
			t.Fatalf("%s: interaction code for %q", target, body)
		}
		for _, u := range devprovider.DemoUsers() {
			if u.TOTPSecret == "" && strings.EqualFold(strings.TrimSpace(req.Identifier), u.Login) && req.Credentials.Passcode == u.Password {
				return
			}
		}
		t.Fatalf("interaction code without a password-only user's credentials: %q", body)
	})
}

// startInteraction runs /v1/interact and introspect and returns the state
// handle of the first step.
func startInteraction(t *testing.T, p http.Handler) string {
	t.Helper()
	form := url.Values{"client_id": {fuzzClientID}, "redirect_uri": {fuzzRedirectURI}, "scope": {"openid"},
		"code_challenge": {"Fw0bOfZSyaOnm6u2K56cfd5OB2nT5c9mqXzYijnLAMk"}, "code_challenge_method": {"S256"}}
	r := httptest.NewRequest(http.MethodPost, fuzzIssuer+"/v1/interact", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := serve(p, r)
	var ia struct {
		Handle string `json:"interaction_handle"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ia); err != nil || ia.Handle == "" {
		t.Fatalf("interact: got %d %s", rec.Code, rec.Body)
	}
	r = httptest.NewRequest(http.MethodPost, "/idp/idx/introspect", strings.NewReader(`{"interactionHandle":"`+ia.Handle+`"}`))
	r.Header.Set("Content-Type", "application/ion+json; okta-version=1.0.0")
	rec = serve(p, r)
	var step struct {
		StateHandle string `json:"stateHandle"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &step); err != nil || step.StateHandle == "" {
		t.Fatalf("introspect: got %d %s", rec.Code, rec.Body)
	}
	return step.StateHandle
}
