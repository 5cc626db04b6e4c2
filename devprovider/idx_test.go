package devprovider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/internal/testkeys"
)

// The widget's own request headers (okta-auth-js 7.14.5 in widget 7.49.0,
// see shared/notes/okta-widget-oie.md).
const (
	widgetIntrospectType = "application/ion+json; okta-version=1.0.0"
	widgetRemediateType  = "application/json"
	widgetUserAgent      = "okta-auth-js/7.14.5 okta-signin-widget-7.49.0"
	carolLogin           = "carol@example.com"
	carolPassword        = "Carol-demo-1"
	carolSubject         = "00udemocarol0000003"
	testNonce            = "nonce-from-the-app"
)

// interactForm is a /v1/interact form as the widget sends it; overrides
// replace values, and an empty override removes the parameter.
func interactForm(overrides map[string]string) url.Values {
	f := url.Values{
		"client_id":             {testClientID},
		"scope":                 {"openid profile email"},
		"redirect_uri":          {testRedirectURI},
		"code_challenge":        {testChallenge},
		"code_challenge_method": {"S256"},
		"state":                 {"state-123"},
		"nonce":                 {testNonce},
	}
	for k, v := range overrides {
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
	}
	return f
}

// interactRaw posts form to /v1/interact from origin (none if "").
func (e *testEnv) interactRaw(form url.Values, origin string) (*http.Response, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/v1/interact", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Okta-User-Agent-Extended", widgetUserAgent)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, raw := e.do(req)
	return resp, decodeObject(e.t, raw)
}

// interact starts an interaction and returns its handle.
func (e *testEnv) interact(overrides map[string]string) string {
	e.t.Helper()
	resp, body := e.interactRaw(interactForm(overrides), testTrustedOrigin)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("interact: got %d %v, want 200", resp.StatusCode, body)
	}
	handle, _ := body["interaction_handle"].(string)
	if handle == "" {
		e.t.Fatalf("interact: no interaction_handle in %v", body)
	}
	return handle
}

// idx posts body as JSON to an IDX path at the provider's origin, as the
// widget does from the trusted origin, and returns the decoded answer
// after checking its content type.
func (e *testEnv) idx(path string, body any) (int, map[string]any) {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(string(b)))
	if err != nil {
		e.t.Fatal(err)
	}
	ct := widgetRemediateType
	if path == "/idp/idx/introspect" {
		ct = widgetIntrospectType
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Accept", "application/ion+json; okta-version=1.0.0")
	req.Header.Set("X-Okta-User-Agent-Extended", widgetUserAgent)
	req.Header.Set("Origin", testTrustedOrigin)
	resp, raw := e.do(req)
	if got := resp.Header.Get("Content-Type"); got != "application/ion+json; okta-version=1.0.0" {
		e.t.Errorf("%s: Content-Type: got %q, want application/ion+json; okta-version=1.0.0", path, got)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != testTrustedOrigin {
		e.t.Errorf("%s: Access-Control-Allow-Origin: got %q, want %q", path, got, testTrustedOrigin)
	}
	if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
		e.t.Errorf("%s: Access-Control-Allow-Credentials: got %q, want true", path, got)
	}
	out := decodeObject(e.t, raw)
	if got := out["version"]; got != "1.0.0" {
		e.t.Errorf("%s: version: got %v, want 1.0.0 (the widget needs it, even on errors)", path, got)
	}
	return resp.StatusCode, out
}

func decodeObject(t *testing.T, raw string) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return out
}

// jget walks v by object keys (string) and array indexes (int); nil when a
// step is missing.
func jget(v any, path ...any) any {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[s]
		case int:
			a, ok := v.([]any)
			if !ok || s >= len(a) {
				return nil
			}
			v = a[s]
		}
	}
	return v
}

