package devprovider

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4/jwt"
)

// idTokenClaims are the claims of an ID Token (OIDC Core §2, §5.1). Profile
// and email claims are present when the matching scope was granted
// (OIDC Core §5.4).
type idTokenClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience string   `json:"aud"`
	Expiry   int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	AuthTime int64    `json:"auth_time"`
	JTI      string   `json:"jti"`
	AMR      []string `json:"amr"`
	Nonce    string   `json:"nonce,omitempty"`
	// SID names the provider session (Front-Channel Logout 1.0 §3,
	// Back-Channel Logout 1.0 §2.1): the one logout notifications name.
	SID               string `json:"sid,omitempty"`
	AtHash            string `json:"at_hash,omitempty"`
	Name              string `json:"name,omitempty"`
	GivenName         string `json:"given_name,omitempty"`
	FamilyName        string `json:"family_name,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Locale            string `json:"locale,omitempty"`
	ZoneInfo          string `json:"zoneinfo,omitempty"`
	Email             string `json:"email,omitempty"`
	EmailVerified     *bool  `json:"email_verified,omitempty"`
}

// mintIDToken signs an ID Token with RS256 and the current key's kid.
func (p *Provider) mintIDToken(u User, clientID string, grant codeGrant, accessToken string) (string, error) {
	now := p.now()
	c := idTokenClaims{
		Issuer:   p.issuer,
		Subject:  u.Subject,
		Audience: clientID,
		Expiry:   now.Add(tokenTTL).Unix(),
		IssuedAt: now.Unix(),
		AuthTime: grant.auth.authTime.Unix(),
		JTI:      newJTI(),
		AMR:      grant.auth.methods(), // RFC 8176 §2
		// OIDC Core §3.1.2.1: the nonce from the authorization request is
		// passed through unmodified; the client checks it (§3.1.3.7).
		Nonce:  grant.nonce,
		AtHash: accessTokenHash(accessToken),
		SID:    grant.sid,
	}
	scopes := strings.Fields(grant.scope)
	if slices.Contains(scopes, "profile") {
		c.Name, c.GivenName, c.FamilyName = u.name(), u.GivenName, u.FamilyName
		c.PreferredUsername, c.Locale, c.ZoneInfo = u.Login, u.Locale, u.ZoneInfo
	}
	if slices.Contains(scopes, "email") && u.Email != "" {
		verified := true
		c.Email, c.EmailVerified = u.Email, &verified
	}
	tok, err := jwt.Signed(p.keys.signer(typIDToken)).Claims(c).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign ID token: %w", err)
	}
	return tok, nil
}

// accessTokenHash is the at_hash claim (OIDC Core §3.1.3.6): the base64url
// encoding of the left-most half of the SHA-256 hash of the ASCII access
// token, SHA-256 because the ID Token is signed with RS256.
func accessTokenHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
