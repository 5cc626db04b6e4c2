// Package idxtest plays, in tests, the browser side of Okta Identity
// Engine's interaction code flow as the Sign-In Widget runs it: /v1/interact
// with the values the app's page gave the widget, then the IDX API's
// remediations (introspect, identify, the second factor's challenge) until
// the org answers with an interaction code. Tests use it against the
// development provider to reach the app's callback without a browser.
package idxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Login is one sign-in through the IDX API.
type Login struct {
	// Issuer is the authorization server, such as
	// http://127.0.0.1:8081/oauth2/default; the IDX API is at its origin.
	Issuer string
	// ClientID and RedirectURI are the app's, as the widget sends them.
	ClientID, RedirectURI string
	// State, Nonce and CodeChallenge (S256) are the ones the app's page
	// gave the widget.
	State, Nonce, CodeChallenge string
	// Username and Password are typed into the first form.
	Username, Password string
	// OTP, when set, answers the second factor's challenge with a code.
	OTP func() (string, error)
}

// maxBody bounds what is read of an answer.
const maxBody = 1 << 16

// step is the part of an IDX answer that SignIn reads.
type step struct {
	StateHandle string `json:"stateHandle"`
	Remediation struct {
		Value []struct {
			Name string `json:"name"`
			Href string `json:"href"`
		} `json:"value"`
	} `json:"remediation"`
	Messages struct {
		Value []struct {
			Message string `json:"message"`
		} `json:"value"`
	} `json:"messages"`
	Success *struct {
		Value []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"value"`
	} `json:"successWithInteractionCode"`
}

// SignIn runs l with client and returns the interaction code that the
// widget would hand to the redirect URI. A refusal at any step (a wrong
// password, say) is an error that quotes the org's message.
func SignIn(ctx context.Context, client *http.Client, l Login) (string, error) {
	form := url.Values{
		"client_id": {l.ClientID}, "scope": {"openid email profile"}, "redirect_uri": {l.RedirectURI},
		"code_challenge": {l.CodeChallenge}, "code_challenge_method": {"S256"}, "state": {l.State}, "nonce": {l.Nonce},
	}
	var interact struct {
		InteractionHandle string `json:"interaction_handle"`
	}
	if err := call(ctx, client, l.Issuer+"/v1/interact", "application/x-www-form-urlencoded", []byte(form.Encode()), &interact); err != nil {
		return "", err
	}
	origin, _, _ := strings.Cut(l.Issuer, "/oauth2")
	s, err := post(ctx, client, origin+"/idp/idx/introspect", map[string]string{"interactionHandle": interact.InteractionHandle})
	if err != nil {
		return "", err
	}
	href, err := s.href("identify")
	if err != nil {
		return "", err
	}
	s, err = post(ctx, client, href, map[string]any{
		"identifier": l.Username, "credentials": map[string]string{"passcode": l.Password}, "stateHandle": s.StateHandle,
	})
	if err != nil {
		return "", err
	}
	if l.OTP != nil && s.Success == nil {
		if href, err = s.href("challenge-authenticator"); err != nil {
			return "", err
		}
		code, err := l.OTP()
		if err != nil {
			return "", err
		}
		s, err = post(ctx, client, href, map[string]any{"credentials": map[string]string{"passcode": code}, "stateHandle": s.StateHandle})
		if err != nil {
			return "", err
		}
	}
	if s.Success == nil {
		return "", fmt.Errorf("idxtest: the sign-in of %s did not end with an interaction code (remediations %v)", l.Username, s.names())
	}
	for _, f := range s.Success.Value {
		if f.Name == "interaction_code" && f.Value != "" {
			return f.Value, nil
		}
	}
	return "", errors.New("idxtest: successWithInteractionCode has no interaction_code")
}

func (s step) href(name string) (string, error) {
	for _, f := range s.Remediation.Value {
		if f.Name == name {
			return f.Href, nil
		}
	}
	return "", fmt.Errorf("idxtest: no %s remediation, only %v", name, s.names())
}

func (s step) names() []string {
	var n []string
	for _, f := range s.Remediation.Value {
		n = append(n, f.Name)
	}
	return n
}

// post sends an IDX remediation as the widget does.
func post(ctx context.Context, client *http.Client, href string, body any) (step, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return step{}, err
	}
	var s step
	err = call(ctx, client, href, "application/ion+json; okta-version=1.0.0", b, &s)
	return s, err
}

// call POSTs body and decodes a 200 answer into v. Another status is an
// error with the org's message, when it sent one.
func call(ctx context.Context, client *http.Client, u, contentType string, body []byte, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("idxtest: POST %s: %w", u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("idxtest: POST %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		var s step
		_ = json.Unmarshal(data, &s) // the message is a courtesy; the status is the error
		var msgs []string
		for _, m := range s.Messages.Value {
			msgs = append(msgs, m.Message)
		}
		return &StatusError{URL: u, Status: resp.StatusCode, Messages: msgs}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("idxtest: POST %s: %w", u, err)
	}
	return nil
}

// StatusError is an answer other than 200, with the org's messages.
type StatusError struct {
	URL      string
	Status   int
	Messages []string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("idxtest: POST %s: status %d %q", e.URL, e.Status, e.Messages)
}