// remediation returns the form named name from resp's remediation list.
func remediation(t *testing.T, resp map[string]any, name string) map[string]any {
	t.Helper()
	forms, _ := jget(resp, "remediation", "value").([]any)
	for _, f := range forms {
		if m, _ := f.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no %q remediation in %v", name, resp)
	return nil
}

// field returns the field named name of a form's value list.
func field(t *testing.T, fields any, name string) map[string]any {
	t.Helper()
	list, _ := fields.([]any)
	for _, f := range list {
		if m, _ := f.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no field %q in %v", name, fields)
	return nil
}

// checkForm checks what the widget needs of every form (rel, an absolute
// href at the origin, POST, the hidden stateHandle field) and returns the
// state handle it carries.
func (e *testEnv) checkForm(form map[string]any, wantPath string) string {
	e.t.Helper()
	if got := form["rel"]; !reflect.DeepEqual(got, []any{"create-form"}) {
		e.t.Errorf("form %v: rel: got %v, want [create-form]", form["name"], got)
	}
	if got := form["href"]; got != e.srv.URL+wantPath {
		e.t.Errorf("form %v: href: got %v, want %s", form["name"], got, e.srv.URL+wantPath)
	}
	if got := form["method"]; got != "POST" {
		e.t.Errorf("form %v: method: got %v, want POST", form["name"], got)
	}
	if got := form["accepts"]; got != "application/json; okta-version=1.0.0" {
		e.t.Errorf("form %v: accepts: got %v", form["name"], got)
	}
	sh := field(e.t, form["value"], "stateHandle")
	for k, want := range map[string]any{"required": true, "visible": false, "mutable": false} {
		if got := sh[k]; got != want {
			e.t.Errorf("form %v: stateHandle.%s: got %v, want %v", form["name"], k, got, want)
		}
	}
	handle, _ := sh["value"].(string)
	if handle == "" {
		e.t.Fatalf("form %v: stateHandle field has no value", form["name"])
	}
	return handle
}

// checkMessage checks an IDX error body's first message.
func checkMessage(t *testing.T, body map[string]any, wantKey, wantText string) {
	t.Helper()
	m := jget(body, "messages", "value", 0)
	if m == nil {
		t.Fatalf("no messages in %v", body)
	}
	if got := jget(m, "class"); got != "ERROR" {
		t.Errorf("message class: got %v, want ERROR", got)
	}
	if got := jget(m, "message"); got != wantText {
		t.Errorf("message: got %v, want %q", got, wantText)
	}
	gotKey, _ := jget(m, "i18n", "key").(string)
	if gotKey != wantKey {
		t.Errorf("i18n key: got %q, want %q", gotKey, wantKey)
	}
}

// identify posts the identify form.
func (e *testEnv) identify(sh, identifier string, password *string) (int, map[string]any) {
	e.t.Helper()
	body := map[string]any{"identifier": identifier, "stateHandle": sh}
	if password != nil {
		body["credentials"] = map[string]any{"passcode": *password}
	}
	return e.idx("/idp/idx/identify", body)
}

// answer posts the challenge-authenticator form.
func (e *testEnv) answer(sh, passcode string) (int, map[string]any) {
	e.t.Helper()
	return e.idx("/idp/idx/challenge/answer", map[string]any{"credentials": map[string]any{"passcode": passcode}, "stateHandle": sh})
}

// startIDX runs interact and introspect and returns the identify form's
// state handle.
func (e *testEnv) startIDX() (interactionHandle, stateHandle string) {
	e.t.Helper()
	ih := e.interact(nil)
	status, resp := e.idx("/idp/idx/introspect", map[string]any{"interactionHandle": ih})
	if status != http.StatusOK {
		e.t.Fatalf("introspect: got %d %v, want 200", status, resp)
	}
	return ih, e.checkForm(remediation(e.t, resp, "identify"), "/idp/idx/identify")
}

// interactionCode checks a successWithInteractionCode answer and returns
// the code.
func (e *testEnv) interactionCode(status int, resp map[string]any) string {
	e.t.Helper()
	if status != http.StatusOK {
		e.t.Fatalf("got %d %v, want 200 with successWithInteractionCode", status, resp)
	}
	s, _ := resp["successWithInteractionCode"].(map[string]any)
	if s == nil {
		e.t.Fatalf("no successWithInteractionCode in %v", resp)
	}
	if got := s["href"]; got != e.issuer+"/v1/token" {
		e.t.Errorf("successWithInteractionCode.href: got %v, want the token endpoint", got)
	}
	if got := s["rel"]; !reflect.DeepEqual(got, []any{"create-form"}) {
		e.t.Errorf("successWithInteractionCode.rel: got %v", got)
	}
	if got := field(e.t, s["value"], "grant_type")["value"]; got != "interaction_code" {
		e.t.Errorf("grant_type: got %v, want interaction_code", got)
	}
	code, _ := field(e.t, s["value"], "interaction_code")["value"].(string)
	if code == "" {
		e.t.Fatalf("no interaction_code in %v", s)
	}
	return code
}

// interactionCodeForm is a token request for an interaction code.
func interactionCodeForm(code, verifier string) url.Values {
	return url.Values{"grant_type": {"interaction_code"}, "interaction_code": {code}, "code_verifier": {verifier}}
}

// redeem exchanges an interaction code as the app does and returns the
// verified id_token claims.
func (e *testEnv) redeem(code string) map[string]any {
	e.t.Helper()
	resp, tok := e.tokenRequest(interactionCodeForm(code, testVerifier), testClientID, testClientSecret, true)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("token: got %d %v, want 200", resp.StatusCode, tok)
	}
	claims, _ := e.verifyIDToken(tok["id_token"].(string))
	return claims
}

func ptr(s string) *string { return &s }

// TestIDXSinglePage is the widget's default Identity Engine sign-in:
// interact, introspect, identify with the password on the same page, then
// the interaction code at the token endpoint.
func TestIDXSinglePage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ih := e.interact(nil)
	status, resp := e.idx("/idp/idx/introspect", map[string]any{"interactionHandle": ih})
	if status != http.StatusOK {
		t.Fatalf("introspect: got %d %v, want 200", status, resp)
	}
	form := remediation(t, resp, "identify")
	sh := e.checkForm(form, "/idp/idx/identify")
	if got := resp["stateHandle"]; got != sh {
		t.Errorf("stateHandle: got %v, want the form's %q", got, sh)
	}
	if got := field(t, form["value"], "identifier")["label"]; got != "Username" {
		t.Errorf("identifier label: got %v, want Username", got)
	}
	pass := field(t, jget(field(t, form["value"], "credentials"), "form", "value"), "passcode")
	if pass["secret"] != true || pass["label"] != "Password" {
		t.Errorf("passcode field: got %v, want a secret field labelled Password", pass)
	}
	if got := jget(resp, "currentAuthenticator", "value", "key"); got != "okta_password" {
		t.Errorf("currentAuthenticator.key: got %v, want okta_password", got)
	}
	if jget(resp, "currentAuthenticator", "value", "recover") != nil {
		t.Errorf("currentAuthenticator has a recover form: the widget would offer a password reset that does not exist")
	}
	wantExpiry := e.clock.Now().Add(interactionTTL).UTC().Format("2006-01-02T15:04:05.000Z")
	if got := resp["expiresAt"]; got != wantExpiry {
		t.Errorf("expiresAt: got %v, want %s", got, wantExpiry)
	}

	code := e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword)))
	claims := e.redeem(code)
	for k, want := range map[string]any{"sub": aliceSubject, "nonce": testNonce, "aud": testClientID, "iss": e.issuer} {
		if got := claims[k]; got != want {
			t.Errorf("id_token %s: got %v, want %v", k, got, want)
		}
	}
	if got := claims["amr"]; !reflect.DeepEqual(got, []any{"pwd"}) {
		t.Errorf("amr: got %v, want [pwd]", got)
	}
	for _, secret := range []string{alicePassword, code, sh, ih} {
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("logs contain a secret (password, interaction code or handle)")
		}
	}
}

