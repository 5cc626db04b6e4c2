package devprovider

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Access tokens are JWTs, as Okta's custom authorization servers issue
// them, signed RS256 with the keys of the JWKS, so a resource server can
// validate them without calling the provider. The provider also keeps each
// one's jti until it expires: userinfo and revocation look it up there, so
// a revoked token stops working at the provider at once (a resource server
// that validates locally only sees it expire, RFC 7009 §1).

// DefaultAccessTokenAudience is the aud of access tokens when
// Config.AccessTokenAudience is empty: that of Okta's default custom
// authorization server.
const DefaultAccessTokenAudience = "api://default"

// accessGrant is what an access token stands for, kept under its jti.
type accessGrant struct {
	clientID string
	subject  string
	scope    string
	// family is the refresh token chain the token was issued in, if any:
	// when the chain is revoked, so is the token.
	family *refreshFamily
}

// live reports whether g has not been revoked with its refresh chain.
func (g accessGrant) live() bool { return g.family == nil || !g.family.isRevoked() }

// accessTokenClaims are the claims of an access token, with Okta's names:
// cid is the client id, uid the user's id, scp the granted scopes, and sub
// the user's login (at Okta, the username; uid is the id that the ID
// Token's sub carries). RFC 9068 §2.2 names most of the others.
type accessTokenClaims struct {
	Version  int      `json:"ver"`
	JTI      string   `json:"jti"`
	Issuer   string   `json:"iss"`
	Audience string   `json:"aud"`
	IssuedAt int64    `json:"iat"`
	Expiry   int64    `json:"exp"`
	ClientID string   `json:"cid"`
	UserID   string   `json:"uid"`
	Scopes   []string `json:"scp"`
	AuthTime int64    `json:"auth_time"`
	Subject  string   `json:"sub"`
}

// issuedAccessToken is a signed access token and what the token response
// says of it.
type issuedAccessToken struct {
	raw       string
	jti       string
	expiresIn int64 // seconds
}

// mintAccessToken signs an access token for u at clientID with scope, kept
// for owner (see clientKey) under its jti, in family if it has one.
func (p *Provider) mintAccessToken(owner string, u User, clientID, scope string, a authentication, family *refreshFamily) (issuedAccessToken, error) {
	now := p.now()
	jti := "AT." + rand.Text()
	c := accessTokenClaims{
		Version:  1,
		JTI:      jti,
		Issuer:   p.issuer,
		Audience: p.accessTokenAudience,
		IssuedAt: now.Unix(),
		Expiry:   now.Add(p.accessTokenTTL).Unix(),
		ClientID: clientID,
		UserID:   u.Subject,
		Scopes:   strings.Fields(scope),
		AuthTime: a.authTime.Unix(),
		Subject:  u.Login,
	}
	raw, err := jwt.Signed(p.keys.signer(typAccessToken)).Claims(c).Serialize()
	if err != nil {
		return issuedAccessToken{}, fmt.Errorf("sign access token: %w", err)
	}
	p.accessTokens.putFor(owner, jti, accessGrant{clientID: clientID, subject: u.Subject, scope: scope, family: family})
	return issuedAccessToken{raw: raw, jti: jti, expiresIn: int64(p.accessTokenTTL / time.Second)}, nil
}

// lookupAccessToken returns the jti and grant of raw if it is a live
// access token of this provider: a JWT of type at+jwt, signed with one of
// its published keys, from this issuer, not expired, and neither revoked
// nor dropped from the store. The type check keeps an ID Token or a logout
// token, signed with the same keys, from passing for one (RFC 8725 §3.11).
func (p *Provider) lookupAccessToken(raw string) (string, accessGrant, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", accessGrant{}, fmt.Errorf("parse: %w", err)
	}
	if len(tok.Headers) != 1 {
		return "", accessGrant{}, errors.New("expected exactly one signature")
	}
	if typ, _ := tok.Headers[0].ExtraHeaders[jose.HeaderType].(string); typ != typAccessToken {
		return "", accessGrant{}, fmt.Errorf("typ %q is not an access token's", typ)
	}
	key, ok := p.keys.publicKey(tok.Headers[0].KeyID)
	if !ok {
		return "", accessGrant{}, errors.New("unknown kid")
	}
	var c accessTokenClaims
	if err := tok.Claims(key, &c); err != nil {
		return "", accessGrant{}, fmt.Errorf("verify signature: %w", err)
	}
	if c.Issuer != p.issuer {
		return "", accessGrant{}, errors.New("wrong issuer")
	}
	if !p.now().Before(time.Unix(c.Expiry, 0)) {
		return "", accessGrant{}, errors.New("expired")
	}
	g, ok := p.accessTokens.get(c.JTI)
	if !ok || !g.live() {
		return "", accessGrant{}, errors.New("revoked or unknown")
	}
	return c.JTI, g, nil
}
