package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
)

// Profile is what the session keeps about the signed-in user.
type Profile struct {
	Subject string
	// SID is the id_token's sid claim, or "": the provider's session,
	// which its logout notices name (OpenID Connect Front-Channel Logout
	// 1.0, section 3).
	SID    string
	Claims []auth.Claim
	// UserInfoNote says why userinfo claims are missing, if they are.
	UserInfoNote string
	// IDToken is kept for logout's id_token_hint; it never goes to the
	// browser.
	IDToken string
	// AccessToken and RefreshToken ("" when the provider issued none) are
	// kept so that logout can revoke them (RFC 7009); like the id_token,
	// they never go to the browser.
	AccessToken, RefreshToken string
	// AccessTokenExpiry is when the access token expires, or zero when the
	// provider did not say; the app refreshes it before then.
	AccessTokenExpiry time.Time
	// SignedInAt orders the user's sessions; zero means now.
	SignedInAt time.Time
	// Report is the login that made the session, for the report page, or
	// nil. It is kept compact (see encodeReport), without the tokens'
	// decoded parts, which User.Report takes from IDToken and AccessToken.
	Report *auth.Report
}

// The profile is kept in one string, so a session costs one allocation
// and its claims are read back as substrings, without copying:
//
//	version byte (profileVersion)
//	subject, sid, id_token, userinfo note: each a string
//	access token, refresh token: each a string (not in version 1)
//	login report: a string, in encodeReport's form (from version 3)
//	access token expiry: uvarint, Unix seconds, 0 for unknown (from version 4)
//	claim count: uvarint
//	each claim: source byte, name string, value string
//	            (source 0 is followed by the source as a string)
//
// where a string is its length as a uvarint, then its bytes. JSON or gob
// would cost a decode of every page view, and several times the memory.
// The claim count is checked when the profile is read, and then only the
// claims' bytes are kept: iterating them needs no count.
const profileVersion = 4

// Earlier versions are still read (a store such as Redis outlives a
// deployment): profileVersionNoTokens, from before the access and refresh
// tokens were kept, as having none; profileVersionNoReport, from before
// the login report was, as having none; profileVersionNoExpiry, from
// before the access token's expiry was, as not knowing it.
const (
	profileVersionNoTokens = 1
	profileVersionNoReport = 2
	profileVersionNoExpiry = 3
)

// sourceCodes turns the known claim sources into one byte each.
var sourceCodes = [...]string{1: "id_token", 2: "userinfo", 3: "both", 4: "conflict"}

var errBadProfile = errors.New("session: stored profile is malformed")

func encodeProfile(p Profile) string {
	report := encodeReport(p.Report, p.IDToken, p.AccessToken)
	n := 1 + 7*binary.MaxVarintLen32 + len(p.Subject) + len(p.SID) + len(p.IDToken) + len(p.UserInfoNote) +
		len(p.AccessToken) + len(p.RefreshToken) + len(report)
	for _, c := range p.Claims {
		n += 1 + 3*binary.MaxVarintLen32 + len(c.Name) + len(c.Value) + len(c.Source)
	}
	b := make([]byte, 0, n)
	b = append(b, profileVersion)
	for _, s := range []string{p.Subject, p.SID, p.IDToken, p.UserInfoNote, p.AccessToken, p.RefreshToken, report} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, unixOrZero(p.AccessTokenExpiry))
	b = binary.AppendUvarint(b, uint64(len(p.Claims)))
	for _, c := range p.Claims {
		code := sourceCode(c.Source)
		b = append(b, code)
		if code == 0 {
			b = appendString(b, c.Source)
		}
		b = appendString(b, c.Name)
		b = appendString(b, c.Value)
	}
	return string(b)
}

// unixOrZero is t in Unix seconds, or 0 for the zero time (or one before
// 1970, which no token expiry is).
func unixOrZero(t time.Time) uint64 {
	if t.IsZero() || t.Unix() <= 0 {
		return 0
	}
	return uint64(t.Unix())
}

