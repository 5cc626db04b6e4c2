package auth

import "testing"

func TestClaimsMergeSources(t *testing.T) {
	t.Parallel()
	id := &Identity{
		IDTokenClaims: map[string]any{
			"sub": "00u1", "email": "a@example.com", "name": "Alice", "exp": float64(1_800_000_000), "amr": []any{"pwd"},
		},
		UserInfoClaims: map[string]any{
			"sub": "00u1", "email": "a@example.com", "name": "Alice Changed", "locale": "en-US",
		},
	}
	want := map[string]Claim{
		"amr":    {Name: "amr", Value: `["pwd"]`, Source: sourceIDToken},
		"email":  {Name: "email", Value: "a@example.com", Source: sourceBoth},
		"exp":    {Name: "exp", Value: "2027-01-15T08:00:00Z", Source: sourceIDToken},
		"locale": {Name: "locale", Value: "en-US", Source: sourceUserInfo},
		"name":   {Name: "name", Value: "Alice", Source: sourceConflict},
		"sub":    {Name: "sub", Value: "00u1", Source: sourceBoth},
	}
	got := id.Claims()
	if len(got) != len(want) {
		t.Fatalf("got %d claims %v, want %d", len(got), got, len(want))
	}
	for i, c := range got {
		if i > 0 && got[i-1].Name >= c.Name {
			t.Errorf("claims not sorted by name: %q before %q", got[i-1].Name, c.Name)
		}
		if w := want[c.Name]; c != w {
			t.Errorf("claim %s: got %+v, want %+v", c.Name, c, w)
		}
	}
}