// TestIDXTwoStep covers identify with the username alone, then the password
// as a challenge-authenticator remediation.
func TestIDXTwoStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		identifier string
		wantUser   bool // the account exists
	}{
		{name: "known user", identifier: aliceLogin, wantUser: true},
		// No enumeration: an unknown name gets the same password step.
		{name: "unknown user", identifier: "nobody@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			_, sh := e.startIDX()
			status, resp := e.identify(sh, tt.identifier, nil)
			if status != http.StatusOK {
				t.Fatalf("identify: got %d %v, want 200", status, resp)
			}
			form := remediation(t, resp, "challenge-authenticator")
			sh2 := e.checkForm(form, "/idp/idx/challenge/answer")
			if sh2 == sh {
				t.Errorf("stateHandle: unchanged after a step, want a new one")
			}
			if got := form["relatesTo"]; !reflect.DeepEqual(got, []any{"$.currentAuthenticatorEnrollment"}) {
				t.Errorf("relatesTo: got %v", got)
			}
			if got := jget(resp, "currentAuthenticatorEnrollment", "value", "key"); got != "okta_password" {
				t.Errorf("currentAuthenticatorEnrollment.key: got %v, want okta_password", got)
			}
			if got := jget(resp, "user", "value", "identifier"); got != tt.identifier {
				t.Errorf("user.identifier: got %v, want %s", got, tt.identifier)
			}
			e.checkForm(resp["cancel"].(map[string]any), "/idp/idx/cancel")

			status, resp = e.answer(sh2, alicePassword)
			if !tt.wantUser {
				if status != http.StatusUnauthorized {
					t.Fatalf("password for an unknown user: got %d %v, want 401", status, resp)
				}
				checkMessage(t, resp, "incorrectPassword", "Password is incorrect")
				return
			}
			claims := e.redeem(e.interactionCode(status, resp))
			if got := claims["sub"]; got != aliceSubject {
				t.Errorf("sub: got %v, want %v", got, aliceSubject)
			}
		})
	}
}

