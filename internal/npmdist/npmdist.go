// Package npmdist reads what npm installed: the app serves the dist/
// folders of the Okta Sign-In Widget and okta-auth-js from node_modules,
// and says which version it found.
package npmdist

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// Version returns the version in the package.json next to dist, the dist/
// folder of the npm package name, or "" when there is no such file, it
// does not parse, or it belongs to another package.
func Version(dist, name string) string {
	data, err := os.ReadFile(filepath.Join(dist, "..", "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil || pkg.Name != name {
		return ""
	}
	return pkg.Version
}
