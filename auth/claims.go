package auth

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Claim is one claim for display, with where it came from.
type Claim struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"` // "id_token", "userinfo" or "both"
}

// Claim sources.
const (
	SourceIDToken  = "id_token"
	SourceUserInfo = "userinfo"
	SourceBoth     = "both"
)

// Claims merges the id_token and userinfo claims into one list sorted by
// name, each claim once. Some providers put email and the profile claims
// only in userinfo (OIDC Core 5.4), so both sources matter. When both
// carry a claim with different values, the id_token's signed value wins.
func (id *Identity) Claims() []Claim {
	byName := make(map[string]*Claim)
	for name, v := range id.IDTokenClaims {
		byName[name] = &Claim{Name: name, Value: claimString(name, v), Source: SourceIDToken}
	}
	for name, v := range id.UserInfoClaims {
		if c, ok := byName[name]; ok {
			c.Source = SourceBoth
			continue
		}
		byName[name] = &Claim{Name: name, Value: claimString(name, v), Source: SourceUserInfo}
	}
	out := make([]Claim, 0, len(byName))
	for _, c := range byName {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// timeClaims are NumericDate claims, shown as times.
var timeClaims = map[string]bool{"exp": true, "iat": true, "auth_time": true, "nbf": true, "updated_at": true}

func claimString(name string, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		if timeClaims[name] {
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
