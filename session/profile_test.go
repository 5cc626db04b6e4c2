package session

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
)

func TestProfileRoundTrip(t *testing.T) {
	t.Parallel()
	signedIn := time.Unix(1700000000, 123).UTC()
	tests := []struct {
		name string
		p    Profile
	}{
		{"empty", Profile{}},
		{"typical", testProfile("00ua")},
		{"every source", Profile{Subject: "s", Claims: []auth.Claim{
			{Name: "a", Value: "1", Source: "id_token"},
			{Name: "b", Value: "2", Source: "userinfo"},
			{Name: "c", Value: "3", Source: "both"},
			{Name: "d", Value: "4", Source: "conflict"},
			{Name: "e", Value: "5", Source: "somewhere else"},
			{Name: "f", Value: "", Source: ""},
		}}},
		{"with a refresh token", Profile{Subject: "s", AccessToken: "at", RefreshToken: "rt"}},
		{"with the access token's expiry", Profile{Subject: "s", AccessToken: "at", AccessTokenExpiry: time.Unix(1900000000, 0).UTC()}},
		{"long and odd values", Profile{Subject: strings.Repeat("x", 300), IDToken: strings.Repeat("t", 5000), UserInfoNote: "note",
			AccessToken: strings.Repeat("a", 2000),
			Claims:      []auth.Claim{{Name: "\x00<'\">", Value: "\xff\xfe" + strings.Repeat("é", 200), Source: "both"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.p
			want.SignedInAt = signedIn
			u, err := parseUser(encodeProfile(tt.p), signedIn)
			if err != nil {
				t.Fatalf("parseUser: %v", err)
			}
			if got := profileOf(u); !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestProfileVersion2 reads a profile as the version before the access
// token's expiry was kept wrote it: the same user and tokens, the expiry
// unknown.
func TestProfileVersion2(t *testing.T) {
	t.Parallel()
	v2 := "\x02" + "\x04sub1" + "\x04sid1" + "\x03idt" + "\x00" + "\x02at" + "\x02rt" + "\x01" + "\x02" + "\x05email" + "\x03a@b"
	u, err := parseUser(v2, time.Time{})
	if err != nil {
		t.Fatalf("parseUser: %v", err)
	}
	want := Tokens{AccessToken: "at", RefreshToken: "rt"}
	if got := u.Tokens(); !got.Equal(want) || u.Subject() != "sub1" || len(u.AppendClaims(nil)) != 1 {
		t.Errorf("got %+v (subject %q, %d claims), want %+v of sub1 with 1 claim", got, u.Subject(), len(u.AppendClaims(nil)), want)
	}
}

// TestProfileVersion1 reads a profile as the version before the tokens
// were kept wrote it (a store such as Redis outlives a deployment): the
// same user, with no tokens to revoke.
func TestProfileVersion1(t *testing.T) {
	t.Parallel()
	v1 := "\x01" + "\x04sub1" + "\x04sid1" + "\x03idt" + "\x00" + "\x01" + "\x02" + "\x05email" + "\x03a@b"
	u, err := parseUser(v1, time.Time{})
	if err != nil {
		t.Fatalf("parseUser: %v", err)
	}
	want := Profile{Subject: "sub1", SID: "sid1", IDToken: "idt", Claims: []auth.Claim{{Name: "email", Value: "a@b", Source: "userinfo"}}}
	if got := profileOf(u); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestDecodeProfileRefusesMalformed(t *testing.T) {
	t.Parallel()
	good := encodeProfile(testProfile("00ua"))
	tests := []struct {
		name string
		data string
	}{
		{"empty", ""},
		{"unknown version", "\x05" + good[1:]},
		{"expiry beyond any date", "\x04\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\x01\x00"},
		{"truncated", good[:len(good)-1]},
		{"trailing bytes", good + "x"},
		{"string longer than the data", "\x01\x7f"},
		{"huge claim count", "\x01\x00\x00\x00\x00\xff\xff\xff\xff\x0f"},
		{"unknown source code", "\x01\x00\x00\x00\x00\x01\x09\x01a\x01b"},
		{"varint without end", "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseUser(tt.data, time.Time{}); !errors.Is(err, errBadProfile) {
				t.Errorf("got %v, want errBadProfile", err)
			}
		})
	}
}

func TestDisplayName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		claims []auth.Claim
		want   string
	}{
		{"name first", []auth.Claim{{Name: "email", Value: "e@x"}, {Name: "name", Value: "Ann"}}, "Ann"},
		{"then preferred_username", []auth.Claim{{Name: "email", Value: "e@x"}, {Name: "preferred_username", Value: "ann"}}, "ann"},
		{"then email", []auth.Claim{{Name: "name", Value: ""}, {Name: "email", Value: "e@x"}}, "e@x"},
		{"then the subject", nil, "00ua"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := parseUser(encodeProfile(Profile{Subject: "00ua", Claims: tt.claims}), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if got := u.DisplayName(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzDecodeProfile: no input makes decoding panic, and what decodes
// survives encoding and decoding again unchanged.
func FuzzDecodeProfile(f *testing.F) {
	f.Add(encodeProfile(testProfile("00ua")))
	f.Add("\x01\x00\x00\x00\x00\x00")
	f.Fuzz(func(t *testing.T, data string) {
		u, err := parseUser(data, time.Time{})
		if err != nil {
			return
		}
		if _, err := u.Report(); err != nil {
			return // refused when the report page asks for it
		}
		p := profileOf(u)
		again, err := parseUser(encodeProfile(p), time.Time{})
		if err != nil || !reflect.DeepEqual(profileOf(again), p) {
			t.Errorf("re-encoded and parsed: got %+v, %v; want %+v", again, err, p)
		}
	})
}

// profileOf is u as the Profile it was signed in with. A stored report
// that does not decode is a test failure.
func profileOf(u User) Profile {
	rep, err := u.Report()
	if err != nil {
		panic(fmt.Sprintf("profileOf: %v", err))
	}
	return Profile{
		Subject: u.Subject(), SID: u.SID(), IDToken: u.IDToken(), UserInfoNote: u.UserInfoNote(),
		AccessToken: u.AccessToken(), RefreshToken: u.RefreshToken(), AccessTokenExpiry: u.Tokens().AccessTokenExpiry,
		SignedInAt: u.SignedInAt(), Claims: u.AppendClaims(nil), Report: rep,
	}
}
