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
	// SignedInAt orders the user's sessions; zero means now.
	SignedInAt time.Time
}

// DisplayName is the name to greet the user with: the first of the name,
// preferred_username and email claims that has a value, or the subject.
func (p Profile) DisplayName() string {
	for _, want := range []string{"name", "preferred_username", "email"} {
		for _, c := range p.Claims {
			if c.Name == want && c.Value != "" {
				return c.Value
			}
		}
	}
	return p.Subject
}

// The profile is kept in one string, so a session costs one allocation
// and its claims are read back as substrings, without copying:
//
//	version byte (profileVersion)
//	subject, sid, id_token, userinfo note: each a string
//	claim count: uvarint
//	each claim: source byte, name string, value string
//	            (source 0 is followed by the source as a string)
//
// where a string is its length as a uvarint, then its bytes. JSON or gob
// would cost a decode of every page view, and several times the memory.
const profileVersion = 1

// sourceCodes turns the known claim sources into one byte each.
var sourceCodes = [...]string{1: auth.SourceIDToken, 2: auth.SourceUserInfo, 3: auth.SourceBoth, 4: auth.SourceConflict}

var errBadProfile = errors.New("session: stored profile is malformed")

func encodeProfile(p Profile) string {
	n := 1 + 4*binary.MaxVarintLen32 + len(p.Subject) + len(p.SID) + len(p.IDToken) + len(p.UserInfoNote)
	for _, c := range p.Claims {
		n += 1 + 3*binary.MaxVarintLen32 + len(c.Name) + len(c.Value) + len(c.Source)
	}
	b := make([]byte, 0, n)
	b = append(b, profileVersion)
	for _, s := range []string{p.Subject, p.SID, p.IDToken, p.UserInfoNote} {
		b = appendString(b, s)
	}
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

// decodeProfile reads what encodeProfile wrote. The strings it returns are
// substrings of data.
func decodeProfile(data string, signedIn time.Time) (Profile, error) {
	d := decoder{data: data}
	if d.byte() != profileVersion {
		return Profile{}, fmt.Errorf("%w: unknown version", errBadProfile)
	}
	p := Profile{SignedInAt: signedIn}
	p.Subject, p.SID, p.IDToken, p.UserInfoNote = d.string(), d.string(), d.string(), d.string()
	n := d.uvarint()
	// Each claim takes at least three bytes, which bounds n before it
	// sizes an allocation.
	if d.err != nil || n > uint64(len(d.data)-d.off)/3 {
		return Profile{}, errBadProfile
	}
	p.Claims = make([]auth.Claim, n)
	for i := range p.Claims {
		c := &p.Claims[i]
		if code := d.byte(); code == 0 {
			c.Source = d.string()
		} else if int(code) < len(sourceCodes) {
			c.Source = sourceCodes[code]
		} else {
			d.err = errBadProfile
		}
		c.Name, c.Value = d.string(), d.string()
	}
	if d.err != nil || d.off != len(d.data) {
		return Profile{}, errBadProfile
	}
	return p, nil
}

// decoder reads a profile; the first problem sticks in err.
type decoder struct {
	data string
	off  int
	err  error
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