// TestIDXTOTP covers the TOTP user: the password, then a
// challenge-authenticator for Google Authenticator; a wrong code is shown
// inline and can be retried with the same state handle.
func TestIDXTOTP(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, sh := e.startIDX()
	status, resp := e.identify(sh, carolLogin, ptr(carolPassword))
	if status != http.StatusOK {
		t.Fatalf("identify: got %d %v, want 200 with the code challenge", status, resp)
	}
	if resp["successWithInteractionCode"] != nil {
		t.Fatalf("got an interaction code after the password alone")
	}
	form := remediation(t, resp, "challenge-authenticator")
	sh2 := e.checkForm(form, "/idp/idx/challenge/answer")
	enr := jget(resp, "currentAuthenticatorEnrollment", "value")
	for k, want := range map[string]any{"key": "google_otp", "type": "app", "displayName": "Google Authenticator"} {
		if got := jget(enr, k); got != want {
			t.Errorf("currentAuthenticatorEnrollment.%s: got %v, want %v", k, got, want)
		}
	}
	if got := jget(enr, "methods", 0, "type"); got != "otp" {
		t.Errorf("methods[0].type: got %v, want otp", got)
	}
	pass := field(t, jget(field(t, form["value"], "credentials"), "form", "value"), "passcode")
	if pass["label"] != "Enter code" || pass["secret"] != nil {
		t.Errorf("passcode field: got %v, want a visible field labelled Enter code", pass)
	}
	if got := jget(resp, "user", "value", "id"); got != carolSubject {
		t.Errorf("user.id: got %v, want %s", got, carolSubject)
	}

	status, resp = e.answer(sh2, wrongCode(t, e))
	if status != http.StatusUnauthorized {
		t.Fatalf("wrong code: got %d %v, want 401", status, resp)
	}
	checkMessage(t, resp, "api.authn.error.PASSCODE_INVALID", "Invalid code. Try again.")

	code := e.interactionCode(e.answer(sh2, carolCode(t, e)))
	claims := e.redeem(code)
	if got := claims["sub"]; got != carolSubject {
		t.Errorf("sub: got %v, want %v", got, carolSubject)
	}
	if got := claims["amr"]; !reflect.DeepEqual(got, []any{"pwd", "otp"}) {
		t.Errorf("amr: got %v, want [pwd otp]", got)
	}
}

// TestIDXWrongPassword checks the error body the widget shows inline, and
// that the retry works with the same state handle.
func TestIDXWrongPassword(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, sh := e.startIDX()
	status, resp := e.identify(sh, aliceLogin, ptr("wrong"))
	if status != http.StatusUnauthorized {
		t.Fatalf("got %d %v, want 401", status, resp)
	}
	checkMessage(t, resp, "errors.E0000004", "Authentication failed")
	if resp["successWithInteractionCode"] != nil || resp["stateHandle"] != nil {
		t.Errorf("error body: got %v, want only version and messages", resp)
	}
	e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword)))
}

// TestIDXLockout checks that IDX shares the account lockout of the other
// sign-in paths.
func TestIDXLockout(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, sh := e.startIDX()
	for range freeFailures {
		if status, resp := e.identify(sh, aliceLogin, ptr("wrong")); status != http.StatusUnauthorized {
			t.Fatalf("wrong password: got %d %v, want 401", status, resp)
		}
	}
	status, resp := e.identify(sh, aliceLogin, ptr(alicePassword))
	if status != http.StatusTooManyRequests {
		t.Fatalf("correct password while locked out: got %d %v, want 429", status, resp)
	}
	checkMessage(t, resp, "", "Too many failed sign-in attempts. Try again in a few minutes.")
	e.clock.Advance(lockoutBase)
	e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword)))
}

// TestIDXHandles checks that state handles are single use per step and
// expire with the interaction, and that an interaction ends with its code:
// each of these gets Okta's idx.session.expired, which the widget turns
// into "You have been logged out due to inactivity" and a way back.
func TestIDXHandles(t *testing.T) {
	t.Parallel()
	type step struct {
		path string
		body func(ih, sh string) any
	}
	introspectIH := step{"/idp/idx/introspect", func(ih, _ string) any { return map[string]any{"interactionHandle": ih} }}
	introspectSH := step{"/idp/idx/introspect", func(_, sh string) any { return map[string]any{"stateToken": sh} }}
	identify := step{"/idp/idx/identify", func(_, sh string) any {
		return map[string]any{"identifier": aliceLogin, "credentials": map[string]any{"passcode": alicePassword}, "stateHandle": sh}
	}}
	identifyOnly := step{"/idp/idx/identify", func(_, sh string) any { return map[string]any{"identifier": aliceLogin, "stateHandle": sh} }}
	answer := step{"/idp/idx/challenge/answer", func(_, sh string) any {
		return map[string]any{"credentials": map[string]any{"passcode": alicePassword}, "stateHandle": sh}
	}}

	tests := []struct {
		name  string
		setup func(e *testEnv, ih, sh string) // what happened before
		try   step
	}{
		{name: "expired interaction, introspect by interaction handle",
			setup: func(e *testEnv, _, _ string) { e.clock.Advance(interactionTTL) }, try: introspectIH},
		{name: "expired interaction, introspect by state handle",
			setup: func(e *testEnv, _, _ string) { e.clock.Advance(interactionTTL) }, try: introspectSH},
		{name: "expired state handle at identify",
			setup: func(e *testEnv, _, _ string) { e.clock.Advance(interactionTTL) }, try: identify},
		{name: "state handle of a finished step is replayed",
			setup: func(e *testEnv, _, sh string) { e.identify(sh, aliceLogin, nil) }, try: identifyOnly},
		{name: "state handle of a finished step, at the next step's endpoint",
			setup: func(e *testEnv, _, sh string) { e.identify(sh, aliceLogin, nil) }, try: answer},
		{name: "state handle replayed after success",
			setup: func(e *testEnv, _, sh string) { e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword))) }, try: identify},
		{name: "state handle introspected after success",
			setup: func(e *testEnv, _, sh string) { e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword))) }, try: introspectSH},
		{name: "interaction handle introspected after success",
			setup: func(e *testEnv, _, sh string) { e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword))) }, try: introspectIH},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			ih, sh := e.startIDX()
			tt.setup(e, ih, sh)
			status, resp := e.idx(tt.try.path, tt.try.body(ih, sh))
			if status != http.StatusUnauthorized {
				t.Fatalf("got %d %v, want 401", status, resp)
			}
			checkMessage(t, resp, "idx.session.expired", "The session has expired.")
		})
	}

	t.Run("unknown handles", func(t *testing.T) {
		e := newTestEnv(t)
		for _, s := range []step{introspectIH, introspectSH, identify, answer} {
			status, resp := e.idx(s.path, s.body("no-such-handle", "02nosuchhandle"))
			if status != http.StatusUnauthorized {
				t.Errorf("%s: got %d %v, want 401", s.path, status, resp)
			}
		}
	})

	t.Run("just before expiry", func(t *testing.T) {
		e := newTestEnv(t)
		_, sh := e.startIDX()
		e.clock.Advance(interactionTTL - time.Second)
		e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword)))
	})
}