func sourceCode(source string) byte {
	for i, s := range sourceCodes {
		if i > 0 && s == source {
			return byte(i)
		}
	}
	return 0
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// User is the signed-in user of a request. It reads the profile in the
// compact form the store keeps: its strings are substrings of it, and its
// claims are decoded only when asked for, into the caller's slice.
type User struct {
	subject, sid, idToken, note string
	accessToken, refreshToken   string
	accessTokenExpiry           time.Time
	report                      string // the encoded login report
	claims                      string // the encoded claims
	signedIn                    time.Time
}

// Subject is the user's sub claim.
func (u User) Subject() string { return u.subject }

// SID is the id_token's sid claim, or "".
func (u User) SID() string { return u.sid }

// IDToken is the id_token, kept for logout's id_token_hint. It must never
// reach the browser.
func (u User) IDToken() string { return u.idToken }

// AccessToken is the access token, kept for logout's revocation, or "".
// It must never reach the browser.
func (u User) AccessToken() string { return u.accessToken }

// RefreshToken is the refresh token, kept for logout's revocation, or ""
// when the provider issued none. It must never reach the browser.
func (u User) RefreshToken() string { return u.refreshToken }

// Tokens are the user's OAuth tokens: like the id_token, they must never
// reach the browser.
func (u User) Tokens() Tokens {
	return Tokens{AccessToken: u.accessToken, RefreshToken: u.refreshToken, AccessTokenExpiry: u.accessTokenExpiry}
}

// UserInfoNote says why userinfo claims are missing, if they are.
func (u User) UserInfoNote() string { return u.note }

// SignedInAt is when the user signed in.
func (u User) SignedInAt() time.Time { return u.signedIn }

// Report is the login that made the session, decoded on each call (the
// pages that do not show it never pay for it); nil when the session was
// made without one. An error means the stored report is unreadable.
func (u User) Report() (*auth.Report, error) { return decodeReport(u.report, u.idToken, u.accessToken) }

// ReportSize is how many bytes the stored login report takes.
func (u User) ReportSize() int { return len(u.report) }

// AppendClaims appends the user's claims to dst, in the order they were
// signed in with, and returns the extended slice. Their strings are
// substrings of the stored profile; with room in dst, it allocates
// nothing.
func (u User) AppendClaims(dst []auth.Claim) []auth.Claim {
	// The encoding was checked when u was made.
	for d := (decoder{data: u.claims}); d.off < len(d.data); {
		dst = append(dst, d.claim())
	}
	return dst
}

// DisplayName is the name to greet the user with: the first of the name,
// preferred_username and email claims that has a value, or the subject.
func (u User) DisplayName() string {
	best, bestRank := u.subject, 4
	for d := (decoder{data: u.claims}); d.off < len(d.data); {
		if c := d.claim(); nameRank(c.Name) < bestRank && c.Value != "" {
			best, bestRank = c.Value, nameRank(c.Name)
		}
	}
	return best
}

// nameRank orders the claims DisplayName prefers; 4 is none of them.
func nameRank(claim string) int {
	switch claim {
	case "name":
		return 1
	case "preferred_username":
		return 2
	case "email":
		return 3
	}
	return 4
}

// parseUser reads what encodeProfile wrote, checking all of it.
func parseUser(data string, signedIn time.Time) (User, error) {
	d := decoder{data: data}
	version := d.byte()
	if version < profileVersionNoTokens || version > profileVersion {
		return User{}, fmt.Errorf("%w: unknown version", errBadProfile)
	}
	u := User{signedIn: signedIn}
	u.subject, u.sid, u.idToken, u.note = d.string(), d.string(), d.string(), d.string()
	if version >= profileVersionNoReport {
		u.accessToken, u.refreshToken = d.string(), d.string()
	}
	if version >= profileVersionNoExpiry {
		u.report = d.string()
	}
	if version >= profileVersion {
		if exp := d.uvarint(); exp > 0 && exp < 1<<40 {
			u.accessTokenExpiry = time.Unix(int64(exp), 0).UTC()
		} else if exp != 0 {
			d.err = errBadProfile
		}
	}
	n := d.uvarint()
	start := d.off
	for i := uint64(0); i < n && d.err == nil; i++ {
		d.claim()
	}
	if d.err != nil || d.off != len(d.data) {
		return User{}, errBadProfile
	}
	u.claims = data[start:]
	return u, nil
}

// decoder reads a profile; the first problem sticks in err.
type decoder struct {
	data string
	off  int
	err  error
}

func (d *decoder) claim() auth.Claim {
	var c auth.Claim
	if code := d.byte(); code == 0 {
		c.Source = d.string()
	} else if int(code) < len(sourceCodes) {
		c.Source = sourceCodes[code]
	} else {
		d.err = errBadProfile
	}
	c.Name, c.Value = d.string(), d.string()
	return c
}

func (d *decoder) byte() byte {
	if d.err != nil || d.off >= len(d.data) {
		d.err = errBadProfile
		return 0
	}
	d.off++
	return d.data[d.off-1]
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var x uint64
	var s uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if d.off >= len(d.data) {
			break
		}
		b := d.data[d.off]
		d.off++
		if b < 0x80 {
			return x | uint64(b)<<s
		}
		x |= uint64(b&0x7f) << s
		s += 7
	}
	d.err = errBadProfile
	return 0
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.data)-d.off) {
		d.err = errBadProfile
		return ""
	}
	s := d.data[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}
