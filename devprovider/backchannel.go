package devprovider

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// OpenID Connect Back-Channel Logout 1.0: when a provider session ends, the
// provider POSTs a logout token to every client the session signed into.

// backchannelLogoutEvent is the event of a logout token (Back-Channel
// Logout 1.0 §2.4).
const backchannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

const (
	// logoutTokenTTL is how long a logout token is valid. §2.4 asks for a
	// short lifetime: it is sent at once, and a relying party remembers its
	// jti only until then.
	logoutTokenTTL = 2 * time.Minute
	// maxBackchannelConcurrency bounds the requests in flight for one
	// ended session (or one user's sessions, signed out everywhere).
	maxBackchannelConcurrency = 8
	// maxBackchannelResponseBytes is how much of a client's answer is read
	// before the connection is closed.
	maxBackchannelResponseBytes = 4 << 10
)

// logoutTokenClaims are the claims of a logout token (Back-Channel Logout
// 1.0 §2.4). It carries both sub and sid, and never a nonce: §2.4
// prohibits one, so that a logout token can never pass for an ID Token.
type logoutTokenClaims struct {
	Issuer   string              `json:"iss"`
	Subject  string              `json:"sub"`
	Audience string              `json:"aud"`
	IssuedAt int64               `json:"iat"`
	Expiry   int64               `json:"exp"`
	JTI      string              `json:"jti"`
	Events   map[string]struct{} `json:"events"`
	SID      string              `json:"sid"`
}

// mintLogoutToken signs a logout token for the session sid of subject at
// clientID, with the typ header logout+jwt (§2.4, which recommends it so
// that no other kind of JWT can be confused with it).
func (p *Provider) mintLogoutToken(clientID, subject, sid string) (string, error) {
	now := p.now()
	c := logoutTokenClaims{
		Issuer:   p.issuer,
		Subject:  subject,
		Audience: clientID,
		IssuedAt: now.Unix(),
		Expiry:   now.Add(logoutTokenTTL).Unix(),
		JTI:      newJTI(),
		Events:   map[string]struct{}{backchannelLogoutEvent: {}},
		SID:      sid,
	}
	tok, err := jwt.Signed(p.keys.signer(typLogoutToken)).Claims(c).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign logout token: %w", err)
	}
	return tok, nil
}

// backchannelNotice is one logout token to deliver.
type backchannelNotice struct {
	client  Client
	subject string
	sid     string
}

// sendBackchannelLogouts delivers the notices concurrently, a few at a
// time, and waits for them all, at most p.backchannelTimeout in all: the
// sign-out page that follows must not hang on a client that does not
// answer. Each result is logged with the client id; the token never is.
// The requests run on a context detached from ctx's cancellation, so a
// browser that goes away does not cut them short.
func (p *Provider) sendBackchannelLogouts(ctx context.Context, notices []backchannelNotice) {
	if len(notices) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.backchannelTimeout)
	defer cancel()
	slots := make(chan struct{}, maxBackchannelConcurrency)
	var wg sync.WaitGroup
	for _, n := range notices {
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
				p.log.Warn("back-channel logout not sent: timed out waiting", "client_id", n.client.ID)
				return
			}
			status, err := p.postLogoutToken(ctx, n)
			if err != nil {
				p.log.Warn("back-channel logout failed", "client_id", n.client.ID, "sub", n.subject, "err", err)
				return
			}
			// §2.8: 200 on success; some frameworks answer 204 instead,
			// which the specification asks the provider to accept.
			if status != http.StatusOK && status != http.StatusNoContent {
				p.log.Warn("back-channel logout refused", "client_id", n.client.ID, "sub", n.subject, "status", status)
				return
			}
			p.log.Info("back-channel logout delivered", "client_id", n.client.ID, "sub", n.subject, "status", status)
		})
	}
	wg.Wait()
}

// postLogoutToken sends one logout token (§2.5: a form POST with the
// logout_token parameter) and returns the client's status code.
func (p *Provider) postLogoutToken(ctx context.Context, n backchannelNotice) (int, error) {
	tok, err := p.mintLogoutToken(n.client.ID, n.subject, n.sid)
	if err != nil {
		return 0, err
	}
	body := url.Values{"logout_token": {tok}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.client.BackchannelLogoutURI, strings.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("new request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.httpClient.Do(req)
	if err != nil {
		// The error names the URL and the cause; the token is in the body,
		// never in the URL, so it cannot leak into the log through it.
		return 0, err
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the body means
	// nothing to the provider (§2.8).
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxBackchannelResponseBytes)); err != nil {
		p.log.Debug("back-channel logout: read response", "client_id", n.client.ID, "err", err)
	}
	return resp.StatusCode, nil
}