// TestIDXResume covers "Back to sign in" and reloads: the widget calls
// /v1/interact again with the same state and challenge (each call gets its
// own interaction), or introspects its saved interaction handle and must
// get the current step back.
func TestIDXResume(t *testing.T) {
	t.Parallel()
	t.Run("introspect returns the current step", func(t *testing.T) {
		e := newTestEnv(t)
		ih, sh := e.startIDX()
		_, resp := e.identify(sh, aliceLogin, nil)
		sh2 := e.checkForm(remediation(t, resp, "challenge-authenticator"), "/idp/idx/challenge/answer")
		status, resp := e.idx("/idp/idx/introspect", map[string]any{"interactionHandle": ih})
		if status != http.StatusOK {
			t.Fatalf("introspect: got %d %v", status, resp)
		}
		if got := e.checkForm(remediation(t, resp, "challenge-authenticator"), "/idp/idx/challenge/answer"); got != sh2 {
			t.Errorf("stateHandle after reload: got %q, want the current %q", got, sh2)
		}
		e.interactionCode(e.answer(sh2, alicePassword))
	})
	t.Run("repeated interact for one login", func(t *testing.T) {
		e := newTestEnv(t)
		_, first := e.startIDX()
		e.identify(first, aliceLogin, nil) // then "Back to sign in"
		_, second := e.startIDX()
		claims := e.redeem(e.interactionCode(e.identify(second, bobLogin, ptr(bobPassword))))
		if got := claims["preferred_username"]; got != bobLogin {
			t.Errorf("preferred_username: got %v, want %s", got, bobLogin)
		}
	})
	t.Run("cancel starts over in the same interaction", func(t *testing.T) {
		e := newTestEnv(t)
		_, sh := e.startIDX()
		_, resp := e.identify(sh, aliceLogin, nil)
		cancel := resp["cancel"].(map[string]any)
		status, resp := e.idx("/idp/idx/cancel", map[string]any{"stateHandle": e.checkForm(cancel, "/idp/idx/cancel")})
		if status != http.StatusOK {
			t.Fatalf("cancel: got %d %v", status, resp)
		}
		sh3 := e.checkForm(remediation(t, resp, "identify"), "/idp/idx/identify")
		e.interactionCode(e.identify(sh3, bobLogin, ptr(bobPassword)))
	})
}

// TestIDXWrongStep checks that a remediation the current step does not
// offer is refused with an IDX error, not acted on.
func TestIDXWrongStep(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	_, sh := e.startIDX()
	status, resp := e.answer(sh, alicePassword)
	if status != http.StatusBadRequest || resp["successWithInteractionCode"] != nil {
		t.Fatalf("challenge/answer at the identify step: got %d %v, want 400", status, resp)
	}
	_, resp = e.identify(sh, carolLogin, ptr(carolPassword))
	sh2 := e.checkForm(remediation(t, resp, "challenge-authenticator"), "/idp/idx/challenge/answer")
	status, resp = e.identify(sh2, aliceLogin, ptr(alicePassword))
	if status != http.StatusBadRequest || resp["successWithInteractionCode"] != nil {
		t.Fatalf("identify at the code step: got %d %v, want 400: it must not skip the second factor", status, resp)
	}
}

