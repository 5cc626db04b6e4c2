package auth

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Claim is one claim for display, with where it came from.
type Claim struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Source says where the claim came from: "id_token", "userinfo",
	// "both" (the same value in each), or "conflict" (different values;
	// Value is the id_token's, which is signed).
	Source string `json:"source"`
}

// The values of Claim.Source.
const (
	sourceIDToken  = "id_token"
	sourceUserInfo = "userinfo"
	sourceBoth     = "both"
	sourceConflict = "conflict"
)

// Claims merges the id_token and userinfo claims into one list sorted by
// name, each claim once. Some providers put email and the profile claims
// only in userinfo (OIDC Core 5.4), so both sources matter. When both
// carry a claim with different values, the id_token's signed value wins.
func (id *Identity) Claims() []Claim {
	byName := make(map[string]*Claim)
	for name, v := range id.IDTokenClaims {
		byName[name] = &Claim{Name: name, Value: claimString(name, v), Source: sourceIDToken}
	}
	for name, v := range id.UserInfoClaims {
		if c, ok := byName[name]; ok {
			c.Source = sourceBoth
			if claimString(name, v) != c.Value {
				c.Source = sourceConflict
			}
			continue
		}
		byName[name] = &Claim{Name: name, Value: claimString(name, v), Source: sourceUserInfo}
	}
	out := make([]Claim, 0, len(byName))
	for _, c := range byName {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// isTimeClaim reports whether a claim is a NumericDate, shown as a time.
func isTimeClaim(name string) bool {
	switch name {
	case "exp", "iat", "auth_time", "nbf", "updated_at":
		return true
	}
	return false
}

func claimString(name string, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		if isTimeClaim(name) {
			return time.Unix(int64(x), 0).UTC().Format(time.RFC3339)
		}
		return fmt.Sprint(x)
	case bool:
		return fmt.Sprint(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}
