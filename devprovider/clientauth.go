package devprovider

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
)

// authenticateClient authenticates the client with exactly one of
// client_secret_basic or client_secret_post (RFC 6749 §2.3.1: "MUST NOT use
// more than one authentication method in each request").
func (p *Provider) authenticateClient(r *http.Request, form url.Values) (Client, *oauthError) {
	basicID, basicSecret, hasBasic := r.BasicAuth()
	authz := r.Header.Get("Authorization")
	triedBasic := len(authz) >= 6 && strings.EqualFold(authz[:6], "Basic ")
	if triedBasic && !hasBasic {
		return Client{}, &oauthError{status: http.StatusUnauthorized, code: "invalid_client",
			description: "The Authorization header is malformed.", basicChallenge: true}
	}
	postID, postSecret := form.Get("client_id"), form.Get("client_secret")
	_, hasPostSecret := form["client_secret"]

	var id, secret string
	switch {
	case hasBasic && hasPostSecret:
		return Client{}, &oauthError{status: http.StatusBadRequest, code: "invalid_request",
			description: "Use one client authentication method, not both client_secret_basic and client_secret_post."}
	case hasBasic:
		// RFC 6749 §2.3.1: the id and secret are form-url-encoded before
		// being put in the Basic header, so decode them.
		var err1, err2 error
		id, err1 = url.QueryUnescape(basicID)
		secret, err2 = url.QueryUnescape(basicSecret)
		if err1 != nil || err2 != nil {
			return Client{}, &oauthError{status: http.StatusUnauthorized, code: "invalid_client",
				description: "The client credentials are not correctly encoded.", basicChallenge: true}
		}
		if postID != "" && postID != id {
			return Client{}, &oauthError{status: http.StatusBadRequest, code: "invalid_request",
				description: "client_id does not match the authenticated client."}
		}
	case hasPostSecret:
		id, secret = postID, postSecret
	default:
		return Client{}, &oauthError{status: http.StatusUnauthorized, code: "invalid_client",
			description: "Client authentication is required (client_secret_basic or client_secret_post)."}
	}

	client, known := p.clients[id]
	// Compare fixed-length hashes in constant time, also for an unknown
	// client, so timing reveals neither the secret nor which ids exist.
	want := sha256.Sum256([]byte(client.Secret + "\x00" + id))
	got := sha256.Sum256([]byte(secret + "\x00" + id))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 || !known {
		return Client{}, &oauthError{status: http.StatusUnauthorized, code: "invalid_client",
			description: "Client authentication failed.", basicChallenge: hasBasic}
	}
	return client, nil
}
