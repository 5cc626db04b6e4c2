package auth_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/okta-samples/okta-go-sample/auth"
)

// TestSafeReturnTo: only same-origin relative paths survive; everything a
// browser could read as another origin is dropped (RFC 9700 4.11).
func TestSafeReturnTo(t *testing.T) {
	t.Parallel()
	const fallback = ""
	tests := []struct {
		name, in, want string
	}{
		// Kept.
		{"root", "/", "/"},
		{"profile", "/authorization-code/profile", "/authorization-code/profile"},
		{"query", "/authorization-code/profile?tab=claims&x=1", "/authorization-code/profile?tab=claims&x=1"},
		{"encoded query value", "/search?q=a%2Fb", "/search?q=a%2Fb"},
		{"fragment", "/docs#top", "/docs#top"},
		{"dot segments stay on this origin", "/a/../b", "/a/../b"},
		{"query holding a URL", "/p?next=https://evil.example", "/p?next=https://evil.example"},

		// Refused.
		{"empty", "", fallback},
		{"scheme-relative", "//evil.example", fallback},
		{"scheme-relative with path", "//evil.example/login", fallback},
		{"triple slash", "///evil.example", fallback},
		{"absolute https", "https://evil.example", fallback},
		{"absolute http", "http://evil.example/", fallback},
		{"scheme without slashes", "https:evil.example", fallback},
		{"javascript", "javascript:alert(1)", fallback},
		{"data", "data:text/html,<script>alert(1)</script>", fallback},
		{"relative path", "evil.example", fallback},
		{"backslash after slash", `/\evil.example`, fallback},
		{"two backslashes", `\\evil.example`, fallback},
		{"backslash inside", `/a\b`, fallback},
		{"encoded slashes", "%2F%2Fevil.example", fallback},
		{"slash then encoded slash", "/%2Fevil.example", fallback},
		{"slash then encoded slashes", "/%2F%2Fevil.example", fallback},
		{"lowercase encoded slash", "/%2fevil.example", fallback},
		{"encoded backslash", "/%5Cevil.example", fallback},
		{"lowercase encoded backslash", "/%5cevil", fallback},
		{"tab", "/\t/evil.example", fallback},
		{"encoded tab", "/%09/evil.example", fallback},
		{"newline", "/\n/evil.example", fallback},
		{"encoded newline", "/%0A/evil.example", fallback},
		{"carriage return", "/\r/evil.example", fallback},
		{"encoded CR LF header injection", "/%0d%0aSet-Cookie:x=1", fallback},
		{"NUL", "/\x00evil", fallback},
		{"DEL", "/\x7fevil", fallback},
		{"bad escape", "/%zz", fallback},
		{"userinfo-looking", "//user@evil.example", fallback},
		{"too long", "/" + string(make([]byte, 1100)), fallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := auth.SafeReturnTo(tt.in)
			if got != tt.want {
				t.Fatalf("SafeReturnTo(%q): got %q, want %q", tt.in, got, tt.want)
			}
			if got == "" {
				return
			}
			// Whatever is kept resolves to this origin.
			base, _ := url.Parse("https://app.example/authorization-code/callback")
			ref, err := url.Parse(got)
			if err != nil {
				t.Fatalf("kept %q does not parse: %v", got, err)
			}
			if host := base.ResolveReference(ref).Host; host != "app.example" {
				t.Fatalf("SafeReturnTo(%q) = %q resolves to host %q, want app.example", tt.in, got, host)
			}
		})
	}
}

// TestNewTransactionFresh: every login has its own secrets, and lives
// exactly TransactionTTL.
func TestNewTransactionFresh(t *testing.T) {
	t.Parallel()
	rp := newCookies(t, testKey(1), testNow)
	seen := map[string]bool{}
	for range 100 {
		tx := auth.NewTransaction("/", testNow())
		for _, v := range []string{tx.State, tx.Nonce, tx.Verifier} {
			if seen[v] {
				t.Fatalf("value %q repeated", v)
			}
			seen[v] = true
		}
	}
	for _, tt := range []struct {
		name    string
		created time.Time
		wantOK  bool
	}{
		{"exactly the TTL old", testNow().Add(-auth.TransactionTTL), true},
		{"one second older", testNow().Add(-auth.TransactionTTL - time.Second), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tx, c := saved(t, rp, tt.created)
			_, _, err := take(rp, tx.State, c)
			if (err == nil) != tt.wantOK {
				t.Fatalf("got %v, want success %v", err, tt.wantOK)
			}
		})
	}
}