// TestIDXBadRequests checks that malformed requests get an IDX error the
// widget can show, never a 500.
func TestIDXBadRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		path        string
		contentType string
		body        string
		wantStatus  int
	}{
		{name: "form instead of JSON", path: "/idp/idx/identify", contentType: "application/x-www-form-urlencoded",
			body: "identifier=a", wantStatus: 415},
		{name: "not JSON", path: "/idp/idx/introspect", contentType: widgetIntrospectType, body: "{", wantStatus: 400},
		{name: "two objects", path: "/idp/idx/identify", contentType: "application/json", body: "{}{}", wantStatus: 400},
		{name: "too large", path: "/idp/idx/identify", contentType: "application/json",
			body: `{"identifier":"` + strings.Repeat("a", maxIDXBodyBytes) + `"}`, wantStatus: 413},
		{name: "introspect names nothing", path: "/idp/idx/introspect", contentType: widgetIntrospectType, body: "{}", wantStatus: 400},
		{name: "wrong type", path: "/idp/idx/identify", contentType: "application/json", body: `{"stateHandle":1}`, wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tt.contentType)
			resp, raw := e.do(req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, raw, tt.wantStatus)
			}
			body := decodeObject(t, raw)
			if body["version"] != "1.0.0" || jget(body, "messages", "value", 0, "message") == nil {
				t.Errorf("body: got %s, want version and a message", raw)
			}
		})
	}
	t.Run("missing fields", func(t *testing.T) {
		e := newTestEnv(t)
		_, sh := e.startIDX()
		for _, body := range []map[string]any{
			{"stateHandle": sh},
			{"stateHandle": sh, "identifier": aliceLogin, "credentials": map[string]any{}},
		} {
			status, resp := e.idx("/idp/idx/identify", body)
			if status != http.StatusBadRequest {
				t.Errorf("%v: got %d %v, want 400", body, status, resp)
			}
		}
		// The interaction is still usable.
		e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword)))
	})
}

// TestInteract checks /v1/interact's validation: the client and its exact
// redirect URI, the openid scope and an S256 challenge; and that it answers
// only the provider's own and trusted origins.
func TestInteract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		over       map[string]string
		origin     string
		wantStatus int
		wantError  string
	}{
		{name: "widget request", origin: testTrustedOrigin, wantStatus: 200},
		{name: "server to server", wantStatus: 200},
		{name: "no state or nonce", over: map[string]string{"state": "", "nonce": ""}, wantStatus: 200},
		{name: "unknown client", over: map[string]string{"client_id": "nope"}, wantStatus: 401, wantError: "invalid_client"},
		{name: "no client", over: map[string]string{"client_id": ""}, wantStatus: 401, wantError: "invalid_client"},
		{name: "redirect URI of another client", over: map[string]string{"redirect_uri": otherRedirectURI},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "redirect URI with a trailing slash", over: map[string]string{"redirect_uri": testRedirectURI + "/"},
			wantStatus: 400, wantError: "invalid_request"},
		{name: "no openid scope", over: map[string]string{"scope": "profile"}, wantStatus: 400, wantError: "invalid_scope"},
		{name: "unknown scope", over: map[string]string{"scope": "openid admin"}, wantStatus: 400, wantError: "invalid_scope"},
		{name: "no challenge", over: map[string]string{"code_challenge": ""}, wantStatus: 400, wantError: "invalid_request"},
		{name: "plain challenge", over: map[string]string{"code_challenge_method": "plain"}, wantStatus: 400, wantError: "invalid_request"},
		{name: "no challenge method", over: map[string]string{"code_challenge_method": ""}, wantStatus: 400, wantError: "invalid_request"},
		{name: "short challenge", over: map[string]string{"code_challenge": "abc"}, wantStatus: 400, wantError: "invalid_request"},
		{name: "untrusted origin", origin: "https://evil.example", wantStatus: 403, wantError: "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			resp, body := e.interactRaw(interactForm(tt.over), tt.origin)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got %d %v, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if got, _ := body["error"].(string); got != tt.wantError {
				t.Errorf("error: got %q, want %q", got, tt.wantError)
			}
			if tt.wantStatus == http.StatusOK {
				if got := resp.Header.Get("Content-Type"); got != "application/json" {
					t.Errorf("Content-Type: got %q, want application/json", got)
				}
				if h, _ := body["interaction_handle"].(string); len(h) < 20 {
					t.Errorf("interaction_handle: got %q, want a long random value", h)
				}
			}
			wantACAO := ""
			if tt.origin == testTrustedOrigin {
				wantACAO = testTrustedOrigin
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != wantACAO {
				t.Errorf("Access-Control-Allow-Origin: got %q, want %q", got, wantACAO)
			}
		})
	}
	t.Run("repeated parameter", func(t *testing.T) {
		e := newTestEnv(t)
		f := interactForm(nil)
		f.Add("redirect_uri", otherRedirectURI)
		if resp, body := e.interactRaw(f, ""); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("got %d %v, want 400", resp.StatusCode, body)
		}
	})
}

