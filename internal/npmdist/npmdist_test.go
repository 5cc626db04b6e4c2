package npmdist

import (
	"os"
	"path/filepath"
	"testing"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		name, packageJSON, want string
	}{
		{"the package", `{"name":"@okta/okta-auth-js","version":"7.14.5"}`, "7.14.5"},
		{"another package", `{"name":"@okta/okta-signin-widget","version":"7.49.0"}`, ""},
		{"not JSON", `{"name":`, ""},
		{"no file", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dist := filepath.Join(root, "dist")
			if err := os.Mkdir(dist, 0o755); err != nil {
				t.Fatal(err)
			}
			if tt.packageJSON != "" {
				if err := os.WriteFile(filepath.Join(root, "package.json"), []byte(tt.packageJSON), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if got := Version(dist, "@okta/okta-auth-js"); got != tt.want {
				t.Errorf("Version: got %q, want %q", got, tt.want)
			}
		})
	}
}
