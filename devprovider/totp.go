package devprovider

import (
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP authenticators (RFC 6238) as Google Authenticator and Okta expect
// them: HMAC-SHA-1, 30-second steps from the Unix epoch, 6 digits.
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	// totpSkew is how many steps before and after the current one are
	// accepted, for clock drift and the time it takes to type the code;
	// RFC 6238 §5.2 recommends at most one.
	totpSkew = 1
	// totpIssuer labels the account in authenticator apps.
	totpIssuer = "Okta Go Sample dev provider"
	// minTOTPSecretBytes is RFC 4226 §4 R6's minimum: 128 bits.
	minTOTPSecretBytes = 16
)

// amr values (RFC 8176 §2) for the id_token. OIDC Core §2 lets the
// provider choose them; RFC 8176 defines "pwd" for a password and "otp"
// for a one-time password. Okta also adds "mfa" after a second factor;
// this provider does not, so that a relying party reads exactly which
// methods were used.
func amrPassword() []string    { return []string{"pwd"} }
func amrPasswordOTP() []string { return []string{"pwd", "otp"} }

// TOTPURI returns the otpauth:// URI (Google Authenticator's Key URI
// Format) of u's TOTP authenticator, which authenticator apps read from a
// QR code; "" when u has no second factor. It contains the secret: print it
// only for demo users.
func (u User) TOTPURI() (string, error) {
	if u.TOTPSecret == "" {
		return "", nil
	}
	secret, err := decodeTOTPSecret(u.TOTPSecret)
	if err != nil {
		return "", fmt.Errorf("devprovider: %s: %w", u.Login, err)
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: totpIssuer, AccountName: u.Login, Period: totpPeriod, Digits: totpDigits,
		Algorithm: otp.AlgorithmSHA1, Secret: secret,
	})
	if err != nil {
		return "", fmt.Errorf("devprovider: %s: TOTP URI: %w", u.Login, err)
	}
	return key.URL(), nil
}

// decodeTOTPSecret decodes a base32 secret, with or without padding and in
// either case, as authenticator apps accept it.
func decodeTOTPSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.TrimRight(strings.TrimSpace(s), "="))
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return nil, errors.New("not base32 (RFC 4648 §6)")
	}
	return b, nil
}

// checkTOTPSecret validates a configured secret.
func checkTOTPSecret(s string) error {
	b, err := decodeTOTPSecret(s)
	if err != nil {
		return err
	}
	if len(b) < minTOTPSecretBytes {
		return fmt.Errorf("%d bytes, want at least %d (RFC 4226 §4 R6)", len(b), minTOTPSecretBytes)
	}
	return nil
}

// totpGuard verifies TOTP codes and remembers, per user, the last time
// step it accepted, so that each code works once (RFC 6238 §5.2: "the
// verifier MUST NOT accept the second attempt of the OTP after the
// successful validation has been issued for the first OTP"). It holds one
// number per user with a second factor, so it is bounded by the directory.
type totpGuard struct {
	mu       sync.Mutex
	lastStep map[string]uint64 // subject -> last accepted step
}

func newTOTPGuard() *totpGuard { return &totpGuard{lastStep: make(map[string]uint64)} }

// verify reports whether code is u's TOTP code at now, one step either
// side, and newer than the last code accepted for u. The HOTP values come
// from github.com/pquerna/otp (RFC 4226), which compares in constant time.
func (g *totpGuard) verify(u User, code string, now time.Time) bool {
	if u.TOTPSecret == "" || now.Unix() < totpPeriod*(totpSkew+1) {
		return false
	}
	code = strings.TrimSpace(code)
	if len(code) != totpDigits.Length() {
		return false
	}
	step := uint64(now.Unix()) / totpPeriod
	opts := hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

	g.mu.Lock()
	defer g.mu.Unlock()
	matched := uint64(0)
	for s := step - totpSkew; s <= step+totpSkew; s++ {
		ok, err := hotp.ValidateCustom(code, s, u.TOTPSecret, opts)
		if err == nil && ok {
			matched = s
		}
	}
	if matched == 0 || matched <= g.lastStep[u.Subject] {
		return false
	}
	g.lastStep[u.Subject] = matched
	return true
}

// currentTOTP returns u's code at now and when it stops being current.
func currentTOTP(u User, now time.Time) (string, time.Time, error) {
	code, err := totp.GenerateCodeCustom(u.TOTPSecret, now, totp.ValidateOpts{
		Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("TOTP code: %w", err)
	}
	next := time.Unix((now.Unix()/totpPeriod+1)*totpPeriod, 0)
	return code, next, nil
}

// checkSecondFactor checks a one-time code for the account subject through
// the throttle, which counts these failures apart from the password's.
func (p *Provider) checkSecondFactor(subject, code string) (User, attemptResult, time.Duration) {
	user, known := p.users.subject(subject)
	res, retryAfter := p.throttle.attemptSecondFactor(subject, func() bool {
		return known && p.totp.verify(user, code, p.now())
	})
	return user, res, retryAfter
}

// TOTPPagePath is the path, at the provider's origin, of the dev-only page
// that shows the demo users' current TOTP codes. It is served only when the
// users are DemoUsers, whose secrets are public anyway: for any other users
// it would hand their second factor to whoever asks.
const TOTPPagePath = "/dev/totp"

// TOTPPageURL returns the absolute URL of the page at TOTPPagePath, or ""
// when the provider does not serve it.
func (p *Provider) TOTPPageURL() string {
	if !p.demoUsers {
		return ""
	}
	return p.origin + TOTPPagePath
}

// totpCodeView is one user's line on the dev-only TOTP page.
type totpCodeView struct {
	Login string
	Code  string
}

// totpPageView is the data of the dev-only TOTP page.
type totpPageView struct {
	Stylesheet string
	Codes      []totpCodeView
	Seconds    int // until the codes change
}

// handleTOTPPage serves GET /dev/totp: the current code of every demo user
// with a TOTP authenticator, so a person can try the second factor without
// an authenticator app. It refreshes itself when the codes change (a meta
// refresh, so the page needs no script).
func (p *Provider) handleTOTPPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.demoUsers {
			http.NotFound(w, r)
			return
		}
		now := p.now()
		v := totpPageView{Stylesheet: p.stylesheet()}
		var next time.Time
		for _, u := range p.users.list {
			if u.TOTPSecret == "" {
				continue
			}
			code, until, err := currentTOTP(u, now)
			if err != nil {
				p.log.Error("dev TOTP page", "sub", u.Subject, "err", err)
				p.renderMessage(w, http.StatusInternalServerError, "Internal error", "The code could not be computed.")
				return
			}
			v.Codes = append(v.Codes, totpCodeView{Login: u.Login, Code: code})
			next = until
		}
		v.Seconds = max(int(next.Sub(now).Round(time.Second)/time.Second), 1)
		p.renderHTML(w, http.StatusOK, p.pages.totp, v, pagePolicy{})
	})
}