// TestIDXCORS checks the preflights the widget sends, and that browsers on
// untrusted origins are refused outright.
func TestIDXCORS(t *testing.T) {
	t.Parallel()
	paths := []string{"/oauth2/default/v1/interact", "/idp/idx/introspect", "/idp/idx/identify", "/idp/idx/challenge/answer"}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			for _, tt := range []struct {
				origin     string
				wantStatus int
			}{{testTrustedOrigin, 204}, {"https://evil.example", 403}, {"null", 403}} {
				req, err := http.NewRequest(http.MethodOptions, e.srv.URL+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Origin", tt.origin)
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "content-type,x-okta-user-agent-extended")
				resp, _ := e.do(req)
				if resp.StatusCode != tt.wantStatus {
					t.Errorf("preflight from %s: got %d, want %d", tt.origin, resp.StatusCode, tt.wantStatus)
				}
				wantACAO, wantCreds := "", ""
				if tt.wantStatus == 204 {
					wantACAO, wantCreds = tt.origin, "true"
				}
				if got := resp.Header.Get("Access-Control-Allow-Origin"); got != wantACAO {
					t.Errorf("preflight from %s: Access-Control-Allow-Origin: got %q, want %q", tt.origin, got, wantACAO)
				}
				if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != wantCreds {
					t.Errorf("preflight from %s: Access-Control-Allow-Credentials: got %q, want %q", tt.origin, got, wantCreds)
				}
			}
			// The request itself, from an untrusted origin.
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", "https://evil.example")
			req.Header.Set("Content-Type", "application/json")
			if resp, body := e.do(req); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST from an untrusted origin: got %d %s, want 403", resp.StatusCode, body)
			}
		})
	}
}

// TestInteractionCodeGrant checks that an interaction code is bound to the
// client, the PKCE challenge and the redirect URI of its /v1/interact, and
// is single use and short-lived.
func TestInteractionCodeGrant(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		before    func(e *testEnv, code string) // e.g. a first use
		form      func(code string) url.Values
		clientID  string
		secret    string
		wantError string
		// unspent: the attempt never named the code as an interaction
		// code, so it stays usable.
		unspent bool
	}{
		{name: "the client of the interaction, basic", form: func(c string) url.Values { return interactionCodeForm(c, testVerifier) }},
		{name: "with the same redirect URI", form: func(c string) url.Values {
			f := interactionCodeForm(c, testVerifier)
			f.Set("redirect_uri", testRedirectURI)
			return f
		}},
		{name: "another client", clientID: otherClientID, secret: otherClientSecret,
			form: func(c string) url.Values { return interactionCodeForm(c, testVerifier) }, wantError: "invalid_grant"},
		{name: "another challenge's verifier", wantError: "invalid_grant",
			form: func(c string) url.Values { return interactionCodeForm(c, testVerifier+"x") }},
		{name: "no verifier", wantError: "invalid_grant",
			form: func(c string) url.Values { return interactionCodeForm(c, "") }},
		{name: "another redirect URI", wantError: "invalid_grant", form: func(c string) url.Values {
			f := interactionCodeForm(c, testVerifier)
			f.Set("redirect_uri", otherRedirectURI)
			return f
		}},
		{name: "as an authorization code", wantError: "invalid_grant", unspent: true, form: func(c string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {testRedirectURI},
				"code_verifier": {testVerifier}}
		}},
		{name: "second use", wantError: "invalid_grant",
			before: func(e *testEnv, c string) { e.redeem(c) },
			form:   func(c string) url.Values { return interactionCodeForm(c, testVerifier) }},
		{name: "expired", wantError: "invalid_grant",
			before: func(e *testEnv, _ string) { e.clock.Advance(codeTTL) },
			form:   func(c string) url.Values { return interactionCodeForm(c, testVerifier) }},
		{name: "no interaction_code", wantError: "invalid_request",
			form: func(string) url.Values { return interactionCodeForm("", testVerifier) }},
		{name: "wrong client secret", secret: "wrong", wantError: "invalid_client",
			form: func(c string) url.Values { return interactionCodeForm(c, testVerifier) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			_, sh := e.startIDX()
			code := e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword)))
			if tt.before != nil {
				tt.before(e, code)
			}
			clientID, secret := cmpOrString(tt.clientID, testClientID), cmpOrString(tt.secret, testClientSecret)
			// client_secret_post for variety; basic is covered by redeem.
			resp, body := e.tokenRequest(tt.form(code), clientID, secret, false)
			if tt.wantError == "" {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("got %d %v, want 200", resp.StatusCode, body)
				}
				return
			}
			if got := body["error"]; got != tt.wantError {
				t.Errorf("error: got %v (%v), want %s", got, body["error_description"], tt.wantError)
			}
			if _, ok := body["access_token"]; ok {
				t.Errorf("got an access token, want none")
			}
			// Whatever failed, the code is spent.
			if tt.wantError == "invalid_grant" {
				resp, _ := e.tokenRequest(interactionCodeForm(code, testVerifier), testClientID, testClientSecret, true)
				if spent := resp.StatusCode != http.StatusOK; spent == tt.unspent {
					t.Errorf("after the failed attempt: code spent %v, want %v", spent, !tt.unspent)
				}
			}
		})
	}

	t.Run("replay revokes the tokens of the first use", func(t *testing.T) {
		e := newTestEnv(t)
		_, sh := e.startIDX()
		code := e.interactionCode(e.identify(sh, aliceLogin, ptr(alicePassword)))
		resp, tok := e.tokenRequest(interactionCodeForm(code, testVerifier), testClientID, testClientSecret, true)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("first use: got %d %v", resp.StatusCode, tok)
		}
		e.tokenRequest(interactionCodeForm(code, testVerifier), testClientID, testClientSecret, true)
		if got := userinfoStatus(t, e, tok["access_token"].(string)); got != http.StatusUnauthorized {
			t.Errorf("userinfo with the first use's token: got %d, want 401", got)
		}
	})

	t.Run("an authorization code is no interaction code", func(t *testing.T) {
		e := newTestEnv(t)
		code := e.signIn(nil)
		resp, body := e.tokenRequest(interactionCodeForm(code, testVerifier), testClientID, testClientSecret, true)
		if resp.StatusCode == http.StatusOK || body["error"] != "invalid_grant" {
			t.Errorf("got %d %v, want invalid_grant", resp.StatusCode, body)
		}
	})
}

