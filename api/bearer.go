package api

import (
	"net/http"
	"strings"
)

// bearerToken returns the access token of r's Authorization header, or the
// failure to answer (RFC 6750 2.1 and 3.1).
//
// The scheme is matched without regard to case: RFC 6750 writes it
// "Bearer", but it is an HTTP authentication scheme, and those are
// case-insensitive (RFC 9110 11.1, formerly RFC 7235 2.1), so "bearer"
// and "BEARER" are the same scheme. The token must be a b64token (RFC 6750
// 2.1), which every JWT is; one or more spaces may separate the two (RFC
// 9110 11.4).
//
// Only the header is read. A token in the URL (the access_token query
// parameter of RFC 6750 2.3) is refused, since URLs end up in logs,
// histories and Referer headers (RFC 6750 5.3); so are several
// Authorization headers, whose meaning would be a guess.
func bearerToken(r *http.Request) (string, *failure) {
	if r.URL.Query().Has("access_token") {
		return "", &failure{status: http.StatusBadRequest, code: "invalid_request", rule: "token_in_url",
			description: "send the access token in the Authorization header, not in the URL"}
	}
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		// RFC 6750 3.1: a request without credentials gets the challenge
		// alone, no error code.
		return "", &failure{status: http.StatusUnauthorized, rule: "no_token",
			description: "this API needs an access token: Authorization: Bearer <token>"}
	case 1:
	default:
		return "", &failure{status: http.StatusBadRequest, code: "invalid_request", rule: "several_headers",
			description: "send one Authorization header"}
	}
	scheme, token, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		// Another scheme (Basic, DPoP…) is an authentication method this
		// API does not support: again the challenge alone (RFC 6750 3).
		return "", &failure{status: http.StatusUnauthorized, rule: "other_scheme",
			description: "this API accepts only Bearer access tokens"}
	}
	token = strings.TrimLeft(token, " ")
	if len(token) > maxTokenBytes {
		return "", &failure{status: http.StatusUnauthorized, code: "invalid_token", rule: "too_large",
			description: "the access token is longer than 8 KiB"}
	}
	if !isB64Token(token) {
		return "", &failure{status: http.StatusBadRequest, code: "invalid_request", rule: "malformed_header",
			description: "the Authorization header is not Bearer followed by a token"}
	}
	return token, nil
}

// isB64Token reports whether s is a b64token (RFC 6750 2.1):
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}
