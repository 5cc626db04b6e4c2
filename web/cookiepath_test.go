package web

import "testing"

func TestCommonFolder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		paths []string
		want  string
	}{
		{[]string{"/authorization-code/login", "/authorization-code/login-custom", "/authorization-code/callback"}, "/authorization-code/"},
		{[]string{"/authorization-code/login", "/callback"}, "/"},
		{[]string{"/a/b/login", "/a/c/callback"}, "/a/"},
		{[]string{"/authorization-code/callback"}, "/authorization-code/"},
		{nil, "/"},
	}
	for _, tt := range tests {
		if got := commonFolder(tt.paths...); got != tt.want {
			t.Errorf("commonFolder(%q): got %q, want %q", tt.paths, got, tt.want)
		}
	}
}

// TestCookiePath: the transaction cookies reach the callback and every
// route that starts a login, wherever the redirect URI puts the callback.
func TestCookiePath(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ callback, want string }{
		{"/authorization-code/callback", "/authorization-code/"},
		{"/callback", "/"},
		{"/authorization-code/deeper/callback", "/authorization-code/"},
	} {
		if got := CookiePath(tt.callback); got != tt.want {
			t.Errorf("CookiePath(%q): got %q, want %q", tt.callback, got, tt.want)
		}
	}
}
