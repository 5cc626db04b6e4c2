package devprovider

import (
	"crypto/sha256"
	"crypto/subtle"
	"slices"
	"strings"
)

// DemoUsers returns the three fixed demo accounts used when Config.Users is
// nil. Their credentials are public on purpose; they exist only in this
// development provider:
//
//	alice@example.com / Alice-demo-1
//	bob@example.com   / Bob-demo-1
//	carol@example.com / Carol-demo-1, then a TOTP code (see DemoTOTPSecret)
func DemoUsers() []User {
	return []User{
		{
			Subject:    "00udemoalice0000001",
			Login:      "alice@example.com",
			Password:   "Alice-demo-1",
			Email:      "alice@example.com",
			GivenName:  "Alice",
			FamilyName: "Anderson",
			Locale:     "en-US",
			ZoneInfo:   "America/Los_Angeles",
		},
		{
			Subject:    "00udemobob000000002",
			Login:      "bob@example.com",
			Password:   "Bob-demo-1",
			Email:      "bob@example.com",
			GivenName:  "Bob",
			FamilyName: "Brown",
			Locale:     "en-GB",
			ZoneInfo:   "Europe/London",
		},
		{
			Subject:    "00udemocarol0000003",
			Login:      "carol@example.com",
			Password:   "Carol-demo-1",
			Email:      "carol@example.com",
			GivenName:  "Carol",
			FamilyName: "Clark",
			Locale:     "en-US",
			ZoneInfo:   "America/New_York",
			TOTPSecret: DemoTOTPSecret,
		},
	}
}

// DemoTOTPSecret is the TOTP secret of the demo user carol@example.com. Like
// the demo passwords it is public on purpose: add it to an authenticator
// app through User.TOTPURI, or read the current code on the provider's
// /dev/totp page.
const DemoTOTPSecret = "EW5K6ON5NQV34RFZIUKXHAW7MQ3CT7ML"

// name is the OIDC name claim: the full name for display.
func (u User) name() string {
	return strings.TrimSpace(u.GivenName + " " + u.FamilyName)
}

// directory looks users up by login and by subject.
type directory struct {
	list      []User // in the configured order
	byLogin   map[string]User
	bySubject map[string]User
	// dummy is compared against when a login is unknown, so that unknown
	// and known usernames take the same time to reject.
	dummy [sha256.Size]byte
}

func newDirectory(users []User) *directory {
	d := &directory{
		list:      slices.Clone(users),
		byLogin:   make(map[string]User, len(users)),
		bySubject: make(map[string]User, len(users)),
		dummy:     sha256.Sum256([]byte("devprovider: no such user")),
	}
	for _, u := range users {
		d.byLogin[normalizeLogin(u.Login)] = u
		d.bySubject[u.Subject] = u
	}
	return d
}

// normalizeLogin makes logins case-insensitive, as Okta's are.
func normalizeLogin(login string) string {
	return strings.ToLower(strings.TrimSpace(login))
}

// checkPassword reports whether login and password match a user. It compares
// fixed-length hashes in constant time, and does the same work for an
// unknown login, so timing reveals neither the password nor whether the
// login exists.
func (d *directory) checkPassword(login, password string) (User, bool) {
	u, known := d.byLogin[normalizeLogin(login)]
	want := d.dummy
	if known {
		want = sha256.Sum256([]byte(u.Password))
	}
	got := sha256.Sum256([]byte(password))
	match := subtle.ConstantTimeCompare(got[:], want[:]) == 1
	if !known || !match {
		return User{}, false
	}
	return u, true
}

// lookup returns the user whose login is login, compared as checkPassword
// does.
func (d *directory) lookup(login string) (User, bool) {
	u, ok := d.byLogin[normalizeLogin(login)]
	return u, ok
}

// subject returns the user with the given sub.
func (d *directory) subject(sub string) (User, bool) {
	u, ok := d.bySubject[sub]
	return u, ok
}
