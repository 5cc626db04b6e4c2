package devprovider

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// basicCredentials is what an "Authorization: Basic" header carries.
type basicCredentials struct {
	id, secret string
	hasSecret  bool // a colon separated a secret, even an empty one
}

// parseBasic reads the Authorization header's Basic credentials (RFC 7617
// §2). Unlike http.Request.BasicAuth it also takes a client id with no
// colon, as okta-auth-js sends for a public client at the revocation
// endpoint (base64 of the client id alone). present is false when the
// header is not Basic; ok is false when it is malformed.
func parseBasic(r *http.Request) (c basicCredentials, present, ok bool) {
	authz := r.Header.Get("Authorization")
	if len(authz) < 6 || !strings.EqualFold(authz[:6], "Basic ") {
		return basicCredentials{}, false, false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(authz[6:]))
	if err != nil {
		return basicCredentials{}, true, false
	}
	c.id, c.secret, c.hasSecret = strings.Cut(string(raw), ":")
	return c, true, true
}

// authenticateClient authenticates the client of a token or revocation
// request.
//
// A confidential client uses exactly one of client_secret_basic or
// client_secret_post (RFC 6749 §2.3.1: "MUST NOT use more than one
// authentication method in each request"). A public client sends its
// client_id alone (token_endpoint_auth_method "none", RFC 7591 §2), in the
// form or as a Basic header without a secret, and a public client that
// sends a secret is refused: it cannot have one.
func (p *Provider) authenticateClient(r *http.Request, form url.Values) (Client, *oauthError) {
	basic, hasBasic, basicOK := parseBasic(r)
	if hasBasic && !basicOK {
		return Client{}, &oauthError{status: http.StatusUnauthorized, code: "invalid_client",
			description: "The Authorization header is malformed.", basicChallenge: true}
	}
	postID, postSecret := form.Get("client_id"), form.Get("client_secret")
	_, hasPostSecret := form["client_secret"]

	var (
		id, secret string
		hasSecret  bool
	)
	switch {
	case hasBasic && hasPostSecret:
		return Client{}, &oauthError{status: http.StatusBadRequest, code: "invalid_request",
			description: "Use one client authentication method, not both client_secret_basic and client_secret_post."}
	case hasBasic:
		// RFC 6749 §2.3.1: the id and secret are form-url-encoded before
		// being put in the Basic header, so decode them.
		var err1, err2 error
		id, err1 = url.QueryUnescape(basic.id)
		secret, err2 = url.QueryUnescape(basic.secret)
		if err1 != nil || err2 != nil {
			return Client{}, &oauthError{status: http.StatusUnauthorized, code: "invalid_client",
				description: "The client credentials are not correctly encoded.", basicChallenge: true}
		}
		if postID != "" && postID != id {
			return Client{}, &oauthError{status: http.StatusBadRequest, code: "invalid_request",
				description: "client_id does not match the authenticated client."}
		}
		hasSecret = basic.hasSecret && secret != ""
	case hasPostSecret:
		id, secret, hasSecret = postID, postSecret, true
	default:
		id = postID
	}

	if client, known := p.clients[id]; known && client.Public {
		if hasSecret {
			return Client{}, &oauthError{status: http.StatusUnauthorized, code: "invalid_client",
				description:    "This client is public: it has no secret and authenticates with its client_id alone.",
				basicChallenge: hasBasic}
		}
		return client, nil
	}
	if !hasSecret {
		return Client{}, &oauthError{status: http.StatusUnauthorized, code: "invalid_client",
			description: "Client authentication is required (client_secret_basic or client_secret_post).", basicChallenge: hasBasic}
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