func cmpOrString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestEngine checks /.well-known/okta-organization and what the Classic
// Engine setting turns off.
func TestEngine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		engine       Engine
		wantPipeline string
		wantIDX      bool
	}{
		{engine: "", wantPipeline: "idx", wantIDX: true},
		{engine: EngineIdentity, wantPipeline: "idx", wantIDX: true},
		{engine: EngineClassic, wantPipeline: "v1"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("engine %q", tt.engine), func(t *testing.T) {
			t.Parallel()
			issuer := "http://127.0.0.1:8081/oauth2/default"
			p, err := New(Config{Issuer: issuer, Engine: tt.engine,
				Clients:       []Client{{ID: testClientID, Secret: testClientSecret, RedirectURIs: []string{testRedirectURI}}},
				NewSigningKey: (&testkeys.Source{}).Next})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			rec := serve(p, "GET", "http://127.0.0.1:8081/.well-known/okta-organization", nil)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("okta-organization: got %d %q, want 200 JSON", rec.Code, rec.Header().Get("Content-Type"))
			}
			org := decodeObject(t, rec.Body.String())
			if got := org["pipeline"]; got != tt.wantPipeline {
				t.Errorf("pipeline: got %v, want %s", got, tt.wantPipeline)
			}
			if id, _ := org["id"].(string); !strings.HasPrefix(id, "00o") || len(id) != 20 {
				t.Errorf("id: got %q, want an Okta-like org id", id)
			}
			if got := jget(org, "_links", "organization", "href"); got != "http://127.0.0.1:8081" {
				t.Errorf("_links.organization.href: got %v", got)
			}
			if got := p.Engine(); got != Engine(tt.wantPipeline) {
				t.Errorf("Engine(): got %q, want %q", got, tt.wantPipeline)
			}

			rec = serve(p, "GET", issuer+"/.well-known/openid-configuration", nil)
			grants, _ := decodeObject(t, rec.Body.String())["grant_types_supported"].([]any)
			if got := slices.Contains(grants, any("interaction_code")); got != tt.wantIDX {
				t.Errorf("grant_types_supported %v: interaction_code listed %v, want %v", grants, got, tt.wantIDX)
			}
			req := strings.NewReader(interactForm(nil).Encode())
			rec = httptestPost(p, issuer+"/v1/interact", "application/x-www-form-urlencoded", req)
			if got := rec.Code == http.StatusOK; got != tt.wantIDX {
				t.Errorf("/v1/interact: got %d, want it served: %v", rec.Code, tt.wantIDX)
			}
			rec = httptestPost(p, "http://127.0.0.1:8081/idp/idx/introspect", "application/json", strings.NewReader(`{"interactionHandle":"x"}`))
			if got := rec.Code != http.StatusNotFound; got != tt.wantIDX {
				t.Errorf("/idp/idx/introspect: got %d, want it served: %v", rec.Code, tt.wantIDX)
			}
			form := url.Values{"grant_type": {"interaction_code"}, "interaction_code": {"x"}, "code_verifier": {testVerifier},
				"client_id": {testClientID}, "client_secret": {testClientSecret}}
			rec = httptestPost(p, issuer+"/v1/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
			wantErr := "unsupported_grant_type"
			if tt.wantIDX {
				wantErr = "invalid_grant"
			}
			if got := decodeObject(t, rec.Body.String())["error"]; got != wantErr {
				t.Errorf("interaction_code grant: got %v, want %s", got, wantErr)
			}
		})
	}
	t.Run("unknown engine", func(t *testing.T) {
		_, err := New(Config{Issuer: "http://127.0.0.1:8081/oauth2/default", Engine: "oie",
			Clients: []Client{{ID: "c", Secret: "s", RedirectURIs: []string{"http://localhost/cb"}}}})
		if err == nil || !strings.Contains(err.Error(), "Engine") {
			t.Errorf("New: got %v, want an error naming Engine", err)
		}
	})
}
