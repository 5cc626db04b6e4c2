package deploy

import (
	"strings"
	"testing"
)

func TestNginxConfig(t *testing.T) {
	valid := NginxSettings{
		Listen:         "127.0.0.1:8443",
		Upstreams:      []string{"127.0.0.1:9001", "127.0.0.1:9002", "[::1]:9003"},
		Certificate:    "/tmp/x/cert.pem",
		CertificateKey: "/tmp/x/key.pem",
	}
	conf, err := NginxConfig(valid)
	if err != nil {
		t.Fatalf("NginxConfig: %v", err)
	}
	for _, want := range []string{
		"listen 127.0.0.1:8443 ssl;",
		"server 127.0.0.1:9001;\n        server 127.0.0.1:9002;\n        server [::1]:9003;\n",
		"ssl_certificate /tmp/x/cert.pem;",
		"ssl_certificate_key /tmp/x/key.pem;",
		"proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
		"proxy_set_header X-Forwarded-Proto $scheme;",
		"proxy_set_header Host $host;",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q", want)
		}
	}
	if left := placeholder.FindAllString(conf, -1); left != nil {
		t.Errorf("config still has placeholders %q", left)
	}

	tests := []struct {
		name    string
		edit    func(*NginxSettings)
		wantErr string
	}{
		{name: "no replica", edit: func(s *NginxSettings) { s.Upstreams = nil }, wantErr: "Upstreams: at least one"},
		{name: "listen without port", edit: func(s *NginxSettings) { s.Listen = "127.0.0.1" }, wantErr: "Listen: \"127.0.0.1\" is not host:port"},
		{name: "empty listen", edit: func(s *NginxSettings) { s.Listen = "" }, wantErr: "Listen: empty"},
		{
			name:    "directive smuggled in a replica",
			edit:    func(s *NginxSettings) { s.Upstreams = []string{"127.0.0.1:9001; include /etc/passwd"} },
			wantErr: "Upstreams[0]:",
		},
		{name: "path with a space", edit: func(s *NginxSettings) { s.Certificate = "/tmp/my cert.pem" }, wantErr: "Certificate: "},
		{name: "no key", edit: func(s *NginxSettings) { s.CertificateKey = "" }, wantErr: "CertificateKey: empty"},
		{name: "variable in a path", edit: func(s *NginxSettings) { s.CertificateKey = "/tmp/$host.pem" }, wantErr: "CertificateKey: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid
			s.Upstreams = append([]string(nil), valid.Upstreams...)
			tt.edit(&s)
			conf, err := NginxConfig(s)
			if err == nil {
				t.Fatalf("NginxConfig: got no error, want one containing %q; config:\n%s", tt.wantErr, conf)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NginxConfig: got %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
