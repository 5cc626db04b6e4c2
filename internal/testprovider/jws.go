package testprovider

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"hash"
	"math/big"
	"strings"
)

// rsaKey is a signing key with its key id.
type rsaKey struct {
	kid  string
	priv *rsa.PrivateKey
}

// newRSAKey takes an RSA-2048 key from the provider's test keys, which
// never hands out the same key twice, under a new random kid.
func (p *Provider) newRSAKey() (*rsaKey, error) {
	priv, err := p.keys.Next()
	if err != nil {
		return nil, fmt.Errorf("taking an RSA key: %w", err)
	}
	return &rsaKey{kid: "tp-" + rand.Text()[:12], priv: priv}, nil
}

// publicJWK is the key as RFC 7517 / RFC 7518 6.3.1 write it.
func (k *rsaKey) publicJWK() map[string]any {
	return map[string]any{
		"kty": "RSA",
		"alg": "RS256",
		"use": "sig",
		"kid": k.kid,
		"n":   b64(k.priv.N.Bytes()),
		"e":   b64(big.NewInt(int64(k.priv.E)).Bytes()),
	}
}

// publicPEM is the PKIX PEM of the public key, the bytes an
// algorithm-confusion attacker uses as an HMAC key.
func (k *rsaKey) publicPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(&k.priv.PublicKey)
	if err != nil {
		// Marshalling a valid *rsa.PublicKey cannot fail.
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// json writes h with only the fields that are set.
func (h Header) json() ([]byte, error) {
	m := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set("alg", h.Alg)
	set("kid", h.Kid)
	set("typ", h.Typ)
	set("jku", h.JKU)
	set("x5u", h.X5U)
	if h.JWK != nil {
		m["jwk"] = h.JWK
	}
	return json.Marshal(m)
}

// signer is the key material one Signing mode uses.
type signer struct {
	rsa     *rsaKey // for RS* and PS*
	macKey  []byte  // for HS*
	corrupt bool
}

// sign assembles a compact JWS (RFC 7515 7.1) by hand, so that it can be
// as wrong as a test wants: the algorithm is whatever the header names.
func sign(h Header, claims map[string]any, s signer) (string, error) {
	hb, err := h.json()
	if err != nil {
		return "", fmt.Errorf("encoding header: %w", err)
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encoding claims: %w", err)
	}
	input := b64(hb) + "." + b64(cb)

	var sig []byte
	switch alg := h.Alg; {
	case alg == "none" || alg == "":
		sig = nil
	case strings.HasPrefix(alg, "HS"):
		newHash, err := hashFor(alg)
		if err != nil {
			return "", err
		}
		mac := hmac.New(newHash, s.macKey)
		mac.Write([]byte(input))
		sig = mac.Sum(nil)
	default:
		if s.rsa == nil {
			return "", fmt.Errorf("no RSA key for alg %q", alg)
		}
		sig, err = rsaSign(alg, s.rsa.priv, []byte(input))
		if err != nil {
			return "", err
		}
	}
	if s.corrupt && len(sig) > 0 {
		sig[len(sig)/2] ^= 0x01
	}
	return input + "." + b64(sig), nil
}

func rsaSign(alg string, priv *rsa.PrivateKey, input []byte) ([]byte, error) {
	var h crypto.Hash
	switch alg[2:] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	default:
		// An unknown alg name: sign with RS256 anyway, so the header lies.
		h = crypto.SHA256
	}
	d := h.New()
	d.Write(input)
	if strings.HasPrefix(alg, "PS") {
		return rsa.SignPSS(rand.Reader, priv, h, d.Sum(nil), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	return rsa.SignPKCS1v15(rand.Reader, priv, h, d.Sum(nil))
}

func hashFor(alg string) (func() hash.Hash, error) {
	switch alg {
	case "HS256":
		return sha256.New, nil
	case "HS384":
		return sha512.New384, nil
	case "HS512":
		return sha512.New, nil
	}
	return nil, fmt.Errorf("unknown HMAC alg %q", alg)
}

// atHash is the at_hash claim for an RS256 id_token (OIDC Core 3.1.3.6):
// the left half of the SHA-256 of the access token, base64url.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return b64(sum[:len(sum)/2])
}
