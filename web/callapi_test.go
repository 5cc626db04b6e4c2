package web

import (
	"encoding/base64"
	"testing"
)

// TestTokenClaims: a JWT's payload is decoded for display, times also as
// dates; anything that is not a JWT is opaque, never an error.
func TestTokenClaims(t *testing.T) {
	t.Parallel()
	jwt := func(payload string) string {
		return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
	}
	tests := []struct {
		name       string
		token      string
		wantOpaque bool
		want       []claimRow
	}{
		{"an Okta access token", jwt(`{"sub":"alice@example.com","exp":1900000000,"scp":["openid","email"],"cid":"0oa1"}`), false,
			[]claimRow{{Name: "cid", Value: "0oa1"}, {Name: "exp", Value: "1900000000 (2030-03-17T17:46:40Z)"},
				{Name: "scp", Value: `["openid","email"]`}, {Name: "sub", Value: "alice@example.com"}}},
		{"opaque", "2YotnFZFEjr1zCsicMWpAA", true, nil},
		{"three parts, not base64", "a.!!!.c", true, nil},
		{"three parts, not JSON", jwt("not json"), true, nil},
		{"a JSON array", jwt(`["a"]`), true, nil},
		{"a time that is not a number", jwt(`{"exp":"soon"}`), false, []claimRow{{Name: "exp", Value: "soon"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, opaque := tokenClaims(tt.token)
			if opaque != tt.wantOpaque || len(got) != len(tt.want) {
				t.Fatalf("got %v (opaque %t), want %v (opaque %t)", got, opaque, tt.want, tt.wantOpaque)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestPrintableChallenge: the API's challenge is shown only when it is
// short printable ASCII.
func TestPrintableChallenge(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`Bearer realm="api", error="invalid_token"`, `Bearer realm="api", error="invalid_token"`},
		{"", "no WWW-Authenticate challenge."},
		{"Bearer \x1b[31m", "an unreadable challenge."},
		{"Bearer é", "an unreadable challenge."},
	}
	for _, tt := range tests {
		if got := printableChallenge(tt.in); got != tt.want {
			t.Errorf("printableChallenge(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
