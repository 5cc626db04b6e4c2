package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// accessClaims are the claims of an access token this API reads, besides
// those go-oidc parses (iss, aud, exp, iat, sub).
type accessClaims struct {
	// ClientID is Okta's cid: the client the token was issued to. RFC
	// 9068 2.2 calls it client_id, which is read when cid is absent.
	ClientID   string   `json:"cid"`
	ClientID2  string   `json:"client_id"`
	NotBefore  *float64 `json:"nbf"`
	ScopeArray scopes   `json:"scp"`
	ScopeList  string   `json:"scope"`
}

// scopes is Okta's scp claim: a JSON array of scopes, or, as some
// providers write it, one space-separated string.
type scopes []string

func (s *scopes) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*s = list
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return errors.New("scp is neither an array of strings nor a string")
	}
	*s = strings.Fields(one)
	return nil
}

// token is an access token that passed every check.
type token struct {
	Subject  string
	ClientID string
	Scopes   []string
}

// verify checks raw as the package comment lists, in that order, and
// returns the first failure.
func (s *Server) verify(ctx context.Context, raw string) (*token, *failure) {
	rp, err := s.cfg.Provider.RelyingParty()
	if err != nil {
		// Only auth.ErrNotReady: discovery has not succeeded yet.
		return nil, &failure{status: http.StatusServiceUnavailable, code: "temporarily_unavailable", rule: "provider_not_ready", err: err,
			description: "the API cannot check tokens until it reaches the provider; try again shortly"}
	}
	t, err := s.verifierFor(rp).Verify(ctx, raw)
	if err != nil {
		return nil, verifyFailure(err)
	}
	if f := checkType(raw); f != nil {
		return nil, f
	}
	var c accessClaims
	if err := t.Claims(&c); err != nil {
		return nil, invalid("format", "the access token's claims are malformed", err)
	}

	now, leeway := s.now(), s.cfg.Leeway
	switch {
	case t.Expiry.IsZero():
		return nil, invalid("exp", "the access token has no expiry", nil)
	case now.After(t.Expiry.Add(leeway)):
		return nil, invalid("exp", "the access token has expired",
			fmt.Errorf("expired at %s (leeway %s)", t.Expiry.UTC().Format(time.RFC3339), leeway))
	case t.IssuedAt.IsZero():
		return nil, invalid("iat", "the access token has no issue time", nil)
	case t.IssuedAt.After(now.Add(leeway)):
		return nil, invalid("iat", "the access token was issued in the future",
			fmt.Errorf("iat %s (leeway %s)", t.IssuedAt.UTC().Format(time.RFC3339), leeway))
	case c.NotBefore != nil && time.Unix(int64(*c.NotBefore), 0).After(now.Add(leeway)):
		return nil, invalid("nbf", "the access token is not valid yet",
			fmt.Errorf("nbf %s (leeway %s)", time.Unix(int64(*c.NotBefore), 0).UTC().Format(time.RFC3339), leeway))
	case t.Subject == "":
		return nil, invalid("sub", "the access token names no subject", nil)
	}

	client := c.ClientID
	if client == "" {
		client = c.ClientID2
	}
	if !slices.Contains(s.cfg.ClientIDs, client) {
		// Another of the provider's apps: its tokens may carry this
		// audience too (every app of an Okta authorization server gets
		// api://default), but this API serves only its own clients.
		return nil, invalid("cid", "the access token was issued to a client this API does not serve",
			fmt.Errorf("cid %.100q", client))
	}

	granted := []string(c.ScopeArray)
	if granted == nil {
		granted = strings.Fields(c.ScopeList)
	}
	if !slices.Contains(granted, s.cfg.RequiredScope) {
		return nil, &failure{status: http.StatusForbidden, code: "insufficient_scope", rule: "scope", scope: s.cfg.RequiredScope,
			description: "the access token lacks the scope this API requires",
			err:         fmt.Errorf("scopes %.200q", granted)}
	}
	return &token{Subject: t.Subject, ClientID: client, Scopes: granted}, nil
}

// checkType refuses a token whose JOSE header names another kind of JWT,
// such as an ID token or a logout token (typ logout+jwt) of the same
// provider (RFC 8725 3.11). RFC 9068 4 asks for typ at+jwt, but Okta's
// access tokens have no typ at all, so a missing one, and the generic JWT,
// are accepted; aud and cid still tell an access token for this API from
// the rest. raw has passed the signature check, so it parses.
func checkType(raw string) *failure {
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{
		jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512, jose.PS256, jose.PS384, jose.PS512, jose.EdDSA,
	})
	if err != nil || len(jws.Signatures) != 1 {
		return invalid("format", "the access token is malformed", err)
	}
	typ, _ := jws.Signatures[0].Header.ExtraHeaders[jose.HeaderType].(string)
	switch strings.ToLower(typ) {
	case "", "jwt", "at+jwt", "application/at+jwt":
		return nil
	}
	return invalid("typ", "the token is not an access token", fmt.Errorf("typ %.50q", typ))
}

// verifyFailure names the rule go-oidc's Verify refused. go-oidc reports
// its failures as text only; the tests pin each case.
func verifyFailure(err error) *failure {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "unexpected signature algorithm"), strings.Contains(msg, "unsupported signature algorithm"),
		strings.Contains(msg, "go-jose/go-jose: unexpected"):
		return invalid("alg", "the access token's signature algorithm is not accepted", err)
	case strings.Contains(msg, "malformed jwt"), strings.Contains(msg, "failed to unmarshal claims"),
		strings.Contains(msg, "claim name"), strings.Contains(msg, "source does not exist"):
		return invalid("format", "the access token is not a well-formed JWT", err)
	case strings.Contains(msg, "issued by a different provider"):
		return invalid("iss", "the access token was issued by another issuer", err)
	case strings.Contains(msg, "expected audience"):
		return invalid("aud", "the access token is not meant for this API (aud)", err)
	default:
		return invalid("signature", "the access token's signature does not verify with the provider's keys", err)
	}
}

// invalid is a token that failed rule: 401 invalid_token (RFC 6750 3.1).
func invalid(rule, description string, err error) *failure {
	return &failure{status: http.StatusUnauthorized, code: "invalid_token", rule: rule, description: description, err: err}
}
