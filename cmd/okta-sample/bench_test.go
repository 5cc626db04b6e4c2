package main

import (
	"net/http"
	"testing"
)

// BenchmarkLoginSSO measures one whole login-redirect flow over loopback
// HTTP, with the provider session already established (SSO): login start,
// authorize, callback (token exchange, id_token validation with cached
// keys, userinfo, session) and the profile page.
func BenchmarkLoginSSO(b *testing.B) {
	a := startApp(b, nil)
	br := newBrowser(b)
	br.login(a, aliceLogin, alicePassword)
	b.ResetTimer()
	for b.Loop() {
		p := br.follow(a.URL+"/authorization-code/login", nil)
		if p.Status != http.StatusOK {
			b.Fatalf("login ended on %d", p.Status)
		}
	}
}

// BenchmarkProfile measures serving the profile page from the session.
func BenchmarkProfile(b *testing.B) {
	a := startApp(b, nil)
	br := newBrowser(b)
	br.login(a, aliceLogin, alicePassword)
	b.ResetTimer()
	for b.Loop() {
		if p := br.get(a.URL + "/authorization-code/profile"); p.Status != http.StatusOK {
			b.Fatalf("profile: %d", p.Status)
		}
	}
}
